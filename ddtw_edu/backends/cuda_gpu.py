"""GPU backend: batched dDTW forward and backward passes as Numba-CUDA kernels.

Schedule (as :mod:`.numba_cpu`). If every step advances n (no step (0, j), as
in CTC and SDTW-D), a row is a wavefront of independent cells: N sequential
steps with all m in parallel. Otherwise the wavefronts are the anti-diagonals
k = n + m: N + M - 1 sequential steps for any step set. Each item stops at its
own lengths (N_b or N_b + M_b - 1 wavefronts).

Kernels. One CUDA block per batch item; its threads stride over the cells of
a wavefront (thread t takes cells t, t + blockDim, ...), so any N and M work,
and ``cuda.syncthreads()`` separates consecutive wavefronts. The whole sweep
is one launch per pass (forward, backward). The candidates of Eq. (13)-(14)
(at most ``MAX_CANDIDATES`` = S + 1) live in thread-local arrays.

Numerics. The recursions run in float64 whatever the input dtype, with the
same stabilized log-sum-exp, sparsemax threshold and hardmin tie rule as the
CPU backend. Blocked steps (weight ``inf``) and cells outside an item's
lengths are masked with branches, never multiplied.

Memory. The costs C are read in place (numpy arrays are copied to the device
once; torch CUDA tensors are used without a copy through
``__cuda_array_interface__``). The forward pass keeps D, float64, 8 bytes per
cell; the weights are copied in their own broadcast shape (dense only when
cell-wise weights are given). The backward pass recomputes the backtracking
weights B from D (no (N, M, S + 1) tensor) and pushes E to the predecessors of
each cell with atomic adds into a ring of ``max(i + j) + 1`` wavefronts (rows:
``max(i) + 1``), so E costs (B, R, max(N, M)) doubles, not a value per cell,
unless ``return_E`` asks for the full E. H is the output. CTC costs are
read straight from ``log_probs`` (T, B, K) through the extended labels
(C[b, n, m] = -log_probs[n, b, Ye[b, m]], Eq. 9), and the backward pass adds
-H into the gradient of ``log_probs`` with atomic adds, so no (B, T, 2M + 1)
cost or gradient array is made: D is the only array per cell.

The simulator (``NUMBA_ENABLE_CUDASIM=1``, read when Numba is first imported)
runs these kernels on the CPU for tests; this module never sets it.
"""
import math

import numpy as np
from numba import cuda, float64
from numba.core import config

from .numba_cpu import DIAGONALS, HARDMIN, MINIMUM_CODES, ROWS, SOFTMIN, SPARSEMIN

MAX_CANDIDATES = 16                      # S + 1 candidates per cell (Eq. 13-14)
SIMULATED = bool(config.ENABLE_CUDASIM)
THREADS = 4 if SIMULATED else 256        # the simulator runs one Python thread per CUDA thread
INF = math.inf


def is_available():
    """True if kernels can run: a CUDA GPU, or the simulator."""
    try:
        return SIMULATED or cuda.is_available()
    except Exception:                    # no driver, no toolkit
        return False


@cuda.jit(device=True)
def _sparsemax_threshold(F, K, gamma):
    """tau of the simplex projection of -F / gamma (as :func:`.numba_cpu._sparsemax_threshold`)."""
    tau = -INF
    for s in range(K):
        if F[s] < INF:
            count = 0.0
            total = 0.0
            for r in range(K):
                if F[r] <= F[s] and F[r] < INF:
                    count += 1.0
                    total += -F[r] / gamma
            tau = max(tau, (total - 1.0) / count)
    return tau


@cuda.jit(device=True)
def _minimum_value(F, K, gamma, minimum):
    """mu over F[0:K] (Eq. 7 for softmin); inf if every candidate is inf."""
    low = INF
    for s in range(K):
        low = min(low, F[s])
    if low == INF:
        return INF
    if minimum == SOFTMIN:                                  # stabilized by the minimum
        total = 0.0
        for s in range(K):
            total += math.exp((low - F[s]) / gamma)
        return low - gamma * math.log(total)
    if minimum == SPARSEMIN:
        tau = _sparsemax_threshold(F, K, gamma)
        total = 0.0
        for s in range(K):
            if F[s] < INF:
                p = -F[s] / gamma - tau
                if p > 0.0:
                    total += p * F[s] + 0.5 * gamma * p * p
        return total
    return low


@cuda.jit(device=True)
def _minimum_gradient(F, K, gamma, minimum, value, grad):
    """grad mu over F[0:K] (Eq. 12 for softmin) into grad[0:K], given mu's value."""
    for s in range(K):
        grad[s] = 0.0
    if value == INF:
        return
    if minimum == SOFTMIN:
        for s in range(K):
            grad[s] = math.exp((value - F[s]) / gamma)
    elif minimum == HARDMIN:                                # one-hot at the first minimal candidate
        for s in range(K):
            if F[s] == value:
                grad[s] = 1.0
                return
    else:
        tau = _sparsemax_threshold(F, K, gamma)
        for s in range(K):
            if F[s] < INF:
                grad[s] = max(-F[s] / gamma - tau, 0.0)


@cuda.jit(device=True)
def _cost(C, Ye, gathered, b, n, m):
    """C(n, m) of item b: read from the dense C, or gathered as -log_probs[n, b, Ye[b, m]] (Eq. 9)."""
    if gathered:
        return -C[n, b, Ye[b, m]] * 1.0
    return C[b, n, m] * 1.0


@cuda.jit(device=True)
def _candidates(C, Ye, gathered, W, D, steps, start, b, n, m, F, W_open):
    """Incoming costs of cell (n, m): Eq. (13) in F[s], s < S, Eq. (14) in F[S].

    ``W_open[s]`` is the step weight, or 0 where the step is blocked or leaves
    the grid (the derivative of Eq. 25).
    """
    S = steps.shape[0]
    c = _cost(C, Ye, gathered, b, n, m)
    nw = n if W.shape[1] > 1 else 0
    mw = m if W.shape[2] > 1 else 0
    for s in range(S):
        i = steps[s, 0]
        j = steps[s, 1]
        w = W[b, nw, mw, s]
        F[s] = INF
        W_open[s] = 0.0
        if n >= i and m >= j and w < INF and c < INF:
            F[s] = D[b, n - i, m - j] + w * c
            W_open[s] = w
    F[S] = INF
    for e in range(start.shape[1]):
        if start[b, e, 0] == n and start[b, e, 1] == m:
            F[S] = c


@cuda.jit(device=True)
def _wavefront(schedule, k, Nb, Mb):
    """Index range [u_lo, u_hi) of wavefront k: u = m on rows (k = n), u = n on anti-diagonals (k = n + m)."""
    if schedule == ROWS:
        return 0, Mb
    return max(0, k - Mb + 1), min(k, Nb - 1) + 1


@cuda.jit
def forward_kernel(C, Ye, gathered, W, steps, start, end, N_lengths, M_lengths, schedule, gamma, minimum,
                   D, F_end, values, end_grad):
    """Algorithm 1, one block per item: D inside the item's lengths, its value and grad mu(b) of Eq. (17).

    Parameters
    ----------
    C : device array, float32 or float64
        Costs (B, N, M); or, if ``gathered``, log-probabilities (T, B, K) read
        through the extended labels ``Ye`` (B, M) (a dummy otherwise).
    W : float64 device array, shape (B, 1 or N, 1 or M, S)
    steps : int64 (S, 2); start, end : int64 (B, K, 2), -1 padded
    D : float64 (B, N, M), written inside each item's lengths only
    F_end : float64 (B, K_end), scratch; values : (B,); end_grad : (B, K_end)
    """
    b = cuda.blockIdx.x
    F = cuda.local.array(MAX_CANDIDATES, float64)
    W_open = cuda.local.array(MAX_CANDIDATES, float64)
    S = steps.shape[0]
    Nb, Mb = N_lengths[b], M_lengths[b]
    n_waves = Nb if schedule == ROWS else Nb + Mb - 1
    for k in range(n_waves):
        u_lo, u_hi = _wavefront(schedule, k, Nb, Mb)
        for u in range(u_lo + cuda.threadIdx.x, u_hi, cuda.blockDim.x):
            n, m = u, k - u
            if schedule == ROWS:
                n, m = k, u
            _candidates(C, Ye, gathered, W, D, steps, start, b, n, m, F, W_open)
            D[b, n, m] = _minimum_value(F, S + 1, gamma, minimum)          # Eq. (15)
        cuda.syncthreads()
    if cuda.threadIdx.x == 0:                                             # Alg. 1, line 17
        KE = end.shape[1]
        for e in range(KE):
            F_end[b, e] = D[b, end[b, e, 0], end[b, e, 1]] if end[b, e, 0] >= 0 else INF
        value = _minimum_value(F_end[b], KE, gamma, minimum)               # Eq. (17)
        values[b] = value
        _minimum_gradient(F_end[b], KE, gamma, minimum, value, end_grad[b])


@cuda.jit
def backward_kernel(C, Ye, gathered, W, steps, start, end, N_lengths, M_lengths, schedule, gamma, minimum,
                    D, end_grad, scale, E_ring, H, E_full, keep_E):
    """Algorithm 2, one block per item: H = scale * E * G (Eq. 18), pushing E to the predecessors.

    H is (B, N, M); for gathered costs it is the gradient of ``log_probs``
    (T, B, K) instead, which receives -H(n, m) at (n, b, Ye[b, m]) by atomic
    adds (equal labels share a class).

    E of wavefront k lives in ``E_ring[b, k % R, u]``; a cell reads and clears
    its slot, then adds ``E * B[s]`` to the predecessor along each step s with
    an atomic add (two cells of a wavefront can share a predecessor). Steps
    reach back at most R - 1 wavefronts, so a slot is cleared before it is
    reused. With ``keep_E`` the whole E goes to ``E_full`` (B, N, M).
    """
    b = cuda.blockIdx.x
    F = cuda.local.array(MAX_CANDIDATES, float64)
    W_open = cuda.local.array(MAX_CANDIDATES, float64)
    grad = cuda.local.array(MAX_CANDIDATES, float64)
    S = steps.shape[0]
    R = E_ring.shape[1]
    Nb, Mb = N_lengths[b], M_lengths[b]
    n_waves = Nb if schedule == ROWS else Nb + Mb - 1
    for k in range(n_waves - 1, -1, -1):
        u_lo, u_hi = _wavefront(schedule, k, Nb, Mb)
        for u in range(u_lo + cuda.threadIdx.x, u_hi, cuda.blockDim.x):
            n, m = u, k - u
            if schedule == ROWS:
                n, m = k, u
            e = E_ring[b, k % R, u]
            E_ring[b, k % R, u] = 0.0
            for q in range(end.shape[1]):                                 # Eq. (22)
                if end[b, q, 0] == n and end[b, q, 1] == m:
                    e += end_grad[b, q]
            if keep_E:
                E_full[b, n, m] = e
            _candidates(C, Ye, gathered, W, D, steps, start, b, n, m, F, W_open)
            _minimum_gradient(F, S + 1, gamma, minimum, D[b, n, m], grad)   # Eq. (16)
            G = grad[S]                                                     # Eq. (23)-(25)
            for s in range(S):
                G += W_open[s] * grad[s]
            if gathered:                                                    # Eq. (18), through Eq. (9)
                cuda.atomic.add(H, (n, b, Ye[b, m]), -scale[b] * e * G)
            else:
                H[b, n, m] = scale[b] * e * G                               # Eq. (18)
            if e != 0.0:
                for s in range(S):                                          # Eq. (19)-(21), pushed
                    if grad[s] != 0.0:
                        i = steps[s, 0]
                        j = steps[s, 1]
                        k_pred = k - i if schedule == ROWS else k - i - j
                        u_pred = u - j if schedule == ROWS else u - i
                        cuda.atomic.add(E_ring, (b, k_pred % R, u_pred), e * grad[s])
        cuda.syncthreads()


def _is_torch(x):
    return type(x).__module__.startswith("torch")


def _threads(width):
    """Threads per block: a multiple of 32 up to THREADS, no more than a wavefront needs."""
    if SIMULATED:
        return THREADS
    return int(min(THREADS, 32 * -(-width // 32)))


class _Device:
    """Allocation and transfer on the side of the input: torch CUDA tensors stay torch tensors."""

    def __init__(self, like):
        self.torch_device = like.device if _is_torch(like) else None
        self.stream = 0
        if self.torch_device is not None:
            import torch
            self.torch = torch
            self.stream = cuda.external_stream(torch.cuda.current_stream(self.torch_device).cuda_stream)

    def wrap(self, x):
        """A device view of a torch CUDA tensor (no copy), or a device copy of a host array."""
        if _is_torch(x):
            return cuda.as_cuda_array(x.detach())
        return cuda.to_device(np.ascontiguousarray(x), stream=self.stream)

    def empty(self, shape, dtype, zero=False):
        """A new array, and its numba device view."""
        if self.torch_device is not None:
            dtype = {np.dtype(np.float32): self.torch.float32, np.dtype(np.float64): self.torch.float64}[np.dtype(dtype)]
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


def _check_problem(problem):
    S = len(problem.steps)
    if S + 1 > MAX_CANDIDATES:
        raise ValueError(f"the cuda backend supports at most {MAX_CANDIDATES - 1} steps, got {S}")


class _State:
    """What the backward pass needs from the forward pass (device arrays and the geometry)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def forward(C, problem):
    """Batched dDTW values on the GPU; returns ``(values, state)`` for :func:`backward`.

    Parameters
    ----------
    C : ndarray or torch CUDA tensor, shape (B, N, M), float32 or float64,
        or ddtw_edu.batch.GatheredCosts (log_probs an ndarray or a torch CUDA tensor)
    problem : ddtw_edu.batch.BatchProblem

    Returns
    -------
    values : float64, shape (B,): an ndarray, or a tensor on C's device
    """
    if not is_available():
        raise RuntimeError("backend 'cuda' needs an NVIDIA GPU with a working CUDA driver")
    _check_problem(problem)
    gathered = hasattr(C, "Ye")
    source = C.log_probs if gathered else C
    device = _Device(source)
    Bn, N, M = C.shape
    Ye = C.Ye if gathered else np.zeros((1, 1), np.int64)
    steps = problem.steps
    schedule = ROWS if (steps[:, 0] >= 1).all() else DIAGONALS
    args = (device.wrap(source), device.wrap(np.asarray(Ye, np.int64)), gathered, device.wrap(problem.W),
            device.wrap(steps), device.wrap(problem.start),
            device.wrap(problem.end), device.wrap(problem.N_lengths), device.wrap(problem.M_lengths),
            schedule, float(problem.gamma), MINIMUM_CODES[problem.minimum])
    KE = problem.end.shape[1]
    _, D = device.empty((Bn, N, M), np.float64)
    _, F_end = device.empty((Bn, KE), np.float64)
    values_out, values = device.empty((Bn,), np.float64)
    _, end_grad = device.empty((Bn, KE), np.float64)
    width = M if schedule == ROWS else min(N, M)
    forward_kernel[Bn, _threads(width), device.stream](*args, D, F_end, values, end_grad)
    dtype = np.dtype(str(source.dtype).replace("torch.", ""))
    state = _State(args=args, D=D, end_grad=end_grad, device=device, shape=(Bn, N, M), dtype=dtype, steps=steps,
                   schedule=schedule, width=width, H_shape=tuple(source.shape) if gathered else (Bn, N, M))
    return device.result(values_out, values), state


def backward(state, grad_values, return_E=False):
    """Gradient of ``sum_b grad_values[b] * value_b`` with respect to C, shape (B, N, M).

    With ``return_E`` also the soft alignments E (B, N, M) (unscaled, float64).
    For gathered CTC costs the gradient is with respect to ``log_probs``. The
    state is left intact, so the pass can run again (``retain_graph``).
    Results are ndarrays, or tensors on the device of the forward input.
    """
    device = state.device
    Bn, N, M = state.shape
    steps = state.steps
    reach = steps[:, 0] if state.schedule == ROWS else steps.sum(axis=1)
    R = int(reach.max()) + 1
    if device.torch_device is not None:
        scale = device.torch.as_tensor(grad_values, device=device.torch_device, dtype=device.torch.float64)
        scale = device.wrap(scale.contiguous())
    else:
        scale = device.wrap(np.asarray(grad_values, dtype=np.float64))
    _, E_ring = device.empty((Bn, R, M if state.schedule == ROWS else N), np.float64, zero=True)
    H_out, H = device.empty(state.H_shape, state.dtype, zero=True)
    E_out, E_full = device.empty((Bn, N, M) if return_E else (1, 1, 1), np.float64, zero=True)
    backward_kernel[Bn, _threads(state.width), device.stream](*state.args, state.D, state.end_grad, scale, E_ring, H,
                                                              E_full, return_E)
    H = device.result(H_out, H)
    if not return_E:
        return H
    return H, device.result(E_out, E_full)


def unpack_accumulated_costs(state):
    """The accumulated costs D of the first item, shape (N, M), as a host array."""
    return state.D[0].copy_to_host()
