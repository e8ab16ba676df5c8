"""Checks of the notation page, the introduction and chapters 1-3 that nbval cannot make (issue 12).

Each test is the check that would have caught one of the errors found in a careful read:
the notation page's 1-based to 0-based mapping of the start candidate, the introduction's credit for
soft-DTW's smoothing, chapter 3 claiming chapter 1's toy setting while changing it, missing citations
of the works a page relies on, and one symbol for two things (label paths and the Gibbs distribution).
"""
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import ddtw_edu

ROOT = Path(__file__).resolve().parents[1]
CH01 = ROOT / "notebooks" / "01_ctc_revisited.ipynb"
CH02 = ROOT / "notebooks" / "02_soft_dtw_revisited.ipynb"
CH03 = ROOT / "notebooks" / "03_from_ctc_to_sdtw.ipynb"
INTRO = ROOT / "book" / "intro.md"
NOTATION = ROOT / "book" / "notation.md"


def page_text(path):
    if path.suffix == ".md":
        return path.read_text()
    return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)


def run_cell(path, cell_id):
    """Execute one code cell of a notebook (by its id) in a fresh namespace; return the namespace."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.get("id") == cell_id]
    assert len(cells) == 1, f"{path.name}: no cell {cell_id}"
    namespace = {"np": np, "ddtw_edu": ddtw_edu}
    exec(cells[0].source, namespace)
    return namespace


def test_chapter_3_toy_example_is_chapter_1s():
    """ch03 says it reuses ch01's setting: the same alphabet, labels, frames and predictions."""
    ch01 = run_cell(CH01, "c4f2ba6b")
    ch03 = run_cell(CH03, "5e487ff3")
    assert ch03["symbols"] == ch01["symbols"]
    np.testing.assert_array_equal(ch03["Y"], ch01["Y"])
    assert ch03["N"] == ch01["N"]
    np.testing.assert_allclose(ch03["P"], ch01["P"], rtol=0, atol=0)
    np.testing.assert_allclose(ch03["C"], -np.log(ch01["P"])[:, ddtw_edu.extended_labels(ch01["Y"])])


def test_notation_page_index_mapping_points_at_the_right_entries():
    """Evaluate the code expressions the notation page gives for the paper's cell and start candidate."""
    text = NOTATION.read_text()
    text = " ".join(text.split())
    cell_expr = re.search(r"cell \$\(n, m\)\$ is `([^`]+)`", text)[1]
    start_expr = re.search(r"start candidate \$S\+1\$ is `([^`]+)`", text)[1]
    step_expr = re.search(r"step \$s\$ is `([^`]+)`", text)[1]
    rng = np.random.default_rng(0)
    N = 4
    config = ddtw_edu.ctc_config([1, 2], N)
    C = rng.uniform(0.1, 2.0, size=(N, 5))
    result = ddtw_edu.ddtw(C, **config._asdict())
    S = len(config.steps)
    steps = config.steps
    # the paper's start cells (1, 1) and (1, 2) have no predecessor: their only candidate is the start
    for n, m in [(1, 1), (1, 2)]:
        scope = dict(B=result.B, C=C, steps=steps, n=n, m=m, S=S)
        assert eval(start_expr, scope) == pytest.approx(1.0), f"{start_expr} at paper cell ({n}, {m})"
        assert eval(cell_expr, scope) == C[n - 1, m - 1]
    # a cell that is not a start cell has no start candidate
    scope = dict(B=result.B, n=2, m=3, S=S)
    assert eval(start_expr, scope) == 0.0
    # the paper's step s = 1 is (1, 0)
    assert tuple(eval(step_expr, dict(steps=steps, s=1))) == (1, 0)


def test_intro_credits_soft_dtw_smoothing_to_cuturi_blondel_first():
    """Soft-DTW's soft minimum is Cuturi & Blondel 2017; Mensch & Blondel 2018 generalise it."""
    text = INTRO.read_text()
    paragraph = next(p for p in text.split("\n\n") if "**Soft dynamic time warping**" in p)
    assert "CuturiBlondel2017" in paragraph and "MenschBlondel2018" in paragraph
    assert paragraph.index("CuturiBlondel2017") < paragraph.index("MenschBlondel2018")
    sentence = next(s for s in re.split(r"(?<=\.)\s", paragraph) if "MenschBlondel2018" in s)
    assert re.search(r"generali[sz]", sentence), sentence
    assert "goes back to" not in sentence


# The works each page relies on (issue 12, bibliography).
CITED = {
    INTRO: ["ZeitlerMueller2026", "GravesEtAl2006", "CuturiBlondel2017", "MenschBlondel2018", "Mueller2021FMP"],
    CH01: ["ZeitlerMueller2026", "GravesEtAl2006"],
    CH02: ["ZeitlerMueller2026", "CuturiBlondel2017", "MenschBlondel2018", "Mueller2021FMP"],
    CH03: ["ZeitlerMueller2026", "GravesEtAl2006", "CuturiBlondel2017", "MenschBlondel2018"],
    NOTATION: ["ZeitlerMueller2026"],
}


def cited_keys(text):
    keys = set()
    for group in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", text):
        keys.update(key.strip() for key in group.split(","))
    return keys


@pytest.mark.parametrize("path", list(CITED), ids=lambda p: p.stem)
def test_page_cites_the_works_it_relies_on(path):
    text = page_text(path)
    keys = cited_keys(text)
    missing = [key for key in CITED[path] if key not in keys]
    assert not missing, f"{path.name} does not cite {missing}"
    if "w_h" in text:   # the horizontal step weight comes from earlier soft-DTW work (paper refs. [25], [26])
        assert {"ZeitlerEtAl2023", "ZeitlerKrauseMueller2024"} <= keys, f"{path.name} introduces w_h uncited"
    bib = (ROOT / "book" / "references.bib").read_text()
    for key in keys:
        assert re.search(r"@\w+\{" + re.escape(key) + ",", bib), f"{path.name} cites {key}, not in references.bib"


@pytest.mark.parametrize("path", [NOTATION, CH01, CH02, CH03], ids=lambda p: p.stem)
def test_pi_is_the_label_path_and_rho_the_gibbs_distribution(path):
    """pi is the label path (the paper's symbol); the Gibbs distribution over paths is rho_gamma."""
    text = page_text(path)
    assert not re.search(r"\\pi\s*\(P", text), f"{path.name} uses pi for a distribution over paths"
    assert not re.search(r"P \\sim \\pi", text)
    if "Gibbs" in text:
        assert r"\rho_\gamma" in text, f"{path.name} names the Gibbs distribution without rho_gamma"


def test_notation_page_lists_both_symbols():
    text = NOTATION.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| $")]
    assert any(row.startswith(r"| $\pi") and "label path" in row for row in rows)
    assert any(row.startswith(r"| $\rho_\gamma") and "Gibbs" in row for row in rows)
