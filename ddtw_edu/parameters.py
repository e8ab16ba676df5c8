"""Checking and normalizing the dDTW building blocks (paper Sec. V-A).

Every public entry point passes its arguments through these functions, so a
wrong shape, a NaN or an impossible step is reported with a ``ValueError`` that
names the argument, instead of surfacing as a silent NaN deep in a recursion.
Cells are 0-based ``(n, m)`` pairs: the paper's cell (1, 1) is ``(0, 0)`` here.
"""
import numpy as np

from .minimum import MINIMUM_FUNCTIONS


def check_cost_matrix(C, name="C", ndim=2):
    """Return ``C`` as a float array after checking its shape and values.

    Parameters
    ----------
    C : array_like, shape (N, M) (``ndim=2``) or (B, N, M) (``ndim=3``)
        Local cost matrix (Eq. 4); every entry must be finite.
    """
    C = np.asarray(C)
    if C.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be a real-valued array, got dtype {C.dtype}")
    if C.dtype.kind != "f":
        C = C.astype(np.float64)
    if C.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {C.shape}")
    if min(C.shape[-2:]) < 1:
        raise ValueError(f"{name} must have N >= 1 and M >= 1, got shape {C.shape}")
    if not np.isfinite(C).all():
        raise ValueError(f"{name} must be finite (no NaN or inf); block steps with inf weights instead")
    return C


def check_steps(steps):
    """Return the step sizes as an int array of shape (S, 2).

    Each step ``(i, j)`` needs ``i, j >= 0`` and ``i + j >= 1`` (Sec. III-B), and
    no step may appear twice (a path would be counted twice).
    """
    steps = np.asarray(steps)
    if steps.ndim != 2 or steps.shape[1] != 2 or steps.shape[0] < 1:
        raise ValueError(f"steps must be a non-empty list of (i, j) pairs, got shape {steps.shape}")
    if steps.dtype.kind not in "iu" and not np.array_equal(steps, np.round(steps)):
        raise ValueError("steps must contain integers")
    steps = steps.astype(np.int64)
    if (steps < 0).any() or (steps.sum(axis=1) < 1).any():
        raise ValueError(f"steps must satisfy i >= 0, j >= 0 and i + j >= 1, got {steps.tolist()}")
    if len({tuple(s) for s in steps.tolist()}) != len(steps):
        raise ValueError(f"steps must not repeat a step, got {steps.tolist()}")
    return steps


def check_weights(weights, N, M, S):
    """Return step weights broadcast to shape (N, M, S) (Sec. V-A 3).

    Parameters
    ----------
    weights : None, array_like of shape (S,), (M, S) or (N, M, S)
        ``None`` means all ones (plain SDTW). A weight of ``inf`` blocks that
        step into that cell; it is handled as a mask, never multiplied.
    """
    if weights is None:
        return np.ones((N, M, S))
    W = np.asarray(weights, dtype=np.float64)
    if W.shape not in ((S,), (M, S), (N, M, S)):
        raise ValueError(f"weights must have shape (S,), (M, S) or (N, M, S) = ({N}, {M}, {S}), got {W.shape}")
    if np.isnan(W).any() or (W < 0).any():
        raise ValueError("weights must be >= 0 (or inf to block a step), got NaN or a negative weight")
    return np.broadcast_to(W, (N, M, S))


def check_cells(cells, N, M, name):
    """Return a boundary set as an int array of shape (K, 2) of distinct cells.

    Parameters
    ----------
    cells : array_like of (n, m) pairs
        0-based cells inside the N x M grid; at least one.
    """
    cells = np.asarray(cells)
    if cells.ndim == 1 and cells.shape == (2,):
        cells = cells[None]
    if cells.ndim != 2 or cells.shape[1] != 2 or cells.shape[0] < 1:
        raise ValueError(f"{name} must be a non-empty set of (n, m) cells, got shape {cells.shape}")
    cells = cells.astype(np.int64)
    inside = (cells[:, 0] >= 0) & (cells[:, 0] < N) & (cells[:, 1] >= 0) & (cells[:, 1] < M)
    if not inside.all():
        raise ValueError(f"{name} has cells outside the {N} x {M} grid: {cells[~inside].tolist()}")
    return np.unique(cells, axis=0)


def check_gamma(gamma, minimum):
    """Check the temperature and the minimum function's name."""
    if minimum not in MINIMUM_FUNCTIONS:
        raise ValueError(f"minimum must be one of {MINIMUM_FUNCTIONS}, got {minimum!r}")
    gamma = float(gamma)
    if minimum != "hardmin" and not (np.isfinite(gamma) and gamma > 0):
        raise ValueError(f"gamma must be a finite number > 0 for {minimum}, got {gamma}")
    return gamma


def check_problem(C, steps, weights=None, start=None, end=None, gamma=1.0, minimum="softmin"):
    """Check one alignment problem; ``start``/``end`` default to SDTW's corners."""
    C = check_cost_matrix(C)
    N, M = C.shape
    steps = check_steps(steps)
    W = check_weights(weights, N, M, len(steps))
    start = check_cells([(0, 0)] if start is None else start, N, M, "start")
    end = check_cells([(N - 1, M - 1)] if end is None else end, N, M, "end")
    gamma = check_gamma(gamma, minimum)
    return C, steps, W, start, end, gamma
