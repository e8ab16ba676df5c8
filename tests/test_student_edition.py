"""The student edition (``make student``): the chapters without solutions or outputs, still runnable.

The instructor edition is the committed notebooks; tests/test_notebooks.py runs each of them under
nbval, solutions included. Here the student edition is built into a temporary folder, checked
cell by cell against the instructor's, and one student chapter runs under nbval in smoke mode.
"""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book"))
from student_edition import CODE_EXERCISE, write_student_edition  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    run = subprocess.run([sys.executable, str(ROOT / "book" / "student_edition.py"), str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return out / "notebooks"


def tags(cell):
    return set(cell.metadata.get("tags", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_chapter_keeps_everything_but_the_solutions(edition, path):
    teacher = nbformat.read(path, as_version=4)
    student = nbformat.read(edition / path.name, as_version=4)
    nbformat.validate(student)
    assert not any("solution" in tags(cell) for cell in student.cells)
    assert not any("Solution" in cell.source and "dropdown" in cell.source for cell in student.cells)
    assert all(cell.outputs == [] and cell.execution_count is None
               for cell in student.cells if cell.cell_type == "code")
    assert "ddtw_edu" not in student.metadata                 # no claim of a full-mode run
    kept = [cell.source for cell in teacher.cells if "solution" not in tags(cell)]
    answers = [cell for cell in student.cells if cell.source.startswith("# Exercise ")]
    assert [cell.source for cell in student.cells if cell not in answers] == kept
    code_exercises = [CODE_EXERCISE.match(cell.source)[1] for cell in teacher.cells
                      if "exercise" in tags(cell) and CODE_EXERCISE.match(cell.source)]
    assert code_exercises and [cell.source.split()[2].rstrip(":") for cell in answers] == code_exercises
    assert sum("solution" in tags(cell) for cell in teacher.cells) >= 3   # there was something to strip


def test_a_student_chapter_runs_under_nbval(edition):
    env = dict(os.environ, DDTW_EDU_SMOKE="1")
    notebook = edition / "01_ctc_revisited.ipynb"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                          "--nbval-sanitize-with", str(ROOT / "tests" / "nbval-sanitize.cfg"), str(notebook)],
                         cwd=edition, capture_output=True, text=True, timeout=900, env=env)
    assert run.returncode == 0, run.stdout[-4000:]
