"""GPU backend: batched dDTW forward and backward passes as Numba-CUDA kernels.

Schedule (as :mod:`.numba_cpu`). If every step advances n (no step (0, j), as
in CTC and SDTW-D), a row is a wavefront of independent cells: N sequential
steps with all m in parallel. Otherwise the wavefronts are the anti-diagonals
k = n + m: N + M - 1 sequential steps for any step set.

Strips. The columns of each item are cut into strips of ``width`` columns
(the block size, ``STRIP_WIDTH`` = 256 on a GPU), and every (item, strip) is
one CUDA block, so a batch of 16 long items keeps many multiprocessors busy
and there is no limit on N or M. Thread t of a block owns column
``strip * width + t``. On rows, local wavefront k is row k of the strip; on
anti-diagonals it is the skewed diagonal where thread t takes row k - t, so a
strip of w columns needs N + w - 1 local wavefronts. ``cuda.syncthreads()``
separates the local wavefronts; the whole sweep is one launch per pass.

Between strips. A cell's predecessors lie in its own strip or, for a step
(i, j) with j > 0, up to ``halo`` = max j columns to the left, in the
previous strip. So strip s - 1 runs ahead of strip s, like a staircase: after
every ``PUBLISH_EVERY`` local wavefronts it publishes how many of its rows
are finished (``threadfence`` then an atomic store), and strip s waits for
the rows it needs (atomic reads) before it reads them. The backward pass runs
the staircase from the right. Deadlock-free: blocks take their (item, strip)
from an atomic ticket counter in launch order, so a block waits only for
blocks that started before it and never wait for later ones (the ordering of
decoupled look-back scans).

Shared memory. Each block keeps the last R wavefronts of its strip, plus the
``halo`` columns it reads from its neighbour, in a ring in shared memory: D
in the forward pass, E in the backward pass (pushed to the predecessors with
shared atomic adds). R is the reach of the steps in wavefronts plus two (one
to prefetch the neighbour's next row). The E that a strip pushes into its
left neighbour's columns goes to that neighbour through a small global array
``E_halo`` of (B, strips, N, halo) values.

Numerics. The recursions run in the dtype of the input (float32 or
float64), as torch's CUDA CTC does: consumer GPUs (Colab's T4, the paper's
RTX A5500) run float64 at 1/32 to 1/64 of the float32 rate. They use the same
stabilized log-sum-exp, sparsemax threshold and hardmin tie rule as the CPU
backend (which computes in float64, so float32 results agree to float32
precision). Blocked steps (weight ``inf``) and cells outside an item's
lengths are masked with branches, never multiplied.

Memory. The costs C are read in place (numpy arrays are copied to the device
once; torch CUDA tensors are used without a copy through
``__cuda_array_interface__``). D, in the input dtype, is the only array per
cell (4 bytes for float32); the weights keep their broadcast shape (dense
only when cell-wise weights are given). The backward pass recomputes the
backtracking weights B from D (no (N, M, S + 1) tensor). H is the output.
CTC costs are read straight from ``log_probs`` (T, B, K) through the extended
labels (C[b, n, m] = -log_probs[n, b, Ye[b, m]], Eq. 9), and the backward
pass adds -H into the gradient of ``log_probs`` with atomic adds, so no
(B, T, 2M + 1) cost or gradient array is made. Whether a cell is a start or
end cell is a binary search in the set's sorted keys (``boundary_lookup``),
not a scan: subsequence sets hold a cell per frame.

The simulator (``NUMBA_ENABLE_CUDASIM=1``, read when Numba is first imported)
runs these kernels on the CPU for tests, one block after another; this module
never sets it. There a block never has to wait for its neighbour, so a wait
that is not over at the first look is a broken schedule and raises.

Book: chapter 6, "The GPU backend: CUDA".
"""
import math

import numba
import numpy as np
from numba import cuda
from numba.core import config

from .gathered import GatheredCosts
from .kernel_codes import DIAGONALS, HARDMIN, MINIMUM_CODES, ROWS, SOFTMIN, SPARSEMIN

MAX_CANDIDATES = 16                      # S + 1 candidates per cell (Eq. 13-14)
SIMULATED = bool(config.ENABLE_CUDASIM)
STRIP_WIDTH = 4 if SIMULATED else 256    # the simulator runs one Python thread per CUDA thread
ALWAYS_LAUNCHES = 256                    # threads per block: at most 255 registers a thread, 64 K a block
PUBLISH_EVERY = 8                        # local wavefronts between two progress reports of a strip
SPIN_LIMIT = 1 if SIMULATED else 0       # reads of a neighbour's progress before a wait gives up (0: never)
SHARED_BYTES = 48 * 1024                 # dynamic shared memory available without opting in
RUNS_ON = "cuda"


def is_available():
    """True if kernels can run: a CUDA GPU, or the simulator."""
    try:
        return SIMULATED or cuda.is_available()
    except Exception:                    # no driver, no toolkit
        return False


def _constants(dtype):
    """inf, 0, 1 and 1/2 as scalars of ``dtype``: a literal such as ``0.0`` would promote float32 arithmetic."""
    return tuple(dtype.type(x) for x in (np.inf, 0, 1, 0.5))


def _minimum_functions(dtype):
    """The device functions ``minimum_value`` and ``minimum_gradient`` computing in ``dtype``.

    They keep the contract of :mod:`ddtw_edu.minimum` (inf handling, the
    stabilized softmin, hardmin's first minimal candidate) for one cell's
    candidates ``F[0:K]``; the tests run them alone against that module.
    """
    INF, ZERO, ONE, HALF = _constants(dtype)

    @cuda.jit(device=True)
    def sparsemax_threshold(F, K, gamma):
        """tau of the simplex projection of -F / gamma (as :func:`.numba_cpu._sparsemax_threshold`)."""
        tau = -INF
        for s in range(K):
            if F[s] < INF:
                count = ZERO
                total = ZERO
                for r in range(K):
                    if F[r] <= F[s] and F[r] < INF:
                        count += ONE
                        total += -F[r] / gamma
                tau = max(tau, (total - ONE) / count)
        return tau

    @cuda.jit(device=True)
    def minimum_value(F, K, gamma, minimum):
        """mu over F[0:K] (Eq. 7 for softmin); inf if every candidate is inf."""
        low = INF
        for s in range(K):
            low = min(low, F[s])
        if low == INF:
            return INF
        if minimum == SOFTMIN:                              # stabilized by the minimum
            total = ZERO
            for s in range(K):
                total += math.exp((low - F[s]) / gamma)
            return low - gamma * math.log(total)
        if minimum == SPARSEMIN:
            tau = sparsemax_threshold(F, K, gamma)
            total = ZERO
            for s in range(K):
                if F[s] < INF:
                    p = -F[s] / gamma - tau
                    if p > ZERO:
                        total += p * F[s] + HALF * gamma * p * p
            return total
        return low

    @cuda.jit(device=True)
    def minimum_gradient(F, K, gamma, minimum, value, grad):
        """grad mu over F[0:K] (Eq. 12 for softmin) into grad[0:K], given mu's value."""
        for s in range(K):
            grad[s] = ZERO
        if value == INF:
            return
        if minimum == SOFTMIN:
            for s in range(K):
                grad[s] = math.exp((value - F[s]) / gamma)
        elif minimum == HARDMIN:                            # one-hot at the first minimal candidate
            for s in range(K):
                if F[s] == value:
                    grad[s] = ONE
                    return
        else:
            tau = sparsemax_threshold(F, K, gamma)
            for s in range(K):
                if F[s] < INF:
                    grad[s] = max(-F[s] / gamma - tau, ZERO)

    return minimum_value, minimum_gradient


def boundary_lookup(cells, M):
    """A boundary set (B, K, 2) as ``(key, index)`` pairs sorted by key, for :func:`_boundary_index`.

    The key of cell (n, m) is ``n * M + m``; padding (-1) gets the largest key.
    The kernels look a cell up by binary search (log K reads) instead of
    scanning the set: subsequence sets hold a cell per frame, so a scan would
    cost every cell O(N). The set itself keeps its order (the minimum over the
    end cells, Eq. 17, sees them as given).
    """
    cells = np.asarray(cells, dtype=np.int64)
    key = np.where(cells[..., 0] >= 0, cells[..., 0] * M + cells[..., 1], np.iinfo(np.int64).max)
    order = np.argsort(key, axis=1, kind="stable")
    return np.ascontiguousarray(np.stack([np.take_along_axis(key, order, axis=1), order], axis=-1))


@cuda.jit(device=True)
def _boundary_index(lookup, b, n, m, M):
    """Index in its boundary set of cell (n, m) of item b, or -1 (binary search of ``boundary_lookup``)."""
    key = n * M + m
    low = 0
    high = lookup.shape[1]
    while low < high:
        middle = (low + high) // 2
        if lookup[b, middle, 0] < key:
            low = middle + 1
        else:
            high = middle
    if low < lookup.shape[1] and lookup[b, low, 0] == key:
        return lookup[b, low, 1]
    return -1


def _candidates_function(dtype):
    """The device function ``candidates``: the incoming costs of one cell (Eq. 13-14), in ``dtype``."""
    INF, ZERO, _, _ = _constants(dtype)

    @cuda.jit(device=True)
    def candidates(C, Ye, gathered, W, steps, start_lookup, b, n, m, D, ring, ring_row, c, R, F, W_open):
        """Incoming costs of cell (n, m): Eq. (13) in F[s], s < S, Eq. (14) in F[S].

        The predecessors' D come from the shared ring (``ring_row`` > 0: the
        cell sits in column ``c`` of rows of ``ring_row`` values, row n in
        ring row n % R) or else from the global D. ``W_open[s]`` is the step
        weight, or 0 where the step is blocked or leaves the grid (the
        derivative of Eq. 25).
        """
        S = steps.shape[0]
        if gathered:                                        # Eq. (9)
            cost = -C[n, b, Ye[b, m]]
        else:
            cost = C[b, n, m]
        nw = n if W.shape[1] > 1 else 0
        mw = m if W.shape[2] > 1 else 0
        for s in range(S):
            i = steps[s, 0]
            j = steps[s, 1]
            w = W[b, nw, mw, s]
            F[s] = INF
            W_open[s] = ZERO
            if n >= i and m >= j and w < INF and cost < INF:
                if ring_row > 0:
                    d = ring[((n - i) % R) * ring_row + c - j]
                else:
                    d = D[b, n - i, m - j]
                F[s] = d + w * cost
                W_open[s] = w
        F[S] = INF
        if _boundary_index(start_lookup, b, n, m, D.shape[2]) >= 0:
            F[S] = cost

    return candidates


def _forward_kernel(dtype, minimum_value, minimum_gradient, candidates):
    """The forward kernel (Algorithm 1 on one strip of one item) computing in ``dtype``."""
    real = numba.from_dtype(dtype)
    INF = _constants(dtype)[0]

    @cuda.jit
    def forward_kernel(C, Ye, gathered, W, steps, start_lookup, end, end_lookup, N_lengths, M_lengths, schedule,
                       gamma, minimum, halo, R, tickets, progress, spin_limit, D, F_end, values, end_grad, errors):
        """Algorithm 1 on one strip of one item: D, and for the item's last strip its value and grad mu(b) of Eq. (17).

        Parameters
        ----------
        C : device array, float32 or float64 (``real``)
            Costs (B, N, M); or, if ``gathered``, log-probabilities (T, B, K)
            read through the extended labels ``Ye`` (B, M) (a dummy otherwise).
        W : real (B, 1 or N, 1 or M, S); steps : int64 (S, 2); end : int64 (B, K, 2), -1 padded;
        start_lookup, end_lookup : int64 (B, K, 2), the sets as ``boundary_lookup`` pairs
        halo, R : the columns read from the left neighbour, the wavefronts in the shared ring
        tickets : int32 (1,), zero; progress : int32 (B, strips), zero: finished rows per strip
        D : real (B, N, M), written inside each item's lengths only
        F_end : real (B, K_end), scratch; values : float64 (B,); end_grad : real (B, K_end)
        errors : int32 (1,), counts waits that gave up (only with ``spin_limit`` > 0)
        """
        ring = cuda.shared.array(0, real)
        ticket = cuda.shared.array(1, numba.int32)
        t = cuda.threadIdx.x
        width_max = cuda.blockDim.x
        if t == 0:
            ticket[0] = cuda.atomic.add(tickets, 0, 1)
        cuda.syncthreads()
        strips = progress.shape[1]
        b = ticket[0] // strips
        strip = ticket[0] % strips
        Nb, Mb = N_lengths[b], M_lengths[b]
        m0 = strip * width_max
        if m0 >= Mb:                                       # the whole block leaves together
            return
        width = min(width_max, Mb - m0)
        ring_row = halo + width_max
        n_waves = Nb if schedule == ROWS else Nb + width - 1
        known = 0
        if strip > 0 and t == 0:                           # the neighbour's columns of row 0
            known = _wait_for(progress, b, strip - 1, 1, known, spin_limit, errors)
            for h in range(halo):
                ring[h] = D[b, 0, m0 - halo + h]
        cuda.syncthreads()
        F = cuda.local.array(MAX_CANDIDATES, real)
        W_open = cuda.local.array(MAX_CANDIDATES, real)
        S = steps.shape[0]
        for k in range(n_waves):
            n = k if schedule == ROWS else k - t
            m = m0 + t
            if t < width and 0 <= n < Nb:
                candidates(C, Ye, gathered, W, steps, start_lookup, b, n, m, D, ring, ring_row, halo + t, R, F,
                           W_open)
                value = minimum_value(F, S + 1, gamma, minimum)                # Eq. (15)
                ring[(n % R) * ring_row + halo + t] = value
                D[b, n, m] = value
            if strip > 0 and t == 0 and k + 1 < Nb:        # prefetch the neighbour's columns of row k + 1
                known = _wait_for(progress, b, strip - 1, k + 2, known, spin_limit, errors)
                for h in range(halo):
                    ring[((k + 1) % R) * ring_row + h] = D[b, k + 1, m0 - halo + h]
            cuda.syncthreads()
            if t == 0 and m0 + width < Mb and (k % PUBLISH_EVERY == PUBLISH_EVERY - 1 or k == n_waves - 1):
                done = k + 1 if schedule == ROWS else k - width + 2          # rows finished in this strip
                _publish(progress, b, strip, min(max(done, 0), Nb))
        if t == 0 and m0 + width >= Mb:                    # Alg. 1, line 17: every strip of the item is done
            KE = end.shape[1]
            for e in range(KE):
                F_end[b, e] = D[b, end[b, e, 0], end[b, e, 1]] if end[b, e, 0] >= 0 else INF
            value = minimum_value(F_end[b], KE, gamma, minimum)                # Eq. (17)
            values[b] = value
            minimum_gradient(F_end[b], KE, gamma, minimum, value, end_grad[b])

    return forward_kernel


def _backward_kernel(dtype, minimum_gradient, candidates):
    """The backward kernel (Algorithm 2 on one strip of one item) computing in ``dtype``."""
    real = numba.from_dtype(dtype)
    ZERO = _constants(dtype)[1]

    @cuda.jit
    def backward_kernel(C, Ye, gathered, W, steps, start_lookup, end, end_lookup, N_lengths, M_lengths, schedule,
                        gamma, minimum, halo, R, tickets, progress, spin_limit, D, end_grad, scale, E_halo, H,
                        E_full, keep_E, errors):
        """Algorithm 2 on one strip of one item: H = scale * E * G (Eq. 18), pushing E to the predecessors.

        H is (B, N, M); for gathered costs it is the gradient of ``log_probs``
        (T, B, K) instead, which receives -H(n, m) at (n, b, Ye[b, m]) by atomic
        adds (equal labels share a class).

        E of row n sits in ring row n % R of shared memory; a cell reads and
        clears its slot, then adds ``E * B[s]`` to the predecessor along each
        step s with a shared atomic add (two cells can share a predecessor).
        What lands in the ``halo`` columns of the left neighbour is complete
        once local wavefront n is done; it then goes to ``E_halo[b, strip, n]``,
        which the neighbour adds to its last ``halo`` columns. Strips are
        taken from the right (ticket order), so the neighbour starts later.
        With ``keep_E`` the whole E goes to ``E_full`` (B, N, M).
        """
        ring = cuda.shared.array(0, real)
        ticket = cuda.shared.array(1, numba.int32)
        t = cuda.threadIdx.x
        width_max = cuda.blockDim.x
        ring_row = halo + width_max
        if t == 0:
            ticket[0] = cuda.atomic.add(tickets, 0, 1)
        for q in range(t, R * ring_row, width_max):
            ring[q] = ZERO
        cuda.syncthreads()
        strips = progress.shape[1]
        b = ticket[0] // strips
        strip = strips - 1 - ticket[0] % strips
        Nb, Mb = N_lengths[b], M_lengths[b]
        m0 = strip * width_max
        if m0 >= Mb:
            return
        width = min(width_max, Mb - m0)
        right = m0 + width < Mb                            # a neighbour on the right feeds the last halo columns
        n_waves = Nb if schedule == ROWS else Nb + width - 1
        known = 0
        if right and t == 0:
            known = _wait_for(progress, b, strip + 1, _rows_from_top(schedule, n_waves - 1, width_max, Nb),
                             known, spin_limit, errors)
        cuda.syncthreads()
        F = cuda.local.array(MAX_CANDIDATES, real)
        W_open = cuda.local.array(MAX_CANDIDATES, real)
        grad = cuda.local.array(MAX_CANDIDATES, real)
        S = steps.shape[0]
        for k in range(n_waves - 1, -1, -1):
            n = k if schedule == ROWS else k - t
            m = m0 + t
            if t < width and 0 <= n < Nb:
                slot = (n % R) * ring_row + halo + t
                e = ring[slot]
                ring[slot] = ZERO
                if right and t >= width_max - halo:
                    e += E_halo[b, strip + 1, n, t - width_max + halo]
                q = _boundary_index(end_lookup, b, n, m, D.shape[2])           # Eq. (22)
                if q >= 0:
                    e += end_grad[b, q]
                if keep_E:
                    E_full[b, n, m] = e
                candidates(C, Ye, gathered, W, steps, start_lookup, b, n, m, D, ring, 0, 0, R, F, W_open)
                minimum_gradient(F, S + 1, gamma, minimum, D[b, n, m], grad)  # Eq. (16)
                G = grad[S]                                                   # Eq. (23)-(25)
                for s in range(S):
                    G += W_open[s] * grad[s]
                if gathered:                                                  # Eq. (18), through Eq. (9)
                    cuda.atomic.add(H, (n, b, Ye[b, m]), -scale[b] * e * G)
                else:
                    H[b, n, m] = scale[b] * e * G                             # Eq. (18)
                if e != ZERO:
                    for s in range(S):                                        # Eq. (19)-(21), pushed
                        if grad[s] != ZERO:
                            i = steps[s, 0]
                            j = steps[s, 1]
                            cuda.atomic.add(ring, ((n - i) % R) * ring_row + halo + t - j, e * grad[s])
            if right and t == 0 and k > 0:                 # the right neighbour's E for the next wavefront
                known = _wait_for(progress, b, strip + 1, _rows_from_top(schedule, k - 1, width_max, Nb),
                                 known, spin_limit, errors)
            cuda.syncthreads()
            if strip > 0 and t == 0 and k < Nb:            # row k's E for the left neighbour is complete
                for h in range(halo):
                    E_halo[b, strip, k, h] = ring[(k % R) * ring_row + h]
                    ring[(k % R) * ring_row + h] = ZERO
                if k % PUBLISH_EVERY == 0:
                    _publish(progress, b, strip, Nb - k)

    return backward_kernel


def _compile(dtype):
    """The forward and backward kernels computing in ``dtype`` (float32 or float64).

    Built from the parts above, each closing over the constants of ``dtype``,
    so float32 kernels contain no float64 arithmetic.
    """
    minimum_value, minimum_gradient = _minimum_functions(dtype)
    candidates = _candidates_function(dtype)
    return (_forward_kernel(dtype, minimum_value, minimum_gradient, candidates),
            _backward_kernel(dtype, minimum_gradient, candidates))


@cuda.jit(device=True)
def _rows_from_top(schedule, k, width_max, Nb):
    """Rows of the right neighbour whose E must be final before local wavefront k (backward): rows >= lowest read."""
    lowest = k if schedule == ROWS else k - width_max + 1
    return min(Nb, max(Nb - lowest, 0))


@cuda.jit(device=True)
def _wait_for(progress, b, strip, need, known, spin_limit, errors):
    """Wait until ``progress[b, strip] >= need``; returns the last value read.

    Atomic reads see the neighbour's latest report; the fence after them
    orders the reads of its data that follow (it pairs with the fence in
    :func:`_publish`). ``spin_limit`` > 0 bounds the reads (see ``SPIN_LIMIT``).
    """
    spins = 0
    while known < need:
        known = cuda.atomic.add(progress, (b, strip), 0)
        spins += 1
        if known < need and spin_limit > 0 and spins >= spin_limit:
            cuda.atomic.add(errors, 0, 1)
            return need
    if spins > 0:
        cuda.threadfence()
    return known


@cuda.jit(device=True)
def _publish(progress, b, strip, done):
    """Report ``done`` finished rows of a strip, after the block's writes (ordered by the preceding barrier)."""
    cuda.threadfence()
    cuda.atomic.max(progress, (b, strip), done)


_KERNELS = {}


def _kernels(dtype):
    dtype = np.dtype(dtype)
    if dtype not in _KERNELS:
        _KERNELS[dtype] = _compile(dtype)
    return _KERNELS[dtype]


def _is_torch(x):
    return type(x).__module__.startswith("torch")


class _Device:
    """Allocation and transfer on the side of the input: torch CUDA tensors stay torch tensors."""

    def __init__(self, like):
        self.torch_device = like.device if _is_torch(like) else None
        self.stream = 0
        if self.torch_device is not None:
            import torch
            self.torch = torch
            self.stream = cuda.external_stream(torch.cuda.current_stream(self.torch_device).cuda_stream)

    def wrap(self, x, dtype=None):
        """A device view of a torch CUDA tensor (no copy, ``dtype`` must match), or a device copy of a host array."""
        if _is_torch(x):
            return cuda.as_cuda_array(x.detach())
        return cuda.to_device(np.ascontiguousarray(x, dtype=dtype), stream=self.stream)

    def empty(self, shape, dtype, zero=False):
        """A new array, and its numba device view."""
        if self.torch_device is not None:
            dtype = getattr(self.torch, np.dtype(dtype).name)
            make = self.torch.zeros if zero else self.torch.empty
            out = make(shape, dtype=dtype, device=self.torch_device)
            return out, cuda.as_cuda_array(out)
        out = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
        view = cuda.to_device(out, stream=self.stream) if zero else cuda.device_array(shape, dtype, stream=self.stream)
        return out, view

    def result(self, out, view):
        """What the caller gets: the torch tensor, or the array copied back to the host."""
        if self.torch_device is not None:
            return out
        return view.copy_to_host(stream=self.stream)


class _Layout:
    """How a problem maps onto blocks: schedule, strip width, halo and ring sizes, launch configuration."""

    def __init__(self, problem, M, dtype):
        steps = problem.steps
        S = len(steps)
        if S + 1 > MAX_CANDIDATES:
            raise ValueError(f"the cuda backend supports at most {MAX_CANDIDATES - 1} steps, got {S}")
        self.schedule = ROWS if (steps[:, 0] >= 1).all() else DIAGONALS
        self.halo = int(steps[:, 1].max())
        reach = steps[:, 0] if self.schedule == ROWS else steps.sum(axis=1)
        self.R = int(reach.max()) + 2                       # + 1 for the prefetched neighbour row
        width = max(min(STRIP_WIDTH, M), self.halo, 1)
        if not SIMULATED:
            width = 32 * -(-width // 32)                    # whole warps
        self.width = width
        self.strips = -(-M // width)
        self.shared_bytes = self.R * (self.halo + width) * np.dtype(dtype).itemsize
        if self.shared_bytes > SHARED_BYTES:
            raise ValueError(f"steps reaching {self.R - 2} wavefronts back need {self.shared_bytes} bytes of shared "
                             f"memory per block for the cuda backend, more than {SHARED_BYTES}")
        self.spin_limit = SPIN_LIMIT

    def launch(self, kernel, Bn, device, *args):
        """Run ``kernel`` on every (item, strip), one thread per column of a strip.

        Up to ``ALWAYS_LAUNCHES`` threads every kernel launches. Beyond, the
        compiled kernel's register use caps its threads per block on this GPU,
        and a wider strip is refused here instead of failing to launch.
        """
        if not SIMULATED and self.width > ALWAYS_LAUNCHES:
            kernel = kernel.specialize(*args)       # compiled for these argument types, cached by numba
            limit = kernel.get_max_threads_per_block()
            if self.width > limit:
                name = kernel.py_func.__name__.replace("_", " ")
                raise ValueError(f"STRIP_WIDTH: a strip of {self.width} columns needs {self.width} threads per "
                                 f"block, but the {name} launches with at most {limit} on this GPU (its register "
                                 f"use); set ddtw_edu.backends.cuda_gpu.STRIP_WIDTH to at most {32 * (limit // 32)}")
        kernel[Bn * self.strips, self.width, device.stream, self.shared_bytes](*args)


class DeviceState:
    """What the backward pass needs from the forward pass (device arrays and the geometry)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def _check_errors(errors, device):
    """Raise if a block gave up waiting for its neighbour (only possible with a spin limit: the simulator)."""
    if errors.copy_to_host(stream=device.stream)[0]:
        raise RuntimeError("cuda backend: a strip waited for rows its neighbour had not finished (schedule bug)")


def _counters(device, Bn, layout):
    _, tickets = device.empty((1,), np.int32, zero=True)
    _, progress = device.empty((Bn, layout.strips), np.int32, zero=True)
    _, errors = device.empty((1,), np.int32, zero=True)
    return tickets, progress, errors


def forward(C, problem):
    """Batched dDTW values on the GPU; returns ``(values, state)`` for :func:`backward`.

    Parameters
    ----------
    C : ndarray or torch CUDA tensor, shape (B, N, M), float32 or float64,
        or GatheredCosts (log_probs an ndarray or a torch CUDA tensor)
    problem : BatchProblem

    Returns
    -------
    values : float64, shape (B,): an ndarray, or a tensor on C's device
    """
    if not is_available():
        raise RuntimeError("backend 'cuda' needs an NVIDIA GPU with a working CUDA driver")
    gathered = isinstance(C, GatheredCosts)
    source = C.log_probs if gathered else C
    dtype = np.dtype(str(source.dtype).replace("torch.", ""))
    device = _Device(source)
    Bn, N, M = C.shape
    layout = _Layout(problem, M, dtype)
    Ye = C.Ye if gathered else np.zeros((1, 1), np.int64)
    args = (device.wrap(source), device.wrap(Ye, np.int64), gathered, device.wrap(problem.W, dtype),
            device.wrap(problem.steps), device.wrap(boundary_lookup(problem.start, M)),
            device.wrap(problem.end), device.wrap(boundary_lookup(problem.end, M)),
            device.wrap(problem.N_lengths), device.wrap(problem.M_lengths),
            layout.schedule, dtype.type(problem.gamma), MINIMUM_CODES[problem.minimum], layout.halo, layout.R)
    KE = problem.end.shape[1]
    _, D = device.empty((Bn, N, M), dtype)
    _, F_end = device.empty((Bn, KE), dtype)
    values_out, values = device.empty((Bn,), np.float64)
    _, end_grad = device.empty((Bn, KE), dtype)
    tickets, progress, errors = _counters(device, Bn, layout)
    forward_kernel = _kernels(dtype)[0]
    layout.launch(forward_kernel, Bn, device, *args, tickets, progress, layout.spin_limit, D, F_end, values,
                  end_grad, errors)
    if layout.spin_limit:
        _check_errors(errors, device)
    state = DeviceState(args=args, D=D, end_grad=end_grad, device=device, shape=(Bn, N, M), dtype=dtype,
                        layout=layout, H_shape=tuple(source.shape) if gathered else (Bn, N, M))
    return device.result(values_out, values), state


def backward(state, grad_values, return_E=False):
    """Gradient of ``sum_b grad_values[b] * value_b`` with respect to C, shape (B, N, M).

    With ``return_E`` also the soft alignments E (B, N, M) (unscaled, in C's
    dtype). For gathered CTC costs the gradient is with respect to
    ``log_probs``. The state is left intact, so the pass can run again
    (``retain_graph``). Results are ndarrays, or tensors on the device of the
    forward input.
    """
    device, layout, dtype = state.device, state.layout, state.dtype
    Bn, N, M = state.shape
    if device.torch_device is not None:
        scale = device.torch.as_tensor(grad_values, device=device.torch_device, dtype=getattr(device.torch, dtype.name))
        scale = device.wrap(scale.contiguous())
    else:
        scale = device.wrap(grad_values, dtype)
    halo_shape = (Bn, layout.strips, N, layout.halo) if layout.strips > 1 and layout.halo else (1, 1, 1, 1)
    _, E_halo = device.empty(halo_shape, dtype)
    H_out, H = device.empty(state.H_shape, dtype, zero=True)
    E_out, E_full = device.empty((Bn, N, M) if return_E else (1, 1, 1), dtype, zero=True)
    tickets, progress, errors = _counters(device, Bn, layout)
    backward_kernel = _kernels(dtype)[1]
    layout.launch(backward_kernel, Bn, device, *state.args, tickets, progress, layout.spin_limit, state.D,
                  state.end_grad, scale, E_halo, H, E_full, return_E, errors)
    if layout.spin_limit:
        _check_errors(errors, device)
    H = device.result(H_out, H)
    if not return_E:
        return H
    return H, device.result(E_out, E_full)


def unpack_first_item(state):
    """D of the first item, shape (N, M), as a host array; None for G and B, which this backend does not keep."""
    return state.D[0].copy_to_host(), None, None
