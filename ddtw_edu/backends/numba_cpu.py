"""Fast CPU backend: batched dDTW forward and backward passes in Numba.

Schedule. Every step ``(i, j)`` leads from anti-diagonal ``k - i - j`` to
anti-diagonal ``k = n + m``, so all cells of one anti-diagonal are independent
for any step set (Sec. V-B). The kernels sweep the anti-diagonals in order
(forward) and in reverse (backward).

Layout. The batch is packed into groups of ``LANES`` items with the batch
index innermost, and each group's cells are stored diagonal by diagonal
("skewed"): the cells of one anti-diagonal, and their predecessors along any
step, are then contiguous runs of memory. Every inner loop is a long, branch-
free loop over (cell, lane) pairs that LLVM turns into SIMD code, using the
exp/log of :mod:`.vector_math`. Groups run in parallel threads.

Numerics. The recursions run in float64 whatever the input dtype. Blocked
steps (weight ``inf``) are masked with selects, never multiplied. Cells
outside an item's lengths get the cost ``inf`` when packed, which masks them
in the same way.

Memory. Between forward and backward only the packed costs and ``D`` are kept
(12 bytes per cell for float32 input, 16 for float64). The backward pass
recomputes the backtracking weights ``B`` from ``D`` instead of storing the
``(N, M, S + 1)`` tensor of Alg. 1, keeps ``E`` for only the last
``max(i + j) + 1`` diagonals, and writes ``H`` over the packed costs.
"""
import os

import numba
import numpy as np
from numba import njit, prange

from .vector_math import fast_exp, fast_log

# torch keeps its OpenMP threads spinning after each operation; Numba's own
# OpenMP layer then competes with them for the cores (small problems ran 5x
# slower). The workqueue layer has no such conflict. Respect a user's choice.
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

LANES = 8
SOFTMIN, HARDMIN, SPARSEMIN = 0, 1, 2
MINIMUM_CODES = {"softmin": SOFTMIN, "hardmin": HARDMIN, "sparsemin": SPARSEMIN}
BY_ROW, BY_COLUMN, BY_CELL = 0, 1, 2     # how the packed weights are indexed


def diagonal_layout(N, M):
    """First row ``n_lo[k]`` and storage offset ``offset[k]`` of each anti-diagonal k = n + m."""
    k = np.arange(N + M - 1)
    n_lo = np.maximum(0, k - M + 1)
    n_hi = np.minimum(k, N - 1)
    offset = np.concatenate([[0], np.cumsum(n_hi - n_lo + 1)])
    return n_lo.astype(np.int64), offset.astype(np.int64)


@njit(cache=True, inline="always")
def _diagonal_candidates(F, W_open, Cg, Dg, Wg, w_mode, steps, n_lo, offset, N, M, k, start_pos, start_diag,
                         need_weights):
    """Incoming costs of every cell on diagonal k: Eq. (13) in rows s < S, Eq. (14) in row S.

    ``F`` and ``W_open`` are (S + 1, T) scratch arrays, T = cells x LANES.
    If ``need_weights``, ``W_open[s]`` receives the step weight, or 0 where the
    step is blocked or leaves the grid (the derivative of Eq. 25; the forward
    pass does not need it). Returns T.
    """
    S = steps.shape[0]
    lo = n_lo[k]
    base = offset[k] * LANES
    T = (offset[k + 1] - offset[k]) * LANES
    for s in range(S):
        i = steps[s, 0]
        kp = k - i - steps[s, 1]
        Fs = F[s]
        Ws = W_open[s]
        first, stop = T, T                      # part of the diagonal the step can reach
        if kp >= 0:
            lo_p = n_lo[kp]
            n0 = max(lo, lo_p + i)
            n1 = min(lo + T // LANES, lo_p + offset[kp + 1] - offset[kp] + i)
            if n1 > n0:
                first, stop = (n0 - lo) * LANES, (n1 - lo) * LANES
                src = (offset[kp] + n0 - i - lo_p) * LANES - first
                if w_mode == BY_ROW:
                    wsrc = lo * LANES
                elif w_mode == BY_COLUMN:               # stored by M - 1 - m
                    wsrc = (lo + M - 1 - k) * LANES
                else:
                    wsrc = base
                Wv = Wg[s]
                for t in range(first, stop):
                    w = Wv[wsrc + t]
                    c = Cg[base + t]
                    value = Dg[src + t] + w * c
                    blocked = (w == np.inf) | (c == np.inf)
                    Fs[t] = np.inf if blocked else value
                    if need_weights:
                        Ws[t] = 0.0 if blocked else w
        for t in range(0, first):
            Fs[t] = np.inf
            Ws[t] = 0.0
        for t in range(stop, T):
            Fs[t] = np.inf
            Ws[t] = 0.0
    Fs = F[S]
    for t in range(T):
        Fs[t] = np.inf
    for l in range(LANES):
        for e in range(start_pos.shape[1]):
            if start_diag[l, e] == k:
                Fs[start_pos[l, e] - base] = Cg[start_pos[l, e]]
    return T


@njit(cache=True, inline="always")
def _sparsemax_threshold(F, K, T, gamma, tau, count, total):
    """Per column t of F (K, T): threshold tau of the simplex projection of -F / gamma.

    tau = max over finite candidates s of (sum of z_r >= z_s, minus 1) / #(z_r >= z_s),
    a sort-free form of the projection (infinite candidates never enter).
    """
    for t in range(T):
        tau[t] = -np.inf
    for s in range(K):
        for t in range(T):
            count[t] = 0.0
            total[t] = 0.0
        for r in range(K):
            for t in range(T):
                take = (F[r, t] <= F[s, t]) & (F[r, t] < np.inf)
                count[t] += 1.0 if take else 0.0
                total[t] += -F[r, t] / gamma if take else 0.0
        for t in range(T):
            cand = (total[t] - 1.0) / count[t] if F[s, t] < np.inf else -np.inf
            tau[t] = max(tau[t], cand)


@njit(cache=True, inline="always")
def _minimum_value(F, K, T, gamma, minimum, out, a, b, c):
    """mu (Eq. 7 for softmin) over the K rows of F, for each of T columns, into out."""
    for t in range(T):
        out[t] = F[0, t]
    for s in range(1, K):
        for t in range(T):
            out[t] = min(out[t], F[s, t])
    if minimum == SOFTMIN:                      # stabilized by the minimum
        inv_gamma = 1.0 / gamma
        for t in range(T):
            a[t] = 0.0
        for s in range(K):
            for t in range(T):
                a[t] += fast_exp((out[t] - F[s, t]) * inv_gamma)
        for t in range(T):
            value = out[t] - gamma * fast_log(a[t])
            out[t] = value if out[t] < np.inf else np.inf
    elif minimum == SPARSEMIN:
        _sparsemax_threshold(F, K, T, gamma, a, b, c)
        for t in range(T):
            b[t] = 0.0
        for s in range(K):
            for t in range(T):
                p = -F[s, t] / gamma - a[t]
                term = p * F[s, t] + 0.5 * gamma * p * p
                b[t] += term if (p > 0.0) & (F[s, t] < np.inf) else 0.0
        for t in range(T):
            out[t] = b[t] if out[t] < np.inf else np.inf


@njit(cache=True, inline="always")
def _minimum_gradient(F, K, T, gamma, minimum, value, grad, a, b, c):
    """grad mu (Eq. 12 for softmin) over the K rows of F, given mu's value (T,)."""
    if minimum == SOFTMIN:                      # softmax weights from the stored value
        inv_gamma = 1.0 / gamma
        for s in range(K):
            for t in range(T):
                weight = fast_exp((value[t] - F[s, t]) * inv_gamma)
                grad[s, t] = weight if value[t] < np.inf else 0.0
    elif minimum == HARDMIN:                    # one-hot at the first minimal candidate
        for t in range(T):
            a[t] = 1.0 if value[t] < np.inf else 0.0
        for s in range(K):
            for t in range(T):
                hit = (a[t] > 0.0) & (F[s, t] == value[t])
                grad[s, t] = 1.0 if hit else 0.0
                a[t] = 0.0 if hit else a[t]
    else:
        _sparsemax_threshold(F, K, T, gamma, a, b, c)
        for s in range(K):
            for t in range(T):
                p = max(-F[s, t] / gamma - a[t], 0.0)
                grad[s, t] = p if (F[s, t] < np.inf) & (value[t] < np.inf) else 0.0


@njit(cache=True, parallel=True, fastmath={"contract"})
def forward_kernel(Cs, Ws, w_mode, steps, n_lo, offset, N, M, start_pos, start_diag, end_pos,
                   gamma, minimum, D, values, end_grad):
    """Algorithm 1 for every packed group: D, the values and grad mu(b) of Eq. (17).

    Parameters
    ----------
    Cs : ndarray, shape (G, N * M * LANES), float32 or float64
        Costs in skewed layout; ``inf`` outside an item's lengths.
    Ws : float64 ndarray, shape (G, S, P * LANES)
        Step weights indexed as ``w_mode`` says (P = N, M or N * M).
    steps : int64 ndarray, shape (S, 2)
    n_lo, offset : int64 ndarray
        From :func:`diagonal_layout`.
    start_pos, end_pos : int64 ndarray, shape (G, LANES, K)
        Flat skewed positions of the boundary cells, -1 for padding;
        ``start_diag`` holds each start cell's diagonal.
    D : float64 ndarray, shape (G, N * M * LANES)
    values : float64 ndarray, shape (G, LANES)
    end_grad : float64 ndarray, shape (G, LANES, K_end)
    """
    G = Cs.shape[0]
    S1 = steps.shape[0] + 1
    T_max = (offset[1:] - offset[:-1]).max() * LANES
    KE = end_pos.shape[2]
    for g in prange(G):
        F = np.empty((max(S1, KE), T_max))
        W_open = np.empty((S1, T_max))
        a = np.empty(T_max)
        b = np.empty(T_max)
        c = np.empty(T_max)
        Dg = D[g]
        for k in range(N + M - 1):
            T = _diagonal_candidates(F, W_open, Cs[g], Dg, Ws[g], w_mode, steps, n_lo, offset, N, M, k,
                                     start_pos[g], start_diag[g], False)
            base = offset[k] * LANES
            _minimum_value(F, S1, T, gamma, minimum, Dg[base:base + T], a, b, c)      # Eq. (15)
        for e in range(KE):                                                          # Alg. 1, line 17
            for l in range(LANES):
                pos = end_pos[g, l, e]
                F[e, l] = Dg[pos] if pos >= 0 else np.inf
        out = np.empty(LANES)
        grad = np.empty((KE, LANES))
        _minimum_value(F, KE, LANES, gamma, minimum, out, a, b, c)                   # Eq. (17)
        _minimum_gradient(F, KE, LANES, gamma, minimum, out, grad, a, b, c)
        for l in range(LANES):
            values[g, l] = out[l]
            for e in range(KE):
                end_grad[g, l, e] = grad[e, l]


@njit(cache=True, parallel=True, fastmath={"contract"})
def backward_kernel(Cs, Ws, w_mode, steps, n_lo, offset, N, M, start_pos, start_diag, end_pos,
                    gamma, minimum, D, end_grad, E_diag, recycle):
    """Algorithm 2 for every packed group: writes H = E * G (Eq. 18) over ``Cs``.

    E is pushed from each cell to its predecessors (the transpose of Eq. 19),
    so each backtracking weight B (Eq. 16) is recomputed once, from D.

    Parameters
    ----------
    E_diag : float64 ndarray, shape (G, R, T_max), zeros on entry
        Diagonal k of E lives in slot ``k % R``. With ``recycle`` false and
        R = N + M - 1 it returns the whole soft alignment E in skewed layout.
    """
    G = Cs.shape[0]
    S = steps.shape[0]
    R = E_diag.shape[1]
    T_max = E_diag.shape[2]
    KE = end_pos.shape[2]
    for g in prange(G):
        F = np.empty((S + 1, T_max))
        W_open = np.empty((S + 1, T_max))
        B = np.empty((S + 1, T_max))
        a = np.empty(T_max)
        b = np.empty(T_max)
        c = np.empty(T_max)
        Cg = Cs[g]
        Dg = D[g]
        for k in range(N + M - 2, -1, -1):
            Ek = E_diag[g, k % R]
            base = offset[k] * LANES
            for l in range(LANES):                                       # Eq. (22)
                for e in range(KE):
                    pos = end_pos[g, l, e]
                    if pos >= base and pos < offset[k + 1] * LANES:
                        Ek[pos - base] += end_grad[g, l, e]
            T = _diagonal_candidates(F, W_open, Cg, Dg, Ws[g], w_mode, steps, n_lo, offset, N, M, k,
                                     start_pos[g], start_diag[g], True)
            _minimum_gradient(F, S + 1, T, gamma, minimum, Dg[base:base + T], B, a, b, c)   # Eq. (16)
            for t in range(T):                                           # Eq. (23)-(25)
                a[t] = B[S, t]
            for s in range(S):
                for t in range(T):
                    a[t] += W_open[s, t] * B[s, t]
            for t in range(T):
                Cg[base + t] = Ek[t] * a[t]                              # H = E * G
            for s in range(S):                                           # Eq. (19)-(21)
                i = steps[s, 0]
                kp = k - i - steps[s, 1]
                if kp < 0:
                    continue
                lo, lo_p = n_lo[k], n_lo[kp]
                n0 = max(lo, lo_p + i)
                n1 = min(lo + T // LANES, lo_p + offset[kp + 1] - offset[kp] + i)
                Ep = E_diag[g, kp % R]
                shift = (n0 - i - lo_p) * LANES - (n0 - lo) * LANES
                for t in range((n0 - lo) * LANES, (n1 - lo) * LANES):
                    Ep[shift + t] += Ek[t] * B[s, t]
            if recycle:
                Ek[:] = 0.0


@njit(cache=True, parallel=True)
def _pack_costs(C, N_lengths, M_lengths, n_lo, offset, Cs):
    """C (B, N, M) into the skewed lane layout Cs (G, N * M * LANES).

    Cells outside an item's lengths, and padding lanes, get the cost inf.
    """
    B, N, M = C.shape
    for g in prange(Cs.shape[0]):
        full = (g + 1) * LANES <= B
        for n in range(N):
            for m in range(M):
                pos = (offset[n + m] + n - n_lo[n + m]) * LANES
                if full:                        # the common case: a plain gather
                    for l in range(LANES):
                        Cs[g, pos + l] = C[g * LANES + l, n, m]
                else:
                    for l in range(LANES):
                        item = g * LANES + l
                        Cs[g, pos + l] = C[item, n, m] if item < B else np.inf
        for l in range(min(LANES, B - g * LANES)):
            item = g * LANES + l
            for n in range(N):
                for m in range(0 if n >= N_lengths[item] else M_lengths[item], M):
                    Cs[g, (offset[n + m] + n - n_lo[n + m]) * LANES + l] = np.inf


@njit(cache=True, parallel=True)
def _unpack(Xs, n_lo, offset, slot_start, scale, X):
    """X[b, n, m] = scale[b] * (value of cell (n, m), lane of b), from skewed storage.

    Diagonal k of Xs (G, ...) starts at ``slot_start[k] * LANES``.
    """
    B, N, M = X.shape
    for g in prange(-(-B // LANES)):
        lanes = min(LANES, B - g * LANES)
        for n in range(N):
            for m in range(M):
                pos = (slot_start[n + m] + n - n_lo[n + m]) * LANES
                for l in range(lanes):
                    X[g * LANES + l, n, m] = scale[g * LANES + l] * Xs[g, pos + l]


@njit(cache=True, parallel=True)
def _pack_gathered(log_probs, Ye, N_lengths, M_lengths, n_lo, offset, Cs):
    """Cs = -log_probs[n, b, Ye[b, m]] (Eq. 9) in the skewed lane layout; inf outside lengths."""
    N, B = log_probs.shape[0], log_probs.shape[1]
    M = Ye.shape[1]
    for g in prange(Cs.shape[0]):
        for n in range(N):
            for m in range(M):
                pos = (offset[n + m] + n - n_lo[n + m]) * LANES
                for l in range(LANES):
                    item = g * LANES + l
                    inside = item < B and n < N_lengths[item] and m < M_lengths[item]
                    Cs[g, pos + l] = -log_probs[n, item, Ye[item, m]] if inside else np.inf


@njit(cache=True, parallel=True)
def _scatter_gathered(Hs, Ye, n_lo, offset, scale, grad):
    """grad[n, b, Ye[b, m]] -= scale[b] * H[b, n, m]: the gradient with respect to log_probs."""
    N, B = grad.shape[0], grad.shape[1]
    M = Ye.shape[1]
    for g in prange(-(-B // LANES)):
        for l in range(min(LANES, B - g * LANES)):
            item = g * LANES + l
            for n in range(N):
                for m in range(M):
                    pos = (offset[n + m] + n - n_lo[n + m]) * LANES
                    grad[n, item, Ye[item, m]] -= scale[item] * Hs[g, pos + l]


_spare_buffers = {}          # (nbytes) -> arrays returned by finished backward passes


def _allocate(shape, dtype):
    """An uninitialized array, reusing the buffer of an earlier call of the same size.

    Fresh memory costs a page fault per 4 KiB page on first touch, which for the
    (B, N, M) work arrays took about as long as the recursion. Training calls the
    loss again and again with the same sizes, so the packed costs and D of one
    step serve the next; :func:`release_workspace` frees them.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    spares = _spare_buffers.get(nbytes)
    buffer = spares.pop() if spares else np.empty(nbytes, np.uint8)
    return buffer.view(dtype).reshape(shape)


def _recycle(*arrays):
    """Keep finished work arrays (at most two per size) for :func:`_allocate`."""
    for array in arrays:
        spares = _spare_buffers.setdefault(array.nbytes, [])
        if len(spares) < 2:
            spares.append(array.reshape(-1).view(np.uint8))


def release_workspace():
    """Free the work arrays kept for reuse between calls."""
    _spare_buffers.clear()


def _pack_lanes(x, fill):
    """A per-item array (B, ...) as (G, LANES, ...), padded with ``fill``."""
    G = -(-len(x) // LANES)
    out = np.full((G * LANES,) + x.shape[1:], fill, dtype=x.dtype)
    out[: len(x)] = x
    return out.reshape((G, LANES) + x.shape[1:])


def _pack_weights(W, N, M, n_lo, offset):
    """Weights (B, NW, MW, S) as (G, S, P * LANES) and their indexing mode."""
    B, NW, MW, S = W.shape
    Wl = np.moveaxis(_pack_lanes(W, 1.0), 1, -1)            # (G, NW, MW, S, LANES)
    if MW == 1:
        Wl = np.broadcast_to(Wl[:, :, 0], (len(Wl), N, S, LANES))
        return np.ascontiguousarray(np.moveaxis(Wl, 2, 1)).reshape(len(Wl), S, -1), BY_ROW
    if NW == 1:
        Wl = Wl[:, 0, ::-1]                                   # by M - 1 - m
        return np.ascontiguousarray(np.moveaxis(Wl, 2, 1)).reshape(len(Wl), S, -1), BY_COLUMN
    n, m = np.divmod(np.arange(N * M), M)
    k = n + m
    order = np.argsort(offset[k] + n - n_lo[k])               # cells in skewed order
    Wl = Wl.reshape(len(Wl), N * M, S, LANES)[:, order]
    return np.ascontiguousarray(np.moveaxis(Wl, 2, 1)).reshape(len(Wl), S, -1), BY_CELL


def _pack_cells(cells, n_lo, offset):
    """Boundary cells (B, K, 2) as flat skewed positions and diagonals (G, LANES, K), -1 padded."""
    cells = _pack_lanes(cells, -1)
    n, m = cells[..., 0], cells[..., 1]
    k = np.where(n >= 0, n + m, 0)
    l = np.arange(LANES)[None, :, None]
    pos = np.where(n >= 0, (offset[k] + n - n_lo[k]) * LANES + l, -1)
    return np.ascontiguousarray(pos), np.ascontiguousarray(np.where(n >= 0, k, -1))


def forward(C, problem):
    """Batched dDTW values; returns ``(values, state)`` for :func:`backward`.

    Parameters
    ----------
    C : ndarray, shape (B, N, M), float32 or float64, or ddtw_edu.batch.GatheredCosts
    problem : ddtw_edu.batch.BatchProblem
    """
    Bn, N, M = C.shape
    G = -(-Bn // LANES)
    n_lo, offset = diagonal_layout(N, M)
    Cs = _allocate((G, N * M * LANES), C.dtype)
    if isinstance(C, np.ndarray):
        _pack_costs(C, problem.N_lengths, problem.M_lengths, n_lo, offset, Cs)
    else:
        _pack_gathered(C.log_probs, C.Ye, problem.N_lengths, problem.M_lengths, n_lo, offset, Cs)
    Ws, w_mode = _pack_weights(problem.W, N, M, n_lo, offset)
    start_pos, start_diag = _pack_cells(problem.start, n_lo, offset)
    end_pos, _ = _pack_cells(problem.end, n_lo, offset)
    args = (Cs, Ws, w_mode, problem.steps, n_lo, offset, N, M, start_pos, start_diag, end_pos,
            problem.gamma, MINIMUM_CODES[problem.minimum])
    D = _allocate((G, N * M * LANES), np.float64)
    values = np.empty((G, LANES))
    end_grad = np.empty((G, LANES, end_pos.shape[2]))
    forward_kernel(*args, D, values, end_grad)
    gathered_labels = None if isinstance(C, np.ndarray) else C
    return values.reshape(-1)[:Bn], (args, D, end_grad, C.shape, gathered_labels)


def backward(state, grad_values, return_E=False):
    """Gradient of ``sum_b grad_values[b] * value_b`` with respect to C, shape (B, N, M).

    With ``return_E`` also the soft alignments E (B, N, M) (unscaled). For
    gathered CTC costs the gradient is with respect to ``log_probs`` (T, B, K).
    Consumes ``state``: the packed costs are overwritten by the gradient.
    """
    args, D, end_grad, (Bn, N, M), gathered = state
    Cs, steps, n_lo, offset = args[0], args[3], args[4], args[5]
    G = len(Cs)
    n_diag = N + M - 1
    R = n_diag if return_E else min(n_diag, int(steps.sum(axis=1).max()) + 1)
    T_max = int((offset[1:] - offset[:-1]).max()) * LANES
    E_diag = np.zeros((G, R, T_max))
    backward_kernel(*args, D, end_grad, E_diag, not return_E)
    scale = np.asarray(grad_values, dtype=np.float64)
    if gathered is not None:
        H = np.zeros(gathered.log_probs.shape, dtype=Cs.dtype)
        _scatter_gathered(Cs, gathered.Ye, n_lo, offset, scale, H)
    else:
        H = np.empty((Bn, N, M), Cs.dtype)
        _unpack(Cs, n_lo, offset, offset[:-1], scale, H)
    _recycle(Cs, D)
    if not return_E:
        return H
    E = np.empty((Bn, N, M))
    slot_start = np.arange(n_diag) * (T_max // LANES)        # diagonal k lives in slot k
    _unpack(E_diag.reshape(G, -1), n_lo, offset, slot_start, np.ones(Bn), E)
    return H, E


def unpack_accumulated_costs(D, N, M):
    """The accumulated costs of the first item, shape (N, M), from the skewed layout."""
    n_lo, offset = diagonal_layout(N, M)
    out = np.empty((1, N, M))
    _unpack(D, n_lo, offset, offset[:-1], np.ones(1), out)
    return out[0]
