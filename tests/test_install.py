"""The package installs on its own: what each part imports is declared, and a built wheel works.

The static test reads every module's imports and checks that each third-party module is a core
dependency or belongs to the extra declared for that part of the package (pyproject.toml). The
install test builds a wheel from the repository and installs it into a fresh virtual environment
the way a Colab reader does: by running a chapter's setup cell (book/colab_setup.py writes it),
with ``google.colab`` faked and ``DDTW_EDU_SOURCE`` pointing at the wheel. The cell installs
the ``colab`` extra from the package index, as a user's would; the test then imports every
subpackage and runs the README's example there.
"""
import ast
import json
import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book"))
from colab_setup import setup_block, setup_cell, version  # noqa: E402
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# the extra that a subpackage or module of ddtw_edu needs beyond the core dependencies
EXTRA_OF = {"data": "data", "plotting": "plot", "widgets": "widgets", "experiments": "experiments"}


def requirement_name(requirement):
    return re.match(r"[A-Za-z0-9_.-]+", requirement)[0].lower().replace("_", "-")


def declared(extra=None):
    """Distribution names that the core plus ``extra`` (with the extras it includes) install."""
    names, todo = {requirement_name(r) for r in PROJECT["dependencies"]}, [extra] if extra else []
    while todo:
        for requirement in PROJECT["optional-dependencies"][todo.pop()]:
            included = re.fullmatch(r"ddtw-edu\[([a-z,]+)\]", requirement)
            if included:
                todo += included[1].split(",")
            else:
                names.add(requirement_name(requirement))
    return names


def third_party_imports(path):
    stdlib = set(sys.stdlib_module_names)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return {name for name in found if name not in stdlib and name != "ddtw_edu"}


def test_every_import_of_the_library_is_declared():
    checked = 0
    for path in sorted((ROOT / "ddtw_edu").rglob("*.py")):
        part = path.relative_to(ROOT / "ddtw_edu").parts[0].removesuffix(".py")
        available = declared(EXTRA_OF.get(part))
        missing = {name for name in third_party_imports(path) if name.replace("_", "-") not in available}
        assert not missing, f"{path.relative_to(ROOT)} imports {sorted(missing)}, not declared for " \
                            f"{'the core' if part not in EXTRA_OF else f'the extra [{EXTRA_OF[part]}]'}"
        checked += 1
    assert checked > 40


def test_requirements_pin_every_declared_dependency():
    pinned = {requirement_name(line) for line in (ROOT / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    missing = declared("test") - pinned - {"ddtw-edu"}
    assert not missing, f"requirements.txt pins no version of {sorted(missing)}"


def test_the_colab_setup_cell_installs_a_built_wheel_into_a_fresh_environment(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=300)
    wheel = next(wheels.glob("ddtw_edu-*.whl"))
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    cells = json.loads((ROOT / "notebooks" / "04_ddtw.ipynb").read_text())["cells"]
    setup = "".join(cells[setup_cell(ROOT / "notebooks" / "04_ddtw.ipynb")[0]]["source"])
    assert setup_block() in setup                          # the cell as book/colab_setup.py writes it
    colab = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NUMBA_CACHE_DIR": str(tmp_path / "nb"),
           "DDTW_EDU_SOURCE": wheel.resolve().as_uri(), "MPLBACKEND": "Agg"}
    install = subprocess.run([python, "-c", colab + setup], cwd=tmp_path, capture_output=True, text=True,
                             timeout=1500, env=env)
    assert install.returncode == 0, f"the setup cell failed:\n{install.stdout[-3000:]}\n{install.stderr[-3000:]}"
    readme_example = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)[0]
    script = "\n".join([
        "import importlib, pkgutil, ddtw_edu",
        "assert '/env/' in ddtw_edu.__file__, ddtw_edu.__file__",     # the installed copy, not the checkout
        "names = [m.name for m in pkgutil.walk_packages(ddtw_edu.__path__, 'ddtw_edu.')]",
        "for name in names: importlib.import_module(name)",
        "print(len(names), 'modules imported')",
        readme_example,
        "print('README example ran')"])
    run = subprocess.run([python, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env=env)
    assert run.returncode == 0, f"the installed package failed:\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}"
    assert "README example ran" in run.stdout
    assert int(run.stdout.split(" modules imported")[0].split()[-1]) > 40


def test_the_numpy_parts_import_without_torch_or_numba():
    """``import ddtw_edu.reference`` (pure NumPy) must not pay for torch and Numba; the losses load them."""
    script = ("import sys, ddtw_edu, ddtw_edu.reference, ddtw_edu.configs, ddtw_edu.bruteforce\n"
              "heavy = [m for m in ('torch', 'numba') if m in sys.modules]\n"
              "assert not heavy, heavy\n"
              "assert callable(ddtw_edu.ctc_loss) and 'torch' in sys.modules\n"
              "assert callable(ddtw_edu.backends.numba_cpu.release_workspace)\n"
              "assert 'sdtw_loss' in dir(ddtw_edu)\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]


def test_importing_the_numba_backend_changes_no_numba_setting():
    """The workqueue threading layer is chosen on first use, not by importing the module."""
    script = ("import numba, torch, ddtw_edu.backends.numba_cpu\n"
              "assert numba.config.THREADING_LAYER == 'default', numba.config.THREADING_LAYER\n"
              "import ddtw_edu\n"
              "C = torch.rand(8, 12, 5, dtype=torch.float64)\n"
              "ddtw_edu.sdtw_loss(C, config='SDTW-E').sum()\n"
              "assert numba.threading_layer() == 'workqueue', numba.threading_layer()\n")
    env = {key: value for key, value in os.environ.items() if key != "NUMBA_THREADING_LAYER"}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]


def test_the_version_is_written_once_and_every_colab_cell_installs_it():
    """pyproject.toml reads ddtw_edu.__version__; every chapter's setup cell names its tag."""
    assert "version" in PROJECT["dynamic"] and "version" not in PROJECT
    tag = f'TAG = "v{version()}"'
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        source = setup_cell(notebook)[1]
        assert setup_block() in source and tag in source, f"{notebook.name}: run python book/colab_setup.py"
    check = subprocess.run([sys.executable, str(ROOT / "book" / "colab_setup.py"), "--check"], capture_output=True)
    assert check.returncode == 0
