"""Every check of user input, in one place: the dDTW building blocks and the tensors of the losses.

A wrong shape, a NaN or an impossible step is reported with a ``ValueError``
that names the argument, instead of surfacing as a silent NaN deep in a
recursion. Who calls what:

- one problem (paper Sec. V-A): :func:`check_problem`, used by
  :func:`ddtw_edu.ddtw`, :func:`ddtw_edu.bruteforce.ddtw_bruteforce`,
  :func:`ddtw_edu.reachability.usable_cells` and the plot helpers (a plot
  helper that needs the building blocks as arrays calls it too);
- a batch of problems: :func:`check_steps`, :func:`check_gamma`,
  :func:`check_batch_weights` and :func:`check_batch_cells`, used by
  :class:`ddtw_edu.backends.problem.BatchProblem`, which every loss builds;
- the torch tensors of the losses (:mod:`ddtw_edu.losses`): the functions
  from :func:`check_cost_tensor` on. They import torch when called, so the
  NumPy checks load without it;
- the blank's channel index: :func:`check_blank`, used by ``ctc_loss`` and by
  the decoders and metrics of :mod:`ddtw_edu.evaluation`.

Cells are 0-based ``(n, m)`` pairs: the paper's cell (1, 1) is ``(0, 0)`` here.
"""
import numpy as np

from .minimum import MINIMUM_FUNCTIONS

REDUCTIONS = ("none", "mean", "sum")

# ----------------------------------------------------------------------------- one problem (NumPy)


def check_cost_matrix(C, name="C", ndim=2):
    """Return ``C`` as a float array after checking its shape and values.

    Parameters
    ----------
    C : array_like, shape (N, M) (``ndim=2``) or (B, N, M) (``ndim=3``)
        Local cost matrix (Eq. 4); every entry must be finite.
    """
    C = np.asarray(C)
    if C.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be a real-valued array, got dtype {C.dtype}")
    if C.dtype.kind != "f":
        C = C.astype(np.float64)
    if C.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {C.shape}")
    if min(C.shape[-2:]) < 1:
        raise ValueError(f"{name} must have N >= 1 and M >= 1, got shape {C.shape}")
    if not np.isfinite(C).all():
        raise ValueError(f"{name} must be finite (no NaN or inf); block steps with inf weights instead")
    return C


def check_steps(steps):
    """Return the step sizes as an int array of shape (S, 2).

    Each step ``(i, j)`` needs ``i, j >= 0`` and ``i + j >= 1`` (Sec. III-B), and
    no step may appear twice (a path would be counted twice).
    """
    steps = np.asarray(steps)
    if steps.ndim != 2 or steps.shape[1] != 2 or steps.shape[0] < 1:
        raise ValueError(f"steps must be a non-empty list of (i, j) pairs, got shape {steps.shape}")
    if steps.dtype.kind not in "iu" and not np.array_equal(steps, np.round(steps)):
        raise ValueError("steps must contain integers")
    steps = steps.astype(np.int64)
    if (steps < 0).any() or (steps.sum(axis=1) < 1).any():
        raise ValueError(f"steps must satisfy i >= 0, j >= 0 and i + j >= 1, got {steps.tolist()}")
    if len({tuple(s) for s in steps.tolist()}) != len(steps):
        raise ValueError(f"steps must not repeat a step, got {steps.tolist()}")
    return steps


def _check_weight_values(W):
    """Weights are >= 0, or inf to block a step; never NaN or negative."""
    if np.isnan(W).any() or (W < 0).any():
        raise ValueError("weights must be >= 0 (or inf to block a step), got NaN or a negative weight")


def check_weights(weights, N, M, S):
    """Return step weights broadcast to shape (N, M, S) (Sec. V-A 3).

    Parameters
    ----------
    weights : None, array_like of shape (S,), (M, S) or (N, M, S)
        ``None`` means all ones (plain SDTW). A weight of ``inf`` blocks that
        step into that cell; it is handled as a mask, never multiplied.
    """
    if weights is None:
        return np.ones((N, M, S))
    W = np.asarray(weights, dtype=np.float64)
    if W.shape not in ((S,), (M, S), (N, M, S)):
        raise ValueError(f"weights must have shape (S,), (M, S) or (N, M, S) = ({N}, {M}, {S}), got {W.shape}")
    _check_weight_values(W)
    return np.broadcast_to(W, (N, M, S))


def check_cells(cells, N, M, name):
    """Return a boundary set as an int array of shape (K, 2) of distinct cells.

    Parameters
    ----------
    cells : array_like of (n, m) pairs
        0-based cells inside the N x M grid; at least one.
    """
    cells = np.asarray(cells)
    if cells.ndim == 1 and cells.shape == (2,):
        cells = cells[None]
    if cells.ndim != 2 or cells.shape[1] != 2 or cells.shape[0] < 1:
        raise ValueError(f"{name} must be a non-empty set of (n, m) cells, got shape {cells.shape}")
    cells = cells.astype(np.int64)
    inside = (cells[:, 0] >= 0) & (cells[:, 0] < N) & (cells[:, 1] >= 0) & (cells[:, 1] < M)
    if not inside.all():
        raise ValueError(f"{name} has cells outside the {N} x {M} grid: {cells[~inside].tolist()}")
    return np.unique(cells, axis=0)


def check_gamma(gamma, minimum):
    """Check the minimum function's name and the temperature; return gamma as a float.

    ``gamma`` must be a real number (a string such as ``"1.0"`` is rejected),
    finite and > 0 for softmin and sparsemin; hardmin ignores its value.
    """
    if minimum not in MINIMUM_FUNCTIONS:
        raise ValueError(f"minimum must be one of {MINIMUM_FUNCTIONS}, got {minimum!r}")
    if np.ndim(gamma) != 0 or np.asarray(gamma).dtype.kind not in "fiu":
        raise ValueError(f"gamma must be a positive number, got {gamma!r}")
    gamma = float(gamma)
    if minimum != "hardmin" and not (np.isfinite(gamma) and gamma > 0):
        raise ValueError(f"gamma must be a finite number > 0 for {minimum}, got {gamma}")
    return gamma


def check_problem(C, steps, weights=None, start=None, end=None, gamma=1.0, minimum="softmin"):
    """Check one alignment problem; ``start``/``end`` default to SDTW's corners.

    Returns
    -------
    C, steps, W, start, end, gamma
        W broadcast to (N, M, S); start and end as sorted (K, 2) int arrays.
    """
    C = check_cost_matrix(C)
    N, M = C.shape
    steps = check_steps(steps)
    W = check_weights(weights, N, M, len(steps))
    start = check_cells([(0, 0)] if start is None else start, N, M, "start")
    end = check_cells([(N - 1, M - 1)] if end is None else end, N, M, "end")
    gamma = check_gamma(gamma, minimum)
    return C, steps, W, start, end, gamma


# ----------------------------------------------------------------------------- a batch of problems (NumPy)


def check_batch_weights(W, S):
    """Return batched step weights as a float64 array of shape (B, 1 or N, 1 or M, S)."""
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 4 or W.shape[-1] != S:
        raise ValueError(f"weights must have shape (B, N, M, S) with S = {S}, got {W.shape}")
    _check_weight_values(W)
    return W


def check_batch_cells(cells, N_lengths, M_lengths, name):
    """Return a batch of boundary sets, int64 (B, K, 2) padded with -1 rows, each set without repeats.

    Every item needs at least one cell, and every cell must lie inside its
    item's ``N_lengths[b] x M_lengths[b]`` grid.
    """
    cells = np.asarray(cells, dtype=np.int64)
    if cells.ndim != 3 or cells.shape[2] != 2:
        raise ValueError(f"{name} must have shape (B, K, 2), got {cells.shape}")
    valid = cells[..., 0] >= 0
    if not valid.any(axis=1).all():
        raise ValueError(f"{name} must hold at least one cell for every item")
    inside = ((cells[..., 0] < N_lengths[:, None]) & (cells[..., 1] >= 0)
              & (cells[..., 1] < M_lengths[:, None]))
    if (valid & ~inside).any():
        raise ValueError(f"{name} has cells outside an item's (N, M) lengths")
    return _unique_cells(cells, valid)


def _unique_cells(cells, valid):
    """Boundary sets are sets: drop repeated cells of an item, keep the -1 padding.

    Repeats are found by sorting one integer key per cell, not by comparing
    all pairs: subsequence sets hold a cell per frame (thousands).
    """
    key = np.where(valid, cells[..., 0] * (cells[..., 1].max() + 1) + cells[..., 1], -1)
    key = np.sort(key, axis=1)
    if not ((key[:, 1:] == key[:, :-1]) & (key[:, 1:] >= 0)).any():
        return cells
    unique = [np.unique(cells[b][valid[b]], axis=0) for b in range(len(cells))]
    out = np.full((len(cells), max(len(u) for u in unique), 2), -1, dtype=np.int64)
    for b, u in enumerate(unique):
        out[b, : len(u)] = u
    return out


# ----------------------------------------------------------------------------- the tensors of the losses (torch)


def check_cost_tensor(C, name="C"):
    """A float32 or float64 torch tensor of shape (B, N, M), all sizes >= 1."""
    import torch
    if not isinstance(C, torch.Tensor):
        raise ValueError(f"{name} must be a torch tensor, got {type(C).__name__}")
    if C.dim() != 3 or min(C.shape) < 1:
        raise ValueError(f"{name} must have shape (B, N, M) with B, N, M >= 1, got {tuple(C.shape)}")
    if C.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"{name} must be float32 or float64, got {C.dtype}")


def check_predictions_and_targets(X, Y, channels_before_classes=0):
    """Predictions X (B, N, extra + K) and multi-hot targets Y (B, M, K) of the multi-label losses.

    ``channels_before_classes`` is 1 for multi-label CTC (the blank in X's
    channel 0), 0 for the soft-DTW losses.
    """
    import torch
    for name, T in (("X", X), ("Y", Y)):
        if not isinstance(T, torch.Tensor):
            raise ValueError(f"{name} must be a torch tensor, got {type(T).__name__}")
        if T.dim() != 3 or min(T.shape[:2]) < 1:
            raise ValueError(f"{name} must have shape (B, {'N' if name == 'X' else 'M'}, channels) "
                             f"with sizes >= 1, got {tuple(T.shape)}")
    if X.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"X must be float32 or float64, got {X.dtype}")
    if not Y.dtype.is_floating_point:
        raise ValueError(f"Y must be a float tensor (multi-hot), got {Y.dtype}")
    extra = channels_before_classes
    if X.shape[0] != Y.shape[0] or X.shape[2] != Y.shape[2] + extra:
        layout = "(B, N, 1 + K) with the blank in channel 0" if extra else "(B, N, K)"
        raise ValueError(f"X must have shape {layout} for Y of shape (B, M, K) = {tuple(Y.shape)}, "
                         f"got {tuple(X.shape)}")


def check_lengths(lengths, full, batch, name):
    """Lengths as an int64 array (B,), each in [1, full] (all ``full`` if None)."""
    import torch
    if lengths is None:
        return np.full(batch, full, dtype=np.int64)
    lengths = torch.as_tensor(lengths).detach().cpu()
    if lengths.dtype.is_floating_point or lengths.dtype == torch.bool:
        hint = " (options such as gamma are keyword-only)" if lengths.dim() == 0 else ""
        raise ValueError(f"{name} must hold integers, got {lengths.dtype}{hint}")
    lengths = lengths.numpy().astype(np.int64).reshape(-1)
    if lengths.shape != (batch,):
        raise ValueError(f"{name} must have shape ({batch},), got {tuple(lengths.shape)}")
    if (lengths < 1).any() or (lengths > full).any():
        raise ValueError(f"{name} must lie in [1, {full}], got {lengths.tolist()}")
    return lengths


def check_finite_within(C, N_lengths, M_lengths, name, what="the given lengths"):
    """ValueError unless every C[b, :N_b, :M_b] is finite (padding may hold anything).

    CUDA tensors are checked on their device (no host copy); CPU tensors item by
    item through NumPy views, which is much faster than torch's masked ops here.
    """
    import torch
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


def check_log_probs(log_probs, input_lengths, target_lengths):
    """CTC log-probabilities: a float tensor in torch's layout (T, B, K); returns (T, B, K).

    A batch-first tensor (B, T, K) would otherwise fail later with a
    confusing message about the lengths; it is recognized when its first
    axis, not its second, matches the number of lengths given.
    """
    import torch
    if not isinstance(log_probs, torch.Tensor) or log_probs.dim() != 3:
        raise ValueError(f"log_probs must be a tensor of shape (T, B, K), got {getattr(log_probs, 'shape', None)}")
    if log_probs.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"log_probs must be float32 or float64, got {log_probs.dtype}")
    T, B, K = log_probs.shape
    counts = {_count(lengths) for lengths in (input_lengths, target_lengths)}
    if counts == {T} and T != B:
        raise ValueError(f"log_probs must have the layout (T, B, K), time first as in "
                         f"torch.nn.functional.ctc_loss; got shape {tuple(log_probs.shape)}, which looks "
                         f"batch-first (B, T, K) for {T} items: pass log_probs.transpose(0, 1)")
    return T, B, K


def _count(lengths):
    """How many lengths a sequence or tensor holds (None if it is no sequence of numbers)."""
    import torch
    try:
        return torch.as_tensor(lengths).numel()
    except (TypeError, ValueError, RuntimeError):
        return None


def check_ctc_targets(targets, target_lengths, B, K, blank):
    """Per-item label arrays from padded (B, S) or concatenated targets (torch's two formats).

    Also checks that ``blank`` is one of the K classes and that no label is the blank.
    """
    import torch
    check_blank(blank, K, optional=False)
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


def check_blank(blank, K, optional=True):
    """Raise ValueError unless ``blank`` is a channel index in [0, K), or None where ``optional``.

    ``blank`` is the index of the CTC blank's channel (book/notation.md), never a flag: a bool
    is refused, so that ``True`` is not read as channel 1.
    """
    if blank is None and optional:
        return
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or not 0 <= blank < K:
        expected = "None or a channel index" if optional else "a class index"
        raise ValueError(f"blank must be {expected} in [0, {K}), got {blank!r}")


def check_reduction(reduction):
    """Raise a ValueError unless ``reduction`` is one of ``REDUCTIONS``."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
