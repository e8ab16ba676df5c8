"""The reference's loops compiled with Numba: Algorithms 1 and 2 for one cost matrix, softmin only.

What a first Numba version of dDTW looks like: :mod:`ddtw_edu.reference`
line by line under ``@njit``, with no batching, packing or SIMD (compare
:mod:`.numba_cpu`, which adds all three). It is a second oracle for the
tests, which hold it to the reference to rounding. Arguments as in
:func:`ddtw_edu.reference.ddtw_forward`: C (N, M), steps (S, 2) int,
W (N, M, S), start and end (K, 2) int, all 0-based; softmin only (Eq. 7).

Book: chapter 6, "The CPU backend: Numba".
"""
import numpy as np
from numba import njit


@njit(cache=True)
def softmin(f, gamma, grad):
    """mu(f) (Eq. 7), and its gradient (Eq. 12) into ``grad``; inf and zeros if every f is inf."""
    low = f.min()
    grad[:] = 0.0
    if low == np.inf:
        return np.inf
    total = 0.0
    for s in range(len(f)):
        grad[s] = np.exp(-(f[s] - low) / gamma)      # exp(-inf) = 0 for a blocked candidate
        total += grad[s]
    grad /= total
    return low - gamma * np.log(total)


# Chapter 6 prints this source: lines of at most 77 characters fit the column of the page.
@njit(cache=True)
def ddtw_forward(C, steps, W, start, end, gamma):
    """Algorithm 1 for one cost matrix, softmin only.

    Returns the value (Eq. 17), D (Eq. 15), B (Eq. 16) and the gradient
    of mu over the end cells.
    """
    N, M = C.shape
    S = len(steps)
    D = np.full((N, M), np.inf)
    B = np.zeros((N, M, S + 1))
    f = np.empty(S + 1)
    for m in range(M):                              # Alg. 1, line 7
        for n in range(N):                          # line 8
            for s in range(S):                      # lines 9-11, Eq. 13
                i, j = steps[s, 0], steps[s, 1]
                if n >= i and m >= j and W[n, m, s] < np.inf:
                    f[s] = D[n - i, m - j] + W[n, m, s] * C[n, m]
                else:
                    f[s] = np.inf
            f[S] = np.inf
            for k in range(len(start)):             # line 12, Eq. 14
                if start[k, 0] == n and start[k, 1] == m:
                    f[S] = C[n, m]
            D[n, m] = softmin(f, gamma, B[n, m])    # lines 13-14
    b = np.empty(len(end))
    for k in range(len(end)):                       # line 17
        b[k] = D[end[k, 0], end[k, 1]]
    end_grad = np.empty(len(end))
    value = softmin(b, gamma, end_grad)             # line 18, Eq. 17
    return value, D, B, end_grad


@njit(cache=True)
def ddtw_backward(B, steps, W, start, end, end_grad):
    """Algorithm 2: E (Eq. 19), G (Eq. 23) and H = E * G (Eq. 18)."""
    N, M, S1 = B.shape
    S = S1 - 1
    end_term = np.zeros((N, M))                                 # Eq. 22
    for k in range(len(end)):
        end_term[end[k, 0], end[k, 1]] = end_grad[k]
    E = np.zeros((N, M))
    G = np.zeros((N, M))
    for m in range(M - 1, -1, -1):                              # Alg. 2, line 7
        for n in range(N - 1, -1, -1):                          # line 8
            for s in range(S):                                  # lines 9-12, Eq. 20-21
                i, j = steps[s, 0], steps[s, 1]
                if n + i < N and m + j < M:
                    E[n, m] += E[n + i, m + j] * B[n + i, m + j, s]
            E[n, m] += end_term[n, m]                           # line 14, Eq. 19
            for s in range(S):                                  # lines 15-18, Eq. 23-25
                if W[n, m, s] < np.inf:
                    G[n, m] += B[n, m, s] * W[n, m, s]
            for k in range(len(start)):
                if start[k, 0] == n and start[k, 1] == m:
                    G[n, m] += B[n, m, S]
    return E, G, E * G                                          # line 19, Eq. 18
