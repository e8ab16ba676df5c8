"""The Colab setup block of every chapter, written from one place: the package version.

Each chapter's first code cell installs, on Colab only, the package at the tag of this book's
version (``ddtw_edu.__version__``, which pyproject.toml reads too), with the ``colab`` extra and,
where the runtime has a GPU, the ``cuda`` extra. ``DDTW_EDU_SOURCE`` replaces the tag: the test
suite points it at a wheel built from the checkout (tests/test_install.py).

Usage: python book/colab_setup.py          # rewrite the block in notebooks/*.ipynb
       python book/colab_setup.py --check  # exit 1 if a notebook's block differs
"""
import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = '''if "google.colab" in sys.modules:  # Colab: install this book's version
    TAG = "v{version}"  # ddtw_edu.__version__, via book/colab_setup.py
    GIT = "git+https://github.com/ddtw-edu/ddtw-edu"
    # CI runs this cell with DDTW_EDU_SOURCE set to a wheel it built
    SOURCE = os.environ.get("DDTW_EDU_SOURCE", f"{{GIT}}@{{TAG}}")
    EXTRAS = "colab,cuda" if os.path.exists("/dev/nvidia0") else "colab"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    f"ddtw-edu[{{EXTRAS}}] @ {{SOURCE}}"], check=True)
'''
# the block in a notebook: from the `if "google.colab"` line to the first blank line
PATTERN = re.compile(r'^if "google\.colab" in sys\.modules:.*?\n(?=\n|\Z)', re.S | re.M)


def version():
    """``__version__`` of ddtw_edu/__init__.py, read without importing the package."""
    tree = ast.parse((ROOT / "ddtw_edu" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__version__"]:
            return node.value.value
    raise ValueError("ddtw_edu/__init__.py assigns no __version__")


def setup_block():
    return BLOCK.format(version=version())


def setup_cell(notebook):
    """(index, source) of the notebook's code cell that holds the Colab block."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    for index, cell in enumerate(cells):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and PATTERN.search(source):
            return index, source
    raise ValueError(f"{notebook} has no Colab setup block")


def sync(notebook):
    """Write the current block into the notebook; return True if it changed."""
    path = Path(notebook)
    nb = json.loads(path.read_text())
    index, source = setup_cell(path)
    new = PATTERN.sub(lambda _: setup_block(), source, count=1)
    if new == source:
        return False
    nb["cells"][index]["source"] = new.splitlines(keepends=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return True


def main(argv):
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if "--check" in argv:
        stale = [nb.name for nb in notebooks if PATTERN.search(setup_cell(nb)[1])[0] != setup_block()]
        print("stale Colab setup blocks: " + ", ".join(stale) if stale else "all Colab setup blocks are current")
        return 1 if stale else 0
    for nb in notebooks:
        print(f"{nb.name}: {'rewritten' if sync(nb) else 'current'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
