"""dDTW losses for torch: an autograd Function with the analytic backward (Alg. 2).

The recursion runs in a backend ("numba" by default, "numpy" for the
reference) on detached CPU arrays, or with "cuda" on the GPU (torch CUDA
tensors stay on the device, without host copies); the gradient with respect to the cost
matrix is H of Eq. (18), so autograd never unrolls the recursion. Costs built
from network outputs (e.g. ``-log_probs`` gathered at the labels) are ordinary
torch operations, and autograd chains through them as usual.

Every loss builds the building blocks of each item with
:func:`ddtw_edu.configs.ctc_config` or :func:`ddtw_edu.configs.sdtw_config`
(Table I) and stacks them with
:meth:`ddtw_edu.backends.problem.BatchProblem.from_configs`.

Book: chapter 3, "Against PyTorch on random problems" (:func:`ctc_loss`);
chapter 5, "CTC-A versus SDTW-E on the same predictions" (the multi-label
losses); chapter 6, "Do the backends agree?"; chapter 9, "Subsequence dDTW".

Arguments, the same in every loss
---------------------------------
Positional arguments are the data, in the order of
``torch.nn.functional.ctc_loss``: the predictions (or the cost matrices), the
targets, ``input_lengths``, ``target_lengths``. :func:`ctc_loss` keeps all of
torch's positional order (``blank``, ``reduction``, ``zero_infinity`` follow);
every other argument is keyword-only. Defaults, wherever an argument appears:

==================  ==========================================================================
input_lengths,      None: every item uses the full padded N (and M); item b uses
target_lengths      ``input_lengths[b]`` frames and ``target_lengths[b]`` targets
config              "CTC-A" for the CTC losses, "SDTW-E" for the soft-DTW losses (Table I)
gamma               1.0, a positive number; CTC-A with gamma = 1 is CTC
minimum             "softmin"; "sparsemin" or "hardmin" (:mod:`ddtw_edu.minimum`). CTC-A with
                    gamma = 1 and softmin is CTC
reduction           "mean" for the losses of predictions and targets, as torch's losses
                    (:func:`ctc_loss` and :func:`multilabel_ctc_loss` first divide each value by
                    its target length, as torch's CTC does); "none" for the losses of given cost
                    matrices (:func:`sdtw_loss`, :func:`ddtw_loss`): one value per item
zero_infinity       False: an item without a valid alignment keeps the loss inf (CTC losses)
backend             None, which means "numba"; "numpy" (the reference) or "cuda"
                    (:mod:`ddtw_edu.backends`)
eps                 ``ddtw_edu.costs.EPS`` = 1e-7: probabilities are clipped before a log
protocol            "table1", Table I as printed; "authors", the authors' code
                    (:mod:`ddtw_edu.protocols`) (CTC losses)
subsequence         False: the paths start at the first frame and end at the last; True: they
                    may start and end at any frame of each item's N_b frames (boundary sets
                    of :func:`ddtw_edu.configs.sdtw_config` / :func:`ddtw_edu.configs.ctc_config`)
                    (every loss but :func:`ddtw_loss`, whose problem holds its own sets)
==================  ==========================================================================
"""
import numpy as np
import torch

from .backends import get_backend
from .backends.gathered import GatheredCosts
from .backends.problem import BatchProblem
from .configs import (CTC_CONFIGS, SDTW_CONFIGS, check_config_name, check_subsequence, ctc_config, extended_labels,
                      sdtw_config)
from .costs import EPS, bce_cost, mctc_cost
from .parameters import (check_cost_tensor, check_ctc_targets, check_finite_within, check_lengths, check_log_probs,
                         check_predictions_and_targets, check_reduction)

DEFAULT_BACKEND = "numba"


class DDTWFunction(torch.autograd.Function):
    """values[b] = dDTW(C[b]) for a batch; backward returns grad[b] * H[b].

    ``backend`` is a name of :data:`ddtw_edu.backends.BACKENDS`. With ``Ye``
    given, the input is ``log_probs`` (T, B, K) and the costs are gathered
    from it (Eq. 9) inside the backend.
    """

    @staticmethod
    def forward(ctx, C, problem, backend, Ye=None):
        ctx.save_for_backward(C)                 # autograd frees it after backward unless retain_graph
        ctx.problem, ctx.backend, ctx.Ye = problem, get_backend(backend), Ye
        values, ctx.state = _run_forward(C, problem, ctx.backend, Ye)
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
        H = ctx.backend.backward(state, grad)
        H = H if isinstance(H, torch.Tensor) else torch.from_numpy(H)
        return H.to(C.device), None, None, None


def _on_device(C, backend):
    """True if the backend works on C's own (CUDA) memory rather than on a host copy."""
    return backend.RUNS_ON == "cuda" and C.is_cuda


def _run_forward(C, problem, backend, Ye):
    array = C.detach() if _on_device(C, backend) else C.detach().cpu().numpy()
    if Ye is not None:
        array = GatheredCosts(array, Ye)
    return backend.forward(array, problem)


def _backend_name(backend):
    return DEFAULT_BACKEND if backend is None else backend


def _reduce(values, reduction, normalizer=None):
    check_reduction(reduction)
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    if normalizer is not None:
        values = values / normalizer
    return values.mean()


def ddtw_loss(C, problem, *, reduction="none", backend=None):
    """dDTW values of a batch of cost matrices under any :class:`~ddtw_edu.backends.problem.BatchProblem`.

    Parameters
    ----------
    C : tensor, shape (B, N, M), float32 or float64
    problem : BatchProblem
    reduction : {"none", "mean", "sum"}
    backend : {"numba", "numpy", "cuda"} or None (numba)
    """
    check_cost_tensor(C)
    check_finite_within(C, problem.N_lengths, problem.M_lengths, "C")
    values = DDTWFunction.apply(C, problem, _backend_name(backend))
    return _reduce(values, reduction)


def sdtw_loss(C, input_lengths=None, target_lengths=None, *, config="SDTW-E", gamma=1.0, minimum="softmin",
              reduction="none", backend=None, subsequence=False):
    """Soft-DTW loss of a batch of cost matrices (Table I, SDTW-D/E and -W variants).

    Book: chapter 4, "Every configuration of Table I"; chapter 6, "Do the
    backends agree?"; chapter 9, "Subsequence dDTW".

    Parameters
    ----------
    C : tensor, shape (B, N, M)
        Cost matrices; item b uses ``C[b, :input_lengths[b], :target_lengths[b]]``.
    input_lengths, target_lengths : None or int tensor, shape (B,)
        Valid N and M of each item (default: full).
    config : str
        "SDTW-D", "SDTW-E", "SDTW-D-W" or "SDTW-E-W".
    gamma : float
        Softmin temperature (> 0).
    minimum : {"softmin", "hardmin", "sparsemin"}
    reduction : {"none", "mean", "sum"}
    backend : {"numba", "numpy", "cuda"} or None (numba)
    subsequence : bool
        True: the M_b labels of item b may start and end at any of its N_b
        frames (:func:`ddtw_edu.configs.sdtw_config`); the value is then the
        minimum (softmin) over all windows of frames of the ordinary value.

    Returns
    -------
    tensor, shape (B,) for reduction "none", else a scalar
    """
    check_cost_tensor(C)
    check_config_name(config, SDTW_CONFIGS)
    check_subsequence(subsequence)
    B, N, M = C.shape
    N_lengths = check_lengths(input_lengths, N, B, "input_lengths")
    M_lengths = check_lengths(target_lengths, M, B, "target_lengths")
    configs = [sdtw_config(N_b, M_b, config, subsequence) for N_b, M_b in zip(N_lengths, M_lengths)]
    problem = BatchProblem.from_configs(configs, N_lengths, M_lengths, N, M, gamma, minimum)
    return ddtw_loss(C, problem, reduction=reduction, backend=backend)


def _finish_ctc(values, target_lengths, reduction, zero_infinity):
    if zero_infinity:
        values = torch.where(torch.isinf(values), torch.zeros_like(values), values)
    normalizer = torch.as_tensor(target_lengths, dtype=values.dtype, device=values.device).clamp_min(1)
    return _reduce(values, reduction, normalizer)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False, *,
             config="CTC-A", gamma=1.0, minimum="softmin", backend=None, protocol="table1", subsequence=False):
    """CTC loss as dDTW on C = -log p (Eq. 9-10), with torch's conventions.

    Book: chapter 3, "Against PyTorch on random problems"; chapter 9,
    "Subsequence dDTW".

    With ``config="CTC-A"`` and ``gamma=1`` it equals
    ``torch.nn.functional.ctc_loss`` in value and in the gradient with respect
    to the logits. The gradient with respect to ``log_probs`` is the true
    derivative; torch's differs from it by ``exp(log_probs)`` because torch
    assumes a log_softmax in front.

    Parameters
    ----------
    log_probs : tensor, shape (T, B, K)
        Log-probabilities of the K classes (blank included), time first as
        in torch (a batch-first (B, T, K) tensor is recognized and rejected).
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
    minimum : {"softmin", "sparsemin", "hardmin"}
        The differentiable minimum of the recursion; softmin gives CTC.
    backend : {"numba", "numpy", "cuda"} or None (numba)
    protocol : {"table1", "authors"}
        Step weights of Table I as printed, or of the authors' code
        (:func:`ddtw_edu.configs.ctc_weights`, :mod:`ddtw_edu.protocols`).
    subsequence : bool
        True: Y^e of item b may start and end at any of its
        ``input_lengths[b]`` frames (:func:`ddtw_edu.configs.ctc_config`), so
        the targets need to occur in a part of the input only; no longer
        torch's CTC. ``reduction`` and ``zero_infinity`` act as without it.
    """
    check_config_name(config, CTC_CONFIGS)
    check_subsequence(subsequence)
    T, B, K = check_log_probs(log_probs, input_lengths, target_lengths)
    labels = check_ctc_targets(targets, target_lengths, B, K, blank)
    N_lengths = check_lengths(input_lengths, T, B, "input_lengths")
    M_lengths = np.array([len(y) for y in labels], dtype=np.int64)
    M_max = int(M_lengths.max())
    Ye = np.full((B, 2 * M_max + 1), blank, dtype=np.int64)
    for b, y in enumerate(labels):
        Ye[b, : 2 * len(y) + 1] = extended_labels(y, blank)
    check_finite_within(log_probs.transpose(0, 1), N_lengths, np.full(B, K), "log_probs", "input_lengths")
    configs = [ctc_config(y, N, config, blank, protocol, subsequence) for y, N in zip(labels, N_lengths)]
    problem = BatchProblem.from_configs(configs, N_lengths, 2 * M_lengths + 1, T, 2 * M_max + 1, gamma, minimum)
    values = DDTWFunction.apply(log_probs, problem, _backend_name(backend), Ye)   # C of Eq. (9)
    return _finish_ctc(values, M_lengths, reduction, zero_infinity)


def multilabel_ctc_loss(X, Y, input_lengths=None, target_lengths=None, *, config="CTC-A", gamma=1.0,
                        minimum="softmin", reduction="mean", zero_infinity=False, backend=None, eps=EPS,
                        protocol="table1", subsequence=False):
    """Multi-label CTC (MCTC) loss, Eq. (28-30), for any CTC configuration of Table I.

    Book: chapter 5, "CTC-A versus SDTW-E on the same predictions".

    Parameters
    ----------
    X : tensor, shape (B, N, 1 + K)
        Probabilities: blank in channel 0, K class activations after it.
    Y : tensor, shape (B, M, K)
        Multi-hot target sequences (all zeros for a rest).
    input_lengths, target_lengths : None or int tensor, shape (B,)
    config, gamma, minimum, reduction, zero_infinity, backend, protocol, subsequence
        As in :func:`ctc_loss`.
    eps : float
        Clipping of the probabilities (:func:`ddtw_edu.costs.mctc_cost`).
    """
    check_config_name(config, CTC_CONFIGS)
    check_subsequence(subsequence)
    check_predictions_and_targets(X, Y, channels_before_classes=1)
    B, N, _ = X.shape
    M_max = Y.shape[1]
    N_lengths = check_lengths(input_lengths, N, B, "input_lengths")
    M_lengths = check_lengths(target_lengths, M_max, B, "target_lengths")
    C = mctc_cost(X, Y, eps)
    Y_np = Y.detach().cpu().numpy()
    configs = [ctc_config(Y_np[b, : M_lengths[b]], N_lengths[b], config, protocol=protocol, subsequence=subsequence)
               for b in range(B)]
    problem = BatchProblem.from_configs(configs, N_lengths, 2 * M_lengths + 1, N, 2 * M_max + 1, gamma, minimum)
    values = ddtw_loss(C, problem, reduction="none", backend=backend)
    return _finish_ctc(values, M_lengths, reduction, zero_infinity)


def bce_sdtw_loss(X, Y, input_lengths=None, target_lengths=None, *, config="SDTW-E", gamma=1.0, minimum="softmin",
                  reduction="mean", backend=None, eps=EPS, subsequence=False):
    """SDTW with the binary cross-entropy cost of Eq. (31), for multi-label targets.

    Book: chapter 5, "Multi-label: binary cross-entropy for soft-DTW".

    Parameters
    ----------
    X : tensor, shape (B, N, K)
        Class probabilities (e.g. sigmoids).
    Y : tensor, shape (B, M, K)
        Multi-hot target sequence.
    input_lengths, target_lengths, config, gamma, minimum, reduction, backend, subsequence
        As in :func:`sdtw_loss`, except that ``reduction`` defaults to "mean".
    eps : float
        Clipping of the probabilities (:func:`ddtw_edu.costs.bce_cost`).
    """
    check_predictions_and_targets(X, Y)
    return sdtw_loss(bce_cost(X, Y, eps), input_lengths, target_lengths, config=config, gamma=gamma,
                     minimum=minimum, reduction=reduction, backend=backend, subsequence=subsequence)


__all__ = ["DDTWFunction", "ddtw_loss", "sdtw_loss", "ctc_loss", "multilabel_ctc_loss", "bce_sdtw_loss"]
