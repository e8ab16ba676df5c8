"""Brute-force global formulation of dDTW (Eq. 6 and 10), for tiny problems.

Enumerates every valid alignment path explicitly and applies the minimum
function to the set of total path costs. The dynamic program of Algorithm 1
must give the same value, and the path-weighted sums below must give the same
gradient H and soft alignment E. Only feasible for N, M of a handful of cells.

Book: chapter 1, "All valid label paths, by brute force"; chapter 2, "Alignment paths";
chapter 4, "E is the expected alignment".
"""
import numpy as np

from .minimum import hardmin, softmin
from .parameters import check_problem


def enumerate_paths(N, M, steps, W, start, end):
    """All valid alignment paths, as lists of ``(n, m, s)`` with ``s`` the step used.

    Book: chapter 1, "All valid label paths, by brute force"; chapter 2, "Alignment paths".

    A path starts at a cell of ``start`` (``s = -1`` marks the start cell),
    moves by allowed, unblocked steps (``W[n, m, s] < inf``) and ends at a cell
    of ``end``. Returns a list of paths.
    """
    end_cells = {tuple(cell) for cell in end.tolist()}
    paths = []

    def extend(path):
        n, m, _ = path[-1]
        if (n, m) in end_cells:
            paths.append(list(path))
        for s, (i, j) in enumerate(steps):
            n2, m2 = n + i, m + j
            if n2 < N and m2 < M and np.isfinite(W[n2, m2, s]):
                path.append((n2, m2, s))
                extend(path)
                path.pop()

    for n, m in start.tolist():
        extend([(n, m, -1)])
    return paths


def path_cost(C, W, path):
    """Total cost of one path: plain cost at the start cell (Eq. 14), weighted after (Eq. 13).

    Book: chapter 2, "Alignment paths".
    """
    return sum(C[n, m] if s < 0 else W[n, m, s] * C[n, m] for n, m, s in path)


def ddtw_bruteforce(C, steps, weights=None, start=None, end=None, gamma=1.0, minimum="softmin"):
    """dDTW value, gradient H and soft alignment E by path enumeration.

    Book: chapter 4, "E is the expected alignment".

    Parameters
    ----------
    C : ndarray, shape (N, M)
    steps, weights, start, end, gamma
        As in :func:`ddtw_edu.ddtw`.
    minimum : {"softmin", "hardmin"}
        Sparsemin is not associative over paths, so its dynamic program is not
        the global sparsemin of Eq. (6); it has no brute-force counterpart.

    Returns
    -------
    value : float
    H : ndarray, shape (N, M)
        Sum over paths of the path weight times d cost(P) / d C.
    E : ndarray, shape (N, M)
        Sum over paths of the path weight times the path's cell indicator.
    n_paths : int
    """
    if minimum not in ("softmin", "hardmin"):
        raise ValueError(f"minimum must be 'softmin' or 'hardmin' for path enumeration, got {minimum!r}")
    C, steps, W, start, end, gamma = check_problem(C, steps, weights, start, end, gamma, minimum)
    paths = enumerate_paths(*C.shape, steps, W, start, end)
    H = np.zeros(C.shape)
    E = np.zeros(C.shape)
    if not paths:
        return np.inf, H, E, 0
    costs = np.array([path_cost(C, W, path) for path in paths])
    value, path_weights = (softmin if minimum == "softmin" else hardmin)(costs, gamma)
    for path, weight in zip(paths, path_weights):
        for n, m, s in path:
            H[n, m] += weight * (1.0 if s < 0 else W[n, m, s])
            E[n, m] += weight
    return value, H, E, len(paths)
