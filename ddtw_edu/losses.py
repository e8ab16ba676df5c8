"""dDTW losses for torch: an autograd Function with the analytic backward (Alg. 2).

The recursion runs in a backend ("numba" by default, "numpy" for the
reference) on detached CPU arrays, or with "cuda" on the GPU (torch CUDA
tensors stay on the device, without host copies); the gradient with respect to the cost
matrix is H of Eq. (18), so autograd never unrolls the recursion. Costs built
from network outputs (e.g. ``-log_probs`` gathered at the labels) are ordinary
torch operations, and autograd chains through them as usual.
"""
import numpy as np
import torch

from .batch import BatchProblem, GatheredCosts, get_backend
from .configs import CTC_CONFIGS, SDTW_CONFIGS, check_config_name, ctc_weights, extended_labels, label_repeats, sdtw_config
from .costs import EPS, bce_cost, mctc_cost

REDUCTIONS = ("none", "mean", "sum")


class DDTWFunction(torch.autograd.Function):
    """values[b] = dDTW(C[b]) for a batch; backward returns grad[b] * H[b].

    With ``Ye`` given, the input is ``log_probs`` (T, B, K) and the costs are
    gathered from it (Eq. 9) inside the backend.
    """

    @staticmethod
    def forward(ctx, C, problem, backend, Ye=None):
        ctx.save_for_backward(C)                 # autograd frees it after backward unless retain_graph
        ctx.problem, ctx.backend, ctx.Ye = problem, backend, Ye
        values, ctx.state = _run_forward(C, problem, backend, Ye)
        return torch.as_tensor(values, dtype=C.dtype, device=C.device)

    @staticmethod
    def backward(ctx, grad_values):
        C, = ctx.saved_tensors
        state = ctx.state
        if state is None:                        # a second backward (retain_graph): recompute
            _, state = _run_forward(C, ctx.problem, ctx.backend, ctx.Ye)
        ctx.state = None                         # the work arrays go back to the backend now
        grad = grad_values.detach().double()
        grad = torch.where(torch.isfinite(grad), grad, torch.zeros_like(grad))
        if not _on_device(C, ctx.backend):
            grad = grad.cpu().numpy()
        H = get_backend(ctx.backend)[1](state, grad)
        H = H if isinstance(H, torch.Tensor) else torch.from_numpy(H)
        return H.to(C.device), None, None, None


def _on_device(C, backend):
    """True if the backend works on C's own (CUDA) memory rather than on a host copy."""
    return backend == "cuda" and C.is_cuda


def _run_forward(C, problem, backend, Ye):
    array = C.detach() if _on_device(C, backend) else C.detach().cpu().numpy()
    if Ye is not None:
        array = GatheredCosts(array, Ye)
    return get_backend(backend)[0](array, problem)


def _default_backend(backend):
    return "numba" if backend is None else backend


def _check_lengths(lengths, full, batch, name):
    """Lengths as int64 array (B,), each in [1, full] (or all ``full`` if None)."""
    if lengths is None:
        return np.full(batch, full, dtype=np.int64)
    lengths = torch.as_tensor(lengths).detach().cpu()
    if lengths.dtype.is_floating_point or lengths.dtype == torch.bool:
        raise ValueError(f"{name} must hold integers, got {lengths.dtype}")
    lengths = lengths.numpy().astype(np.int64).reshape(-1)
    if lengths.shape != (batch,):
        raise ValueError(f"{name} must have shape ({batch},), got {tuple(lengths.shape)}")
    if (lengths < 1).any() or (lengths > full).any():
        raise ValueError(f"{name} must lie in [1, {full}], got {lengths.tolist()}")
    return lengths


def _check_costs(C):
    if not isinstance(C, torch.Tensor):
        raise ValueError(f"C must be a torch tensor, got {type(C).__name__}")
    if C.dim() != 3 or min(C.shape) < 1:
        raise ValueError(f"C must have shape (B, N, M) with B, N, M >= 1, got {tuple(C.shape)}")
    if C.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"C must be float32 or float64, got {C.dtype}")


def _check_finite(C, N_lengths, M_lengths, name, what="the given lengths"):
    """ValueError unless every C[b, :N_b, :M_b] is finite (padding may hold anything).

    CUDA tensors are checked on their device (no host copy); CPU tensors item by
    item through NumPy views, which is much faster than torch's masked ops here.
    """
    C = C.detach()
    if C.is_cuda:
        rows = torch.arange(C.shape[1], device=C.device)[None, :] < torch.as_tensor(N_lengths, device=C.device)[:, None]
        cols = torch.arange(C.shape[2], device=C.device)[None, :] < torch.as_tensor(M_lengths, device=C.device)[:, None]
        bad = (~torch.isfinite(C) & rows[:, :, None] & cols[:, None, :]).flatten(1).any(dim=1).cpu().numpy()
    else:
        array = C.numpy()
        bad = [not np.isfinite(array[b, :N, :M]).all() for b, (N, M) in enumerate(zip(N_lengths, M_lengths))]
    if np.any(bad):
        raise ValueError(f"{name} must be finite (no NaN or inf) within {what} (item {int(np.argmax(bad))})")


def _reduce(values, reduction, normalizer=None):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    if normalizer is not None:
        values = values / normalizer
    return values.mean()


def ddtw_loss(C, problem, reduction="none", backend=None):
    """dDTW values of a batch of cost matrices under any :class:`~ddtw_edu.batch.BatchProblem`.

    Parameters
    ----------
    C : tensor, shape (B, N, M), float32 or float64
    problem : BatchProblem
    reduction : {"none", "mean", "sum"}
    backend : {"numba", "numpy", "cuda"} or None (numba)
    """
    _check_costs(C)
    _check_finite(C, problem.N_lengths, problem.M_lengths, "C")
    values = DDTWFunction.apply(C, problem, _default_backend(backend))
    return _reduce(values, reduction)


def sdtw_loss(C, gamma=1.0, config="SDTW-E", input_lengths=None, target_lengths=None, reduction="none",
              backend=None, minimum="softmin"):
    """Soft-DTW loss of a batch of cost matrices (Table I, SDTW-D/E and -W variants).

    Parameters
    ----------
    C : tensor, shape (B, N, M)
        Cost matrices; item b uses ``C[b, :input_lengths[b], :target_lengths[b]]``.
    gamma : float
        Softmin temperature (> 0).
    config : str
        "SDTW-D", "SDTW-E", "SDTW-D-W" or "SDTW-E-W".
    input_lengths, target_lengths : None or int tensor, shape (B,)
        Valid N and M of each item (default: full).
    reduction : {"none", "mean", "sum"}
    backend : {"numba", "numpy", "cuda"} or None (numba)

    Returns
    -------
    tensor, shape (B,) for reduction "none", else a scalar
    """
    _check_costs(C)
    check_config_name(config, SDTW_CONFIGS)
    B, N, M = C.shape
    N_lengths = _check_lengths(input_lengths, N, B, "input_lengths")
    M_lengths = _check_lengths(target_lengths, M, B, "target_lengths")
    steps, weights, _, _ = sdtw_config(N, M, config)
    start = np.zeros((B, 1, 2), dtype=np.int64)
    end = np.stack([N_lengths - 1, M_lengths - 1], axis=1)[:, None]
    W = np.broadcast_to(weights, (B, 1, 1, len(steps)))
    problem = BatchProblem(steps, W, start, end, N_lengths, M_lengths, gamma, minimum)
    return ddtw_loss(C, problem, reduction, backend)


def _ctc_problem(repeats, N_lengths, M_lengths, M_max, config, gamma):
    """Batched CTC building blocks: column weights, start and end cells per item."""
    B = len(N_lengths)
    W = np.full((B, 1, 2 * M_max + 1, 3), np.inf)
    start = np.full((B, 2, 2), -1, dtype=np.int64)
    end = np.full((B, 2, 2), -1, dtype=np.int64)
    for b in range(B):
        M, N = M_lengths[b], N_lengths[b]
        W[b, 0, : 2 * M + 1] = ctc_weights(repeats[b], config)
        start[b, : 1 + (M > 0)] = [(0, 0), (0, 1)][: 1 + (M > 0)]
        end[b, : 1 + (M > 0)] = [(N - 1, 2 * M), (N - 1, 2 * M - 1)][: 1 + (M > 0)]
    return BatchProblem(np.array([(1, 0), (1, 1), (1, 2)]), W, start, end, N_lengths, 2 * M_lengths + 1,
                        gamma, "softmin")


def _finish_ctc(values, target_lengths, reduction, zero_infinity):
    if zero_infinity:
        values = torch.where(torch.isinf(values), torch.zeros_like(values), values)
    normalizer = torch.as_tensor(target_lengths, dtype=values.dtype, device=values.device).clamp_min(1)
    return _reduce(values, reduction, normalizer)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False,
             config="CTC-A", gamma=1.0, backend=None):
    """CTC loss as dDTW on C = -log p (Eq. 9-10), with torch's conventions.

    With ``config="CTC-A"`` and ``gamma=1`` it equals
    ``torch.nn.functional.ctc_loss`` in value and in the gradient with respect
    to the logits. The gradient with respect to ``log_probs`` is the true
    derivative; torch's differs from it by ``exp(log_probs)`` because torch
    assumes a log_softmax in front.

    Parameters
    ----------
    log_probs : tensor, shape (T, B, K)
        Log-probabilities of the K classes (blank included).
    targets : int tensor, shape (B, S) padded, or (sum(target_lengths),) concatenated
        Label indices, none equal to ``blank``.
    input_lengths, target_lengths : int tensor or sequence, shape (B,)
    blank : int
    reduction : {"mean", "sum", "none"}
        "mean" divides each loss by its target length, then averages (as torch).
    zero_infinity : bool
        Replace infinite losses (no valid alignment) and their gradients by 0.
    config : str
        One of CTC-A, CTC-B, CTC-C and their -W variants (Table I).
    gamma : float
        Softmin temperature; 1 gives CTC.
    backend : {"numba", "numpy", "cuda"} or None (numba)
    """
    check_config_name(config, CTC_CONFIGS)
    if not isinstance(log_probs, torch.Tensor) or log_probs.dim() != 3:
        raise ValueError(f"log_probs must be a tensor of shape (T, B, K), got {getattr(log_probs, 'shape', None)}")
    if log_probs.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"log_probs must be float32 or float64, got {log_probs.dtype}")
    T, B, K = log_probs.shape
    if not 0 <= blank < K:
        raise ValueError(f"blank must be a class index in [0, {K}), got {blank}")
    labels = _check_targets(targets, target_lengths, B, K, blank)
    N_lengths = _check_lengths(input_lengths, T, B, "input_lengths")
    M_lengths = np.array([len(y) for y in labels], dtype=np.int64)
    M_max = int(M_lengths.max())
    Ye = np.full((B, 2 * M_max + 1), blank, dtype=np.int64)
    for b, y in enumerate(labels):
        Ye[b, : 2 * len(y) + 1] = extended_labels(y, blank)
    _check_finite(log_probs.transpose(0, 1), N_lengths, np.full(B, K), "log_probs", "input_lengths")
    problem = _ctc_problem([label_repeats(y) for y in labels], N_lengths, M_lengths, M_max, config, gamma)
    values = DDTWFunction.apply(log_probs, problem, _default_backend(backend), Ye)   # C of Eq. (9)
    return _finish_ctc(values, M_lengths, reduction, zero_infinity)


def _check_targets(targets, target_lengths, B, K, blank):
    """Per-item label arrays from padded (B, S) or concatenated targets."""
    targets = torch.as_tensor(targets).detach().cpu()
    if targets.dtype.is_floating_point or targets.dtype == torch.bool:
        raise ValueError(f"targets must hold integer class indices, got {targets.dtype}")
    lengths = torch.as_tensor(target_lengths).detach().cpu()
    if lengths.dtype.is_floating_point or lengths.reshape(-1).shape != (B,):
        raise ValueError(f"target_lengths must be {B} integers, got {target_lengths!r}")
    lengths = lengths.reshape(-1).numpy().astype(np.int64)
    targets = targets.numpy().astype(np.int64)
    if (lengths < 0).any():
        raise ValueError(f"target_lengths must be >= 0, got {lengths.tolist()}")
    if targets.ndim == 2:
        if targets.shape[0] != B or (lengths > targets.shape[1]).any():
            raise ValueError(f"targets of shape {targets.shape} do not fit batch {B} and target_lengths")
        labels = [targets[b, : lengths[b]] for b in range(B)]
    elif targets.ndim == 1:
        if lengths.sum() != len(targets):
            raise ValueError(f"concatenated targets need sum(target_lengths) = {len(targets)} entries")
        labels = np.split(targets, np.cumsum(lengths)[:-1])
    else:
        raise ValueError(f"targets must have shape (B, S) or (sum(target_lengths),), got {targets.shape}")
    for y in labels:
        if ((y < 0) | (y >= K)).any():
            raise ValueError(f"targets must be class indices in [0, {K}), got {y.tolist()}")
        if (y == blank).any():
            raise ValueError(f"targets must not contain the blank index {blank}")
    return labels


def multilabel_ctc_loss(X, Y, input_lengths=None, target_lengths=None, config="CTC-A", gamma=1.0,
                        reduction="mean", zero_infinity=False, backend=None, eps=EPS):
    """Multi-label CTC (MCTC) loss, Eq. (28-30), for any CTC configuration of Table I.

    Parameters
    ----------
    X : tensor, shape (B, N, 1 + K)
        Probabilities: blank in channel 0, K class activations after it.
    Y : tensor, shape (B, M, K)
        Multi-hot target sequences (all zeros for a rest).
    input_lengths, target_lengths : None or int tensor, shape (B,)
    """
    B, N, _ = X.shape
    M_max = Y.shape[1]
    N_lengths = _check_lengths(input_lengths, N, B, "input_lengths")
    M_lengths = _check_lengths(target_lengths, M_max, B, "target_lengths")
    check_config_name(config, CTC_CONFIGS)
    C = mctc_cost(X, Y, eps)
    Y_np = Y.detach().cpu().numpy()
    repeats = [label_repeats(Y_np[b, : M_lengths[b]]) for b in range(B)]
    problem = _ctc_problem(repeats, N_lengths, M_lengths, M_max, config, gamma)
    values = ddtw_loss(C, problem, "none", backend)
    return _finish_ctc(values, M_lengths, reduction, zero_infinity)


def bce_sdtw_loss(X, Y, input_lengths=None, target_lengths=None, config="SDTW-E", gamma=1.0, reduction="mean",
                  backend=None, eps=EPS):
    """SDTW with the binary cross-entropy cost of Eq. (31), for multi-label targets.

    Parameters
    ----------
    X : tensor, shape (B, N, K)
        Class probabilities (e.g. sigmoids).
    Y : tensor, shape (B, M, K)
        Multi-hot target sequence.
    """
    return sdtw_loss(bce_cost(X, Y, eps), gamma, config, input_lengths, target_lengths, reduction, backend)


__all__ = ["DDTWFunction", "ddtw_loss", "sdtw_loss", "ctc_loss", "multilabel_ctc_loss", "bce_sdtw_loss"]
