"""The student edition: every chapter without its solutions and without outputs.

The chapters mark exercises and solutions by cell tags (tests/test_exercises.py checks the
convention): an exercise is one markdown cell tagged ``exercise`` whose first line reads
``**Exercise <chapter>.<k>** (<kind>)``, and its solution is the cells tagged ``solution`` after
it. This script drops the solution cells, clears all outputs and execution counts, removes the
stamp of full-mode execution (``metadata.ddtw_edu``), and after each code exercise puts an empty
code cell for the student's answer. Everything else is copied unchanged, so a student notebook
runs exactly as the instructor's does (tests/test_student_edition.py runs one under nbval).

Usage: python book/student_edition.py [OUT]      (default OUT: _build/student; make student)
"""
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CODE_EXERCISE = re.compile(r"^\*\*Exercise (\d+\.\d+)\*\* \(code\)")


def answer_cell(number):
    """The empty code cell a student fills in for code exercise ``number`` ("1.3")."""
    return nbformat.v4.new_code_cell(f"# Exercise {number}: your code here\n")


def student_notebook(nb):
    """A copy of ``nb`` (a NotebookNode) without solutions and outputs, with answer cells."""
    cells = []
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if "solution" in tags:
            continue
        cell = nbformat.from_dict(cell)               # a copy: the instructor's notebook stays as it is
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        cells.append(cell)
        code_exercise = CODE_EXERCISE.match(cell.source) if "exercise" in tags else None
        if code_exercise:
            cells.append(answer_cell(code_exercise[1]))
    student = nbformat.from_dict(nb)
    student.cells = cells
    student.metadata.pop("ddtw_edu", None)            # the full-mode stamp no longer holds
    return student


def write_student_edition(out, notebooks=None):
    """Write the student notebooks to ``out/notebooks``; return their paths."""
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) if notebooks is None else notebooks
    folder = Path(out) / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        target = folder / Path(path).name
        nbformat.write(student_notebook(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def main(argv):
    out = Path(argv[0]) if argv else ROOT / "_build" / "student"
    for path in write_student_edition(out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
