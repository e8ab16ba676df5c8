"""Checks behind the statements of chapters 5 and 6 that issue 12 found wrong.

Each test is the check that would have caught one of them: the size of the
backtracking tensor B next to D, B recomputed from D with non-unit weights and
the start candidate, the cost of a rest under the library's and the authors'
cost, and the works the chapters credit.
"""
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

import ddtw_edu
from ddtw_edu.costs import nll_cost

ROOT = Path(__file__).resolve().parents[1]
CH05 = ROOT / "notebooks" / "05_label_probabilities_and_costs.ipynb"
CH06 = ROOT / "notebooks" / "06_making_it_fast.ipynb"


def markdown(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]


def recompute_B(C, D, steps, W, start, gamma):
    """B(n, m, s) = exp((D(n, m) - f_s) / gamma), f_s of paper Eq. 13-14."""
    N, M = C.shape
    S = len(steps)
    W = np.broadcast_to(W, (N, M, S))
    f = np.full((N, M, S + 1), np.inf)
    for s, (i, j) in enumerate(steps):
        pred = np.full((N, M), np.inf)
        pred[i:, j:] = D[:N - i, :M - j]
        open_ = np.isfinite(W[..., s])
        f[open_, s] = pred[open_] + W[open_, s] * C[open_]
    for n, m in start:
        f[n, m, S] = C[n, m]
    B = np.zeros_like(f)
    seen = np.isfinite(f)
    B[seen] = np.exp((np.broadcast_to(D[..., None], f.shape)[seen] - f[seen]) / gamma)
    return B


def test_B_of_sdtw_e_is_four_times_D():
    """Issue 12, item 1: (N, M, S + 1) float64 with S = 3 is 32 bytes per cell against 8."""
    res = ddtw_edu.ddtw(np.random.default_rng(0).random((5, 4)), **ddtw_edu.sdtw_config(5, 4, "SDTW-E")._asdict())
    assert res.B.nbytes == 4 * res.D.nbytes


@pytest.mark.parametrize("config", ["SDTW-E", "SDTW-E-W", "SDTW-D-W", "CTC-A", "CTC-B", "CTC-C-W"])
def test_B_is_recomputed_from_D_C_and_W(config):
    """Issue 12, item 2: the weight multiplies the cost, and start cells have a candidate S + 1."""
    gamma = 0.6
    if config.startswith("CTC"):
        blocks, shape = ddtw_edu.ctc_config([1, 2, 2, 3], 9, config), (9, 9)
    else:
        blocks, shape = ddtw_edu.sdtw_config(7, 5, config), (7, 5)
    C = np.random.default_rng(1).random(shape)
    res = ddtw_edu.ddtw(C, **blocks._asdict(), gamma=gamma)
    B = recompute_B(C, res.D, blocks.steps, blocks.weights, blocks.start, gamma)
    np.testing.assert_allclose(B, res.B, rtol=1e-12, atol=1e-15)
    # the old shortcut (weights 1, no start candidate) misses the start cells at least
    unit = np.where(np.isinf(blocks.weights), np.inf, 1.0)
    short = recompute_B(C, res.D, blocks.steps, unit, [], gamma)
    wrong = ~np.isclose(short, res.B).all(axis=-1)
    assert all(wrong[n, m] for n, m in blocks.start)
    if config.endswith("-W"):
        assert wrong.sum() > len(blocks.start)


def test_rest_costs_library_versus_authors():
    """A rest costs -log(eps) in the library (alignments avoid it) and 0 in the authors' code (it absorbs frames)."""
    X = torch.softmax(torch.tensor(np.random.default_rng(2).normal(size=(6, 3))), dim=-1)
    Y = torch.tensor([[0.0, 1, 0], [0, 0, 0], [1, 0, 0]], dtype=X.dtype)  # D, rest, C
    library = nll_cost(X, Y).numpy()
    authors = -(torch.log(X) @ Y.T).numpy()
    np.testing.assert_allclose(library[:, 1], -np.log(1e-7))
    assert (authors[:, 1] == 0).all()
    blocks = ddtw_edu.sdtw_config(6, 3, "SDTW-E")._asdict()
    on_rest = [ddtw_edu.ddtw(C, **blocks).E[:, 1].sum() for C in (library, authors)]
    assert abs(on_rest[0] - 1) < 1e-3 and on_rest[1] > 3


def test_chapter_5_credits_multilabel_ctc_to_its_authors():
    """Issue 12, item 6: MCTC comes from Wigington et al. 2019 and Weiss & Peeters 2021 (paper refs. [14]-[16])."""
    text = "\n".join(markdown(CH05))
    for key in ("WigingtonEtAl2019", "WeissPeeters2021WASPAA", "WeissPeeters2021ISMIR"):
        assert key in text
    assert "(MCTC) {cite}`ZeitlerMueller2026`" not in text


def test_chapter_6_credits_the_paper_sdtw_column_to_maghoumi():
    """Issue 12, item 4: Table VI's SDTW column measured pytorch-softdtw-cuda (paper ref. [41])."""
    cells = [s for s in markdown(CH06) if "Sec. VII-D" in s and "SDTW" in s]
    assert cells and all("MaghoumiEtAl2021" in s for s in cells)
    assert any("median" in s and "mean" in s for s in cells)      # the runtime statistic


def test_chapter_6_summary_keeps_torch_gradient_apart():
    """Issue 12, item 5: PyTorch's CTC gradient (w.r.t. the logits) differs from ours by design."""
    summary = next(s for s in markdown(CH06) if s.startswith("## Summary"))
    assert "PyTorch" in summary and "differs by design" in summary
    assert "NumPy, Numba and PyTorch give the same losses and gradients" not in summary
