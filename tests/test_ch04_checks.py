"""Chapter 4 (dDTW) says what its pictures show and checks what it asserts.

These are the checks that would have caught the chapter's earlier slips: an order of cells described
in a direction the figures do not draw (they draw frames n to the right and labels m upward, as the
paper's figures do), the words "horizontal" and "vertical" used without the step they name, an
identity H = E * G "checked" against the very product the library computes, and a Table I typed
into the notebook instead of generated from ddtw_edu.configs.
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "notebooks" / "04_ddtw.ipynb"


@pytest.fixture(scope="module")
def cells():
    return nbformat.read(CHAPTER, as_version=4).cells


def prose(cells):
    return "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")


def code(cells):
    return "\n".join(cell.source for cell in cells if cell.cell_type == "code")


def test_order_of_cells_is_described_as_the_figures_draw_it(cells):
    text = prose(cells)
    assert "top to bottom" not in text                         # m increases upward in every figure
    assert "bottom to top in our figures" in text and "(left to right)" in text


def test_horizontal_and_vertical_always_come_with_the_step_vector(cells):
    """A reader meets "horizontal" and "vertical" with the step they name, (1, 0) or (0, 1), or where
    the paper's naming is explained (the box that says the figures draw the steps that way)."""
    text = re.sub(r"^(:::|:class:).*$", "", prose(cells), flags=re.MULTILINE)   # directive lines
    for sentence in re.split(r"(?<=[.:])\s+", text):
        if re.search(r"horizontal|vertical", sentence, re.IGNORECASE):
            assert re.search(r"\((1, 0|0, 1)\)", sentence) or "paper" in sentence, sentence
    assert ":::{admonition} Horizontal and vertical" in prose(cells)


def test_no_tautological_gradient_check(cells):
    """The library computes H as E * G; comparing the two checks nothing."""
    source = code(cells)
    assert not re.search(r"assert_allclose\(\s*\w+\.H,\s*\w+\.E\s*\*\s*\w+\.G", source)
    assert "finite_differences(" in source                     # H against finite differences
    assert 'minimum="sparsemin")' in source.split("def finite_differences")[1]


def test_table_one_is_generated_from_the_library(cells):
    source = code(cells)
    assert "table_one_rows(" in source
    for cell in cells:                                          # no Table I typed into a cell
        if cell.cell_type == "markdown":
            assert not re.search(r"\|\s*CTC-[ABC]\s*\|\s*[0-9.]+\s*\|", cell.source)


def test_one_step_demonstrations_are_labelled_as_such(cells):
    """The by-hand recomputations reuse the library's own D, B and E: they demonstrate, not check."""
    assert prose(cells).count("**One-step demonstration.**") == 2
