"""Cells that lie on at least one valid alignment path (the white cells of the paper's Fig. 4).

A cell is usable when it can be reached from a start cell by allowed steps and can reach an end
cell the same way: one sweep in the order of Algorithm 1 and one in the order of Algorithm 2,
with "reachable" in place of the accumulated cost. The building blocks are checked as
:func:`ddtw_edu.ddtw` checks them (:func:`ddtw_edu.parameters.check_problem`), so the same
defaults hold: start {(0, 0)}, end {(N - 1, M - 1)}, all weights one.
"""
import numpy as np

from .parameters import check_problem


def usable_cells(N, M, steps, weights=None, start=None, end=None):
    """Cells reachable from a start cell that can also reach an end cell.

    Parameters
    ----------
    N, M : int
        Grid size (predictions, labels).
    steps : array_like, shape (S, 2)
    weights : None or array_like, shape (S,), (M, S) or (N, M, S)
        Step weights of the step *into* a cell; ``inf`` blocks that step.
    start, end : array_like of (n, m), 0-based; default {(0, 0)} and {(N - 1, M - 1)}.

    Returns
    -------
    usable : ndarray of bool, shape (N, M)
    """
    _, steps, W, start, end, _ = check_problem(np.zeros((N, M)), steps, weights, start, end)
    allowed = np.isfinite(W)
    forward = np.zeros((N, M), dtype=bool)
    backward = np.zeros((N, M), dtype=bool)
    forward[start[:, 0], start[:, 1]] = True
    backward[end[:, 0], end[:, 1]] = True
    cells = [(n, m) for m in range(M) for n in range(N)]
    for n, m in cells:                                  # increasing order, as Algorithm 1
        for s, (i, j) in enumerate(steps):
            if n >= i and m >= j and allowed[n, m, s] and forward[n - i, m - j]:
                forward[n, m] = True
    for n, m in reversed(cells):                        # decreasing order, as Algorithm 2
        for s, (i, j) in enumerate(steps):
            if n + i < N and m + j < M and allowed[n + i, m + j, s] and backward[n + i, m + j]:
                backward[n, m] = True
    return forward & backward
