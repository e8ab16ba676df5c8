"""dDTW for one cost matrix, as NumPy: the entry point the book uses.

Book: chapter 2, "Soft-DTW as a soft minimum over paths"; chapter 4, "Algorithm 1:
the forward recursion".
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .backends import get_backend
from .backends.problem import BatchProblem
from .configs import Config
from .parameters import check_problem


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

    Book: chapter 2, "Soft-DTW as a soft minimum over paths"; chapter 4, "Algorithm 1:
    the forward recursion".

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
        CPU backend, "cuda" the GPU backend; G and B come only from "numpy"
        (the others are None). All three follow the contract of
        :mod:`ddtw_edu.backends`: this is a batch of one.

    Returns
    -------
    DDTWResult
    """
    C, steps, W, start, end, gamma = check_problem(C, steps, weights, start, end, gamma, minimum)
    run = get_backend(backend)
    N, M = C.shape
    problem = BatchProblem.from_configs([Config(steps, W, start, end)], [N], [M], N, M, gamma, minimum)
    values, state = run.forward(C[None], problem)
    H, E = run.backward(state, np.ones(1), return_E=True)
    D, G, B = run.unpack_first_item(state)
    return DDTWResult(float(values[0]), D, E[0], H[0], G, B)
