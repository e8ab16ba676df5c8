"""NumPy reference of dDTW: Algorithm 1 (forward) and Algorithm 2 (backward).

Written to be read beside the paper, line by line, for one cost matrix at a
time in float64. It is slow on purpose (plain Python loops) and serves as the
oracle that every fast backend is tested against.

Index conventions: the paper is 1-based, this code is 0-based, so the paper's
cell (n, m) is ``C[n - 1, m - 1]``. A cell is "in I" when ``0 <= n < N`` and
``0 <= m < M`` (Eq. 5). Candidate index ``s = S`` (0-based) is the start
candidate that the paper numbers S + 1.

Book: chapter 4, "Algorithm 1: the forward recursion" and "Algorithm 2: the
backward recursion".
"""
import numpy as np

from .minimum import get_minimum_function


def _in_grid(n, m, N, M):
    """Is (n, m) in the cell set I of Eq. (5)?"""
    return 0 <= n < N and 0 <= m < M


def ddtw_forward(C, steps, W, start, end, gamma=1.0, minimum="softmin"):
    """dDTW forward pass, Algorithm 1 (Eq. 13-17).

    Comments give the lines of Algorithm 1 and the equations of the paper.

    Parameters
    ----------
    C : ndarray, shape (N, M)
        Local cost matrix.
    steps : ndarray, shape (S, 2)
        Step sizes ``(i_s, j_s)``.
    W : ndarray, shape (N, M, S)
        Cell-wise step weights; ``inf`` blocks a step (Sec. V-A 3).
    start, end : ndarray, shape (K, 2)
        Boundary sets B_start and B_end as 0-based cells.
    gamma : float
        Temperature of the minimum function.
    minimum : str
        "softmin" (Eq. 7), "hardmin" or "sparsemin".

    Returns
    -------
    value : float
        dDTW(C), Eq. 17; ``inf`` if no valid path exists.
    D : ndarray, shape (N, M)
        Accumulated costs, Eq. 15.
    B : ndarray, shape (N, M, S + 1)
        Backtracking tensor, Eq. 16.
    end_grad : ndarray, shape (K,)
        Gradient of mu over the end costs b, the third term of Eq. 19.
    """
    mu = get_minimum_function(minimum)
    N, M = C.shape
    S = len(steps)
    start_cells = {tuple(cell) for cell in start.tolist()}
    D = np.full((N, M), np.inf)
    B = np.zeros((N, M, S + 1))
    for m in range(M):                               # Alg. 1, line 7
        for n in range(N):                           # line 8
            f = np.full(S + 1, np.inf)
            for s, (i, j) in enumerate(steps):       # lines 9-11, Eq. 13
                blocked = np.isinf(W[n, m, s])       # mask, never inf * C
                if _in_grid(n - i, m - j, N, M) and not blocked:
                    f[s] = D[n - i, m - j] + W[n, m, s] * C[n, m]
            if (n, m) in start_cells:                # line 12, Eq. 14
                f[S] = C[n, m]
            D[n, m], B[n, m] = mu(f, gamma)          # lines 13-14, Eq. 15-16
    b = np.array([D[n, m] for n, m in end])          # line 17
    value, end_grad = mu(b, gamma)                   # line 18, Eq. 17
    return value, D, B, end_grad


def ddtw_backward(B, steps, W, start, end, end_grad):
    """dDTW backward pass, Algorithm 2 (Eq. 18-25).

    Comments give the lines of Algorithm 2 and the equations of the paper.

    Parameters
    ----------
    B : ndarray, shape (N, M, S + 1)
        Backtracking tensor from :func:`ddtw_forward`.
    steps, W, start, end
        As in :func:`ddtw_forward`.
    end_grad : ndarray, shape (K,)
        Gradient of mu over the end costs, one entry per cell of ``end``.

    Returns
    -------
    E : ndarray, shape (N, M)
        Soft alignment, ``E(n, m) = d dDTW / d D(n, m)`` (Eq. 19).
    G : ndarray, shape (N, M)
        ``G(n, m) = d D(n, m) / d C(n, m)`` (Eq. 23).
    H : ndarray, shape (N, M)
        Gradient ``d dDTW / d C = E * G`` (Eq. 18).
    """
    N, M, S1 = B.shape
    S = S1 - 1
    start_cells = {tuple(cell) for cell in start.tolist()}
    end_term = np.zeros((N, M))                      # Eq. 22
    for (n, m), g in zip(end.tolist(), end_grad):
        end_term[n, m] = g
    E = np.zeros((N, M))
    G = np.zeros((N, M))
    for m in reversed(range(M)):                     # Alg. 2, line 7
        for n in reversed(range(N)):                 # line 8
            for s, (i, j) in enumerate(steps):       # lines 9-12, Eq. 20-21
                if _in_grid(n + i, m + j, N, M):
                    E[n, m] += E[n + i, m + j] * B[n + i, m + j, s]
            E[n, m] += end_term[n, m]                # line 14, Eq. 19
            for s in range(S):                       # lines 15-17, Eq. 25
                if not np.isinf(W[n, m, s]):         # blocked: B = 0
                    G[n, m] += B[n, m, s] * W[n, m, s]  # line 18, Eq. 23-24
            if (n, m) in start_cells:
                G[n, m] += B[n, m, S]
    H = E * G                                        # line 19, Eq. 18
    return E, G, H
