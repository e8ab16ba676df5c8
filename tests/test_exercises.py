"""Every chapter has exercises a course can use: recall, derivation, code, each with a hidden worked solution.

The convention (which a student edition can rely on to strip solutions): an exercise statement is
one markdown cell tagged ``exercise`` that starts with ``**Exercise <chapter>.<k>** (<kind>)``; its
solution follows directly in cells tagged ``solution``: markdown inside a ``{dropdown}`` (closed
until opened), code tagged ``hide-cell`` as well, ending with an assert that nbval executes in CI.
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
HEADING = re.compile(r"^\*\*Exercise (\d+)\.(\d+)\*\* \((recall|derivation|code)\)")


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def exercises(nb):
    """[(statement cell, [solution cells])] in the order of the notebook."""
    found = []
    for cell in nb.cells:
        if "exercise" in tags(cell):
            found.append((cell, []))
        elif "solution" in tags(cell):
            assert found, "a solution cell comes before any exercise"
            found[-1][1].append(cell)
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_has_three_exercises_from_recall_to_code(path):
    nb = nbformat.read(path, as_version=4)
    chapter = int(path.name[:2])
    found = exercises(nb)
    assert len(found) >= 3, f"{path.name}: {len(found)} exercises, a course needs at least three"
    kinds = []
    for k, (statement, solutions) in enumerate(found, 1):
        assert statement.cell_type == "markdown"
        match = HEADING.match(statement.source.strip())
        assert match, f"{path.name}: exercise {k} does not start with **Exercise {chapter}.{k}** (kind)"
        assert (int(match[1]), int(match[2])) == (chapter, k), f"{path.name}: exercise {k} is numbered {match[1]}.{match[2]}"
        kinds.append(match[3])
        assert solutions, f"{path.name}: exercise {chapter}.{k} has no worked solution"
        for cell in solutions:
            if cell.cell_type == "markdown":
                assert ":::{dropdown}" in cell.source or "```{dropdown}" in cell.source, \
                    f"{path.name}: the solution of exercise {chapter}.{k} is not hidden in a dropdown"
            else:
                assert "hide-cell" in tags(cell), f"{path.name}: solution code of {chapter}.{k} is not hide-cell"
    for kind in ("recall", "derivation", "code"):
        assert kind in kinds, f"{path.name}: no {kind} exercise among {kinds}"
    code = [cell for _, solutions in found for cell in solutions if cell.cell_type == "code"]
    assert any("assert" in cell.source for cell in code), f"{path.name}: no solution code checks its answer"


def test_solution_cells_follow_their_exercise_directly():
    """Nothing but solution cells between an exercise and its solution, so stripping one strips it all."""
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            if "exercise" in tags(cell):
                assert i + 1 < len(cells) and "solution" in tags(cells[i + 1]), \
                    f"{path.name}: cell {i + 1} after an exercise is not its solution"
