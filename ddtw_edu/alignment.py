"""dDTW for one cost matrix, as NumPy: the entry point the book uses."""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .backends import numba_cpu
from .batch import BatchProblem, get_backend
from .parameters import check_problem
from .reference import ddtw_backward, ddtw_forward


@dataclass
class DDTWResult:
    """Everything dDTW computes for one cost matrix (0-based cells).

    Attributes
    ----------
    value : float
        dDTW(C) (Eq. 17); ``inf`` if no valid alignment path exists.
    D : ndarray, shape (N, M)
        Accumulated costs (Eq. 15).
    E : ndarray, shape (N, M)
        Soft alignment d dDTW / d D (Eq. 19).
    H : ndarray, shape (N, M)
        Gradient d dDTW / d C (Eq. 18).
    G : ndarray, shape (N, M), or None
        d D / d C (Eq. 23); NumPy backend only.
    B : ndarray, shape (N, M, S + 1), or None
        Backtracking tensor (Eq. 16); NumPy backend only (the fast backends
        recompute it instead of storing it).
    """
    value: float
    D: np.ndarray
    E: np.ndarray
    H: np.ndarray
    G: Optional[np.ndarray] = None
    B: Optional[np.ndarray] = None


def ddtw(C, steps, weights=None, start=None, end=None, gamma=1.0, minimum="softmin", backend="numpy"):
    """Differentiable DTW of one cost matrix (Algorithms 1 and 2).

    Parameters
    ----------
    C : array_like, shape (N, M)
        Local cost matrix, ``C[n, m] = c(x_n, y_m)`` (Eq. 4); finite.
    steps : array_like, shape (S, 2)
        Step sizes ``(i, j)`` with ``i, j >= 0`` and ``i + j >= 1``.
    weights : None or array_like, shape (S,), (M, S) or (N, M, S)
        Step weights (default all ones); ``inf`` blocks a step.
    start, end : None or array_like of (n, m)
        Boundary sets; default ``{(0, 0)}`` and ``{(N - 1, M - 1)}``.
    gamma : float
        Temperature of softmin/sparsemin (> 0); ignored by hardmin.
    minimum : {"softmin", "hardmin", "sparsemin"}
    backend : {"numpy", "numba", "cuda"}
        "numpy" runs the reference (:mod:`ddtw_edu.reference`), "numba" the
        CPU backend, "cuda" the GPU backend (G and B are then None).

    Returns
    -------
    DDTWResult
    """
    C, steps, W, start, end, gamma = check_problem(C, steps, weights, start, end, gamma, minimum)
    if backend == "numpy":
        value, D, B, end_grad = ddtw_forward(C, steps, W, start, end, gamma, minimum)
        E, G, H = ddtw_backward(B, steps, W, start, end, end_grad)
        return DDTWResult(value, D, E, H, G, B)
    get_backend(backend)                         # rejects unknown or unavailable backends
    if backend == "cuda":
        from .backends import cuda_gpu as fast
    else:
        fast = numba_cpu
    N, M = C.shape
    problem = BatchProblem(steps, W[None], start[None], end[None], [N], [M], gamma, minimum)
    values, state = fast.forward(C[None], problem)
    D = fast.unpack_accumulated_costs(state)
    H, E = fast.backward(state, np.ones(1), return_E=True)
    return DDTWResult(float(values[0]), D, E[0], H[0])
