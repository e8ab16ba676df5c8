"""Fast CPU backend: batched dDTW forward and backward passes in Numba.

Book: chapter 6, "Which cells can be computed at the same time?" and "The CPU backend:
Numba".

Schedule. The cells are visited in wavefronts of mutually independent cells
(Sec. V-B only needs every predecessor to come first). If every step advances
n (no step (0, j), as in CTC and SDTW-D), a whole row is a wavefront: N
sequential steps, like torch's own CTC. Otherwise the wavefronts are the
anti-diagonals k = n + m: a step (i, j) leads from anti-diagonal k - i - j to
k, so N + M - 1 sequential steps work for any step set.

Layout. The batch is packed into groups of ``LANES`` items with the batch
index innermost, and each group's cells are stored wavefront by wavefront:
the cells of one wavefront, and their predecessors along any step, are then
contiguous runs of memory. Every inner loop is a long, branch-free loop over
(cell, lane) pairs that LLVM turns into SIMD code, using the exp/log of
:mod:`.vector_math`. Groups run in parallel threads.

Numerics. The recursions run in float64 whatever the input dtype. Blocked
steps (weight ``inf``) are masked with selects, never multiplied. Cells
outside an item's lengths get the cost ``inf`` when packed, which masks them
in the same way.

Memory. Between forward and backward only the packed costs and ``D`` are kept
(12 bytes per cell for float32 input, 16 for float64). The backward pass
recomputes the backtracking weights ``B`` from ``D`` instead of storing the
``(N, M, S + 1)`` tensor of Alg. 1, keeps ``E`` for only the last few
wavefronts, and writes ``H`` over the packed costs.
"""
import os
import weakref
from collections import namedtuple

import numba
import numpy as np
from numba import njit, prange

from .gathered import GatheredCosts
from .kernel_codes import DIAGONALS, HARDMIN, MINIMUM_CODES, ROWS, SOFTMIN, SPARSEMIN
from .vector_math import fast_exp, fast_log

LANES = 8
RUNS_ON = "cpu"


def is_available():
    """Always True: the kernels compile for any CPU Numba supports."""
    return True


class Wavefronts:
    """Where every cell of an N x M grid lives in the packed layout.

    Book: chapter 6, "Which cells can be computed at the same time?".

    Wavefront k holds the cells with index u in ``[u_lo[k], u_lo[k] + size[k])``:
    u = n on anti-diagonals (k = n + m), u = m on rows (k = n). Its cells are
    stored from ``offset[k]`` on. A step (i, j) moves from wavefront
    ``k - dk[s]`` and index ``u - du[s]``.
    """

    def __init__(self, N, M, steps):
        self.N, self.M = N, M
        self.schedule = ROWS if (steps[:, 0] >= 1).all() else DIAGONALS
        if self.schedule == ROWS:
            self.u_lo = np.zeros(N, dtype=np.int64)
            size = np.full(N, M)
            self.dk, self.du = steps[:, 0].copy(), steps[:, 1].copy()
        else:
            k = np.arange(N + M - 1)
            self.u_lo = np.maximum(0, k - M + 1).astype(np.int64)
            size = np.minimum(k, N - 1) - self.u_lo + 1
            self.dk, self.du = steps.sum(axis=1), steps[:, 0].copy()
        self.offset = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
        self.size_max = int(size.max())

    def position(self, n, m):
        """Packed cell index of (n, m) (arrays allowed)."""
        k, u = (n, m) if self.schedule == ROWS else (n + m, n)
        return self.offset[k] + u - self.u_lo[k]

    def weight_origin(self, mode):
        """Per wavefront, the packed-weight index of u = 0 (see :func:`_pack_weights`)."""
        k = np.arange(len(self.u_lo))
        if mode == "cell":
            return self.offset[:-1] - self.u_lo
        if mode == "u":                     # weights indexed by n (diagonals) or m (rows)
            return np.zeros_like(k)
        return self.M - 1 - k               # diagonals, weights by M - 1 - m

    @property
    def geometry(self):
        """The arrays the kernels read, as a :data:`Geometry`."""
        return Geometry(self.dk, self.du, self.u_lo, self.offset)


Geometry = namedtuple("Geometry", ["dk", "du", "u_lo", "offset"])
Geometry.__doc__ = "The int64 arrays of :class:`Wavefronts` that the kernels read (wavefront steps, starts, offsets)."

PackedProblem = namedtuple("PackedProblem", ["costs", "weights", "weight_origin", "start_pos", "start_by_wave",
                                             "start_first", "end_pos", "end_by_wave", "end_first", "gamma",
                                             "minimum"])
PackedProblem.__doc__ = """A BatchProblem and its costs in the lane layout, as the kernels read them.

costs : ndarray, shape (G, N * M * LANES), float32 or float64
    Packed costs (see :class:`Wavefronts`); ``inf`` outside an item's lengths.
    The backward pass of gathered costs overwrites them with H.
weights : float64 ndarray, shape (G, S, P * LANES)
    Packed step weights; wavefront k reads them from ``weight_origin[k] + u``.
weight_origin : int64 ndarray, one entry per wavefront
start_pos, end_pos : int64 ndarray, shape (G, LANES, K)
    Packed positions (cell * LANES + lane) of the boundary cells, -1 for
    padding.
start_by_wave, end_by_wave : int64 ndarray, shape (G, LANES * K)
    Each group's boundary cells as flat indices ``lane * K + e`` into
    ``start_pos[g]`` / ``end_pos[g]``, sorted by wavefront; those of
    wavefront k are entries ``start_first[g, k]`` to ``start_first[g, k + 1]``
    (likewise ``end_first``, int64 (G, wavefronts + 1)). A wavefront reads
    only its own cells, so subsequence sets (a cell per frame) cost no more
    than the cells they hold.
gamma : float
minimum : int, a code of :mod:`.kernel_codes`
"""


@njit(cache=True, inline="always")
def _step_range(k, s, geo):
    """Packed positions [first, stop) of wavefront k that step s can enter, and the shift to their sources.

    Position ``first + t`` (cell x LANES + lane, relative to wavefront k) comes
    from position ``first + t + shift`` of wavefront ``k - dk[s]`` (relative to
    that wavefront); first == stop if the step reaches no cell of wavefront k.
    """
    dk, du, u_lo, offset = geo.dk, geo.du, geo.u_lo, geo.offset
    kp = k - dk[s]
    if kp < 0:
        return 0, 0, 0
    lo, lo_p = u_lo[k], u_lo[kp]
    u0 = max(lo, lo_p + du[s])
    u1 = min(lo + offset[k + 1] - offset[k], lo_p + offset[kp + 1] - offset[kp] + du[s])
    if u1 <= u0:
        return 0, 0, 0
    return (u0 - lo) * LANES, (u1 - lo) * LANES, (lo - du[s] - lo_p) * LANES


@njit(cache=True, inline="always")
def _wavefront_candidates(candidates, open_weights, packed, g, Dg, geo, k, need_weights):
    """Incoming costs of every cell of wavefront k of group g: Eq. (13) in rows s < S, Eq. (14) in row S.

    ``candidates`` and ``open_weights`` are (S + 1, T) scratch arrays, T =
    cells x LANES. If ``need_weights``, ``open_weights[s]`` receives the step
    weight, or 0 where the step is blocked or leaves the grid (the derivative
    of Eq. 25; the forward pass does not need it). Returns T and the number of
    candidate rows in use: S + 1, or S on wavefronts without start cells (row
    S would be all inf).
    """
    Cg, Wg = packed.costs[g], packed.weights[g]
    start_pos = packed.start_pos[g]
    K_start = start_pos.shape[1]
    start_lo, start_hi = packed.start_first[g, k], packed.start_first[g, k + 1]
    S = geo.dk.shape[0]
    lo = geo.u_lo[k]
    base = geo.offset[k] * LANES
    T = (geo.offset[k + 1] - geo.offset[k]) * LANES
    for s in range(S):
        Fs = candidates[s]
        Ws = open_weights[s]
        first, stop, shift = _step_range(k, s, geo)
        src = geo.offset[k - geo.dk[s]] * LANES + shift
        wsrc = (packed.weight_origin[k] + lo) * LANES
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
    has_start = start_hi > start_lo
    if has_start:                               # else row S is left out: no start cell here
        Fs = candidates[S]
        for t in range(T):
            Fs[t] = np.inf
        for q in range(start_lo, start_hi):
            flat = packed.start_by_wave[g, q]
            pos = start_pos[flat // K_start, flat % K_start]
            Fs[pos - base] = Cg[pos]
    return T, S + 1 if has_start else S


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
def _minimum_value(F, K, T, gamma, minimum, out, tau, count, total):
    """mu (Eq. 7 for softmin) over the K rows of F, for each of T columns, into out.

    The contract of :mod:`ddtw_edu.minimum`; ``tau``, ``count`` and ``total``
    are (T,) scratch vectors.
    """
    for t in range(T):
        out[t] = F[0, t]
    for s in range(1, K):
        for t in range(T):
            out[t] = min(out[t], F[s, t])
    if minimum == SOFTMIN:                      # stabilized by the minimum
        inv_gamma = 1.0 / gamma
        for t in range(T):
            total[t] = 0.0
        for s in range(K):
            for t in range(T):
                total[t] += fast_exp((out[t] - F[s, t]) * inv_gamma)
        for t in range(T):
            value = out[t] - gamma * fast_log(total[t])
            out[t] = value if out[t] < np.inf else np.inf
    elif minimum == SPARSEMIN:
        _sparsemax_threshold(F, K, T, gamma, tau, count, total)
        for t in range(T):
            total[t] = 0.0
        for s in range(K):
            for t in range(T):
                p = -F[s, t] / gamma - tau[t]
                term = p * F[s, t] + 0.5 * gamma * p * p
                total[t] += term if (p > 0.0) & (F[s, t] < np.inf) else 0.0
        for t in range(T):
            out[t] = total[t] if out[t] < np.inf else np.inf


@njit(cache=True, inline="always")
def _minimum_gradient(F, K, T, gamma, minimum, value, grad, tau, count, total):
    """grad mu (Eq. 12 for softmin) over the K rows of F, given mu's value (T,).

    The contract of :mod:`ddtw_edu.minimum`; ``tau``, ``count`` and ``total``
    are (T,) scratch vectors.
    """
    if minimum == SOFTMIN:                      # softmax weights from the stored value
        inv_gamma = 1.0 / gamma
        for s in range(K):
            for t in range(T):
                weight = fast_exp((value[t] - F[s, t]) * inv_gamma)
                grad[s, t] = weight if value[t] < np.inf else 0.0
    elif minimum == HARDMIN:                    # one-hot at the first minimal candidate
        searching = count                       # 1 until column t has found its minimum
        for t in range(T):
            searching[t] = 1.0 if value[t] < np.inf else 0.0
        for s in range(K):
            for t in range(T):
                hit = (searching[t] > 0.0) & (F[s, t] == value[t])
                grad[s, t] = 1.0 if hit else 0.0
                searching[t] = 0.0 if hit else searching[t]
    else:
        _sparsemax_threshold(F, K, T, gamma, tau, count, total)
        for s in range(K):
            for t in range(T):
                p = max(-F[s, t] / gamma - tau[t], 0.0)
                grad[s, t] = p if (F[s, t] < np.inf) & (value[t] < np.inf) else 0.0


@njit(cache=True, parallel=True, fastmath={"contract"})
def forward_kernel(packed, geo, D, values, end_grad):
    """Algorithm 1 for every packed group: D, the values and grad mu(b) of Eq. (17).

    Parameters
    ----------
    packed : PackedProblem
        Costs, weights and boundary cells in the lane layout (see there).
    geo : Geometry
        The wavefronts (see :class:`Wavefronts`).
    D : float64 ndarray, shape (G, N * M * LANES)
    values : float64 ndarray, shape (G, LANES)
    end_grad : float64 ndarray, shape (G, LANES, K_end)
    """
    n_groups = packed.costs.shape[0]
    S1 = geo.dk.shape[0] + 1
    T_max = (geo.offset[1:] - geo.offset[:-1]).max() * LANES
    KE = packed.end_pos.shape[2]
    gamma, minimum = packed.gamma, packed.minimum
    for g in prange(n_groups):
        candidates = np.empty((S1, T_max))          # F of Eq. (13)-(14), one column per cell
        open_weights = np.empty((S1, T_max))
        tau = np.empty(max(T_max, LANES))
        count = np.empty(max(T_max, LANES))
        total = np.empty(max(T_max, LANES))
        Dg = D[g]
        for k in range(len(geo.u_lo)):
            T, K = _wavefront_candidates(candidates, open_weights, packed, g, Dg, geo, k, False)
            base = geo.offset[k] * LANES
            _minimum_value(candidates, K, T, gamma, minimum, Dg[base:base + T], tau, count, total)   # Eq. (15)
        b = np.empty((KE, LANES))                   # end costs, one row per end cell (a cell per frame: subsequence)
        for e in range(KE):                                                                     # Alg. 1, line 17
            for l in range(LANES):
                pos = packed.end_pos[g, l, e]
                b[e, l] = Dg[pos] if pos >= 0 else np.inf
        out = np.empty(LANES)
        grad = np.empty((KE, LANES))
        _minimum_value(b, KE, LANES, gamma, minimum, out, tau, count, total)                     # Eq. (17)
        _minimum_gradient(b, KE, LANES, gamma, minimum, out, grad, tau, count, total)
        for l in range(LANES):
            values[g, l] = out[l]
            for e in range(KE):
                end_grad[g, l, e] = grad[e, l]


@njit(cache=True, parallel=True, fastmath={"contract"})
def backward_kernel(packed, geo, D, end_grad, E_waves, recycle, schedule, scale, H, H_over_costs):
    """Algorithm 2 for every packed group: H = E * G (Eq. 18), scaled per item.

    E is pushed from each cell to its predecessors (the transpose of Eq. 19),
    so each backtracking weight B (Eq. 16) is recomputed once, from D.

    Parameters
    ----------
    packed, geo, D, end_grad
        As in :func:`forward_kernel`, after it.
    E_waves : float64 ndarray, shape (G, R, T_max), zeros on entry
        Wavefront k of E lives in slot ``k % R``. With ``recycle`` false and R
        the number of wavefronts it returns the whole soft alignment E.
    schedule : int
        ROWS or DIAGONALS, to locate cell (n, m) of each packed position.
    scale : float64 ndarray, shape (B,)
        Upstream gradient of each item's value.
    H : ndarray, shape (B, N, M)
        Receives the gradient, unless ``H_over_costs``.
    H_over_costs : bool
        Write the unscaled H over ``packed.costs`` instead (each cell's cost is
        read before it is overwritten), for :func:`_scatter_gathered`; H is
        then not touched.
    """
    n_groups = packed.costs.shape[0]
    S = geo.dk.shape[0]
    R = E_waves.shape[1]
    T_max = E_waves.shape[2]
    KE = packed.end_pos.shape[2]
    gamma, minimum = packed.gamma, packed.minimum
    for g in prange(n_groups):
        candidates = np.empty((S + 1, T_max))
        open_weights = np.empty((S + 1, T_max))
        B = np.empty((S + 1, T_max))                  # backtracking weights of Eq. (16), one column per cell
        G = np.empty(T_max)                           # G = d D / d C of Eq. (23), one per cell
        tau = np.empty(T_max)
        count = np.empty(T_max)
        total = np.empty(T_max)
        Cg = packed.costs[g]
        Dg = D[g]
        for k in range(len(geo.u_lo) - 1, -1, -1):
            Ek = E_waves[g, k % R]
            base = geo.offset[k] * LANES
            for q in range(packed.end_first[g, k], packed.end_first[g, k + 1]):          # Eq. (22)
                l, e = packed.end_by_wave[g, q] // KE, packed.end_by_wave[g, q] % KE
                Ek[packed.end_pos[g, l, e] - base] += end_grad[g, l, e]
            T, K = _wavefront_candidates(candidates, open_weights, packed, g, Dg, geo, k, True)
            Dk = Dg[base:base + T]
            _minimum_gradient(candidates, K, T, gamma, minimum, Dk, B, tau, count, total)       # Eq. (16)
            for t in range(T):                                                                 # Eq. (23)-(25)
                G[t] = B[S, t] if K > S else 0.0
            for s in range(S):
                for t in range(T):
                    G[t] += open_weights[s, t] * B[s, t]
            for s in range(S):                                                                 # Eq. (19)-(21)
                first, stop, shift = _step_range(k, s, geo)
                Ep = E_waves[g, (k - geo.dk[s]) % R]
                for t in range(first, stop):
                    Ep[shift + t] += Ek[t] * B[s, t]
            if H_over_costs:
                for t in range(T):
                    Cg[base + t] = Ek[t] * G[t]                                          # H = E * G
            else:
                lo = geo.u_lo[k]
                for l in range(min(LANES, H.shape[0] - g * LANES)):
                    item = g * LANES + l
                    for cell in range(T // LANES):
                        u = lo + cell
                        n, m = (k, u) if schedule == ROWS else (u, k - u)
                        t = cell * LANES + l
                        H[item, n, m] = scale[item] * Ek[t] * G[t]
            if recycle:
                Ek[:] = 0.0


@njit(cache=True, inline="always")
def _cell_position(n, m, schedule, u_lo, offset):
    """Packed cell index of (n, m) (as :meth:`Wavefronts.position`)."""
    if schedule == ROWS:
        return offset[n] + m
    return offset[n + m] + n - u_lo[n + m]


@njit(cache=True, parallel=True)
def _pack_costs(C, N_lengths, M_lengths, schedule, u_lo, offset, Cs):
    """C (B, N, M) into the packed lane layout Cs (G, N * M * LANES).

    Cells outside an item's lengths, and padding lanes, get the cost inf.
    """
    B, N, M = C.shape
    for g in prange(Cs.shape[0]):
        full = (g + 1) * LANES <= B
        for n in range(N):
            for m in range(M):
                pos = _cell_position(n, m, schedule, u_lo, offset) * LANES
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
                    Cs[g, _cell_position(n, m, schedule, u_lo, offset) * LANES + l] = np.inf


@njit(cache=True, parallel=True)
def _pack_gathered(log_probs, Ye, N_lengths, M_lengths, schedule, u_lo, offset, Cs):
    """Cs = -log_probs[n, b, Ye[b, m]] (Eq. 9) in the packed lane layout; inf outside lengths."""
    N, B = log_probs.shape[0], log_probs.shape[1]
    M = Ye.shape[1]
    for g in prange(Cs.shape[0]):
        lanes = min(LANES, B - g * LANES)
        for n in range(N):
            for m in range(M):
                pos = _cell_position(n, m, schedule, u_lo, offset) * LANES
                for l in range(lanes):
                    Cs[g, pos + l] = -log_probs[n, g * LANES + l, Ye[g * LANES + l, m]]
                for l in range(lanes, LANES):
                    Cs[g, pos + l] = np.inf
        for l in range(lanes):
            item = g * LANES + l
            for n in range(N):
                for m in range(0 if n >= N_lengths[item] else M_lengths[item], M):
                    Cs[g, _cell_position(n, m, schedule, u_lo, offset) * LANES + l] = np.inf


@njit(cache=True, parallel=True)
def _scatter_gathered(Hs, Ye, schedule, u_lo, offset, scale, grad):
    """grad[n, b, Ye[b, m]] -= scale[b] * H[b, n, m]: the gradient with respect to log_probs."""
    N, B = grad.shape[0], grad.shape[1]
    M = Ye.shape[1]
    for g in prange(-(-B // LANES)):
        for l in range(min(LANES, B - g * LANES)):
            item = g * LANES + l
            for n in range(N):
                for m in range(M):
                    pos = _cell_position(n, m, schedule, u_lo, offset) * LANES + l
                    grad[n, item, Ye[item, m]] -= scale[item] * Hs[g, pos]


@njit(cache=True, parallel=True)
def _unpack(Xs, schedule, u_lo, slot_start, scale, X):
    """X[b, n, m] = scale[b] * (value of cell (n, m), lane of b) from the packed layout.

    Wavefront k of Xs (G, ...) starts at ``slot_start[k] * LANES``.
    """
    B, N, M = X.shape
    for g in prange(-(-B // LANES)):
        lanes = min(LANES, B - g * LANES)
        for n in range(N):
            for m in range(M):
                pos = _cell_position(n, m, schedule, u_lo, slot_start) * LANES
                for l in range(lanes):
                    X[g * LANES + l, n, m] = scale[g * LANES + l] * Xs[g, pos + l]


_spare_buffers = {}          # (nbytes) -> work arrays of finished calls, free for reuse


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


def _pack_weights(W, waves):
    """Weights (B, NW, MW, S) as (G, S, P * LANES) and, per wavefront, where u = 0 reads.

    Within a wavefront the weights of consecutive cells must be consecutive:
    rows read per-column weights by m; diagonals read per-row weights by n and
    per-column weights stored by M - 1 - m; anything else is packed per cell.
    """
    N, M = waves.N, waves.M
    B, NW, MW, S = W.shape
    Wl = np.moveaxis(_pack_lanes(W, 1.0), 1, -1)            # (G, NW, MW, S, LANES)
    G = len(Wl)
    if waves.schedule == ROWS and NW == 1:
        P, mode = np.broadcast_to(Wl[:, 0], (G, M, S, LANES)), "u"
    elif waves.schedule == DIAGONALS and MW == 1:
        P, mode = np.broadcast_to(Wl[:, :, 0], (G, N, S, LANES)), "u"
    elif waves.schedule == DIAGONALS and NW == 1:
        P, mode = Wl[:, 0, ::-1], "reversed"
    else:
        n, m = np.divmod(np.arange(N * M), M)
        cells = np.broadcast_to(Wl, (G, N, M, S, LANES)).reshape(G, N * M, S, LANES)
        P = np.empty_like(cells)
        P[:, waves.position(n, m)] = cells
        mode = "cell"
    packed = np.ascontiguousarray(np.moveaxis(P, 2, 1)).reshape(G, S, -1)
    return packed, waves.weight_origin(mode)


def _pack_cells(cells, waves):
    """Boundary cells (B, K, 2) in the lane layout, and per group sorted by wavefront.

    Returns
    -------
    pos : int64 ndarray, shape (G, LANES, K)
        Packed positions, -1 padded.
    by_wave : int64 ndarray, shape (G, LANES * K)
        Flat indices ``lane * K + e`` of each group's cells in wavefront order.
    first : int64 ndarray, shape (G, wavefronts + 1)
        Wavefront k's cells are ``by_wave[g, first[g, k]:first[g, k + 1]]``.
    """
    cells = _pack_lanes(cells, -1)
    n, m = cells[..., 0], cells[..., 1]
    valid = n >= 0
    n, m = np.where(valid, n, 0), np.where(valid, m, 0)
    n_waves = len(waves.u_lo)
    wave = np.where(valid, n if waves.schedule == ROWS else n + m, n_waves).reshape(len(cells), -1)
    by_wave = np.argsort(wave, axis=1, kind="stable")       # padding (wave n_waves) sorts last
    sorted_wave = np.take_along_axis(wave, by_wave, axis=1)
    first = np.stack([np.searchsorted(w, np.arange(n_waves + 1)) for w in sorted_wave])
    pos = waves.position(n, m) * LANES + np.arange(LANES)[None, :, None]
    return np.where(valid, pos, -1), by_wave.astype(np.int64), first.astype(np.int64)


class PackedState:
    """What the backward pass needs from the forward pass; returns its work arrays to the pool when freed."""

    def __init__(self, packed, D, end_grad, waves, batch, gathered):
        self.packed, self.D, self.end_grad, self.waves, self.batch = packed, D, end_grad, waves, batch
        self.gathered = gathered
        self.consumed = False
        weakref.finalize(self, _recycle, packed.costs, D)


def _choose_threading_layer():
    """Prefer Numba's workqueue threads, once, before the first parallel kernel starts them.

    torch keeps its OpenMP threads spinning after each operation; Numba's own
    OpenMP layer then competes with them for the cores (small problems ran 5x
    slower). The workqueue layer has no such conflict. A user's choice
    (``NUMBA_THREADING_LAYER`` or ``numba.config.THREADING_LAYER``) is kept, and
    importing this module changes nothing.
    """
    if "NUMBA_THREADING_LAYER" not in os.environ and numba.config.THREADING_LAYER == "default":
        numba.config.THREADING_LAYER = "workqueue"


def forward(C, problem):
    """Batched dDTW values; returns ``(values, state)`` for :func:`backward`.

    Parameters
    ----------
    C : ndarray, shape (B, N, M), float32 or float64, or GatheredCosts
    problem : BatchProblem

    The contract of every backend: :mod:`ddtw_edu.backends`.
    """
    _choose_threading_layer()
    Bn, N, M = C.shape
    G = -(-Bn // LANES)
    waves = Wavefronts(N, M, problem.steps)
    geometry = (waves.schedule, waves.u_lo, waves.offset)
    Cs = _allocate((G, N * M * LANES), C.dtype)
    gathered = C if isinstance(C, GatheredCosts) else None
    if gathered is None:
        _pack_costs(C, problem.N_lengths, problem.M_lengths, *geometry, Cs)
    else:
        _pack_gathered(C.log_probs, C.Ye, problem.N_lengths, problem.M_lengths, *geometry, Cs)
    Ws, weight_origin = _pack_weights(problem.W, waves)
    start_pos, start_by_wave, start_first = _pack_cells(problem.start, waves)
    end_pos, end_by_wave, end_first = _pack_cells(problem.end, waves)
    packed = PackedProblem(Cs, Ws, weight_origin, start_pos, start_by_wave, start_first, end_pos, end_by_wave,
                           end_first, problem.gamma, MINIMUM_CODES[problem.minimum])
    D = _allocate((G, N * M * LANES), np.float64)
    values = np.empty((G, LANES))
    end_grad = np.empty((G, LANES, end_pos.shape[2]))
    forward_kernel(packed, waves.geometry, D, values, end_grad)
    return values.reshape(-1)[:Bn], PackedState(packed, D, end_grad, waves, Bn, gathered)


def backward(state, grad_values, return_E=False):
    """Gradient of ``sum_b grad_values[b] * value_b`` with respect to C, shape (B, N, M), in C's dtype.

    With ``return_E`` also the soft alignments E (B, N, M) (unscaled, float64). For
    gathered CTC costs the gradient is with respect to ``log_probs`` (T, B, K);
    that path overwrites the packed costs and marks ``state.consumed``. The
    dense path leaves ``state`` intact, so it can run again (``retain_graph``).
    """
    if state.consumed:
        raise RuntimeError("this dDTW state was used up by an earlier backward pass")
    waves, Bn, Cs = state.waves, state.batch, state.packed.costs
    n_waves = len(waves.u_lo)
    R = n_waves if return_E else min(n_waves, int(waves.dk.max()) + 1)
    E_waves = np.zeros((len(Cs), R, waves.size_max * LANES))
    scale = np.asarray(grad_values, dtype=np.float64)
    over_costs = state.gathered is not None           # H of each cell goes over its packed cost, then is scattered
    H = np.empty((0, 0, 0) if over_costs else (Bn, waves.N, waves.M), Cs.dtype)
    backward_kernel(state.packed, waves.geometry, state.D, state.end_grad, E_waves, not return_E, waves.schedule,
                    scale, H, over_costs)
    if over_costs:
        H = np.zeros(state.gathered.log_probs.shape, dtype=Cs.dtype)
        _scatter_gathered(Cs, state.gathered.Ye, waves.schedule, waves.u_lo, waves.offset, scale, H)
        state.consumed = True
    if not return_E:
        return H
    E = np.empty((Bn, waves.N, waves.M))
    slot_start = np.arange(n_waves + 1) * waves.size_max      # wavefront k lives in slot k
    _unpack(E_waves.reshape(len(Cs), -1), waves.schedule, waves.u_lo, slot_start, np.ones(Bn), E)
    return H, E


def unpack_first_item(state):
    """D of the first item, shape (N, M), and None for G and B, which this backend does not keep."""
    waves = state.waves
    out = np.empty((1, waves.N, waves.M))
    _unpack(state.D, waves.schedule, waves.u_lo, waves.offset, np.ones(1), out)
    return out[0], None, None
