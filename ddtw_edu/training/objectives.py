"""The training objectives compared in Sec. VII: the ten Table I configurations and the two baselines.

Beside them, the extensions of the paper's future work (Sec. VIII), not part of the default
experiments: the onset configurations of :mod:`ddtw_edu.onsets` (``EXTENSION_CONFIGS``), and a
choice of the minimum function for every dDTW loss (``Objective(..., minimum=...)``).

An objective maps the network's predictions X (probabilities, shape (B, N, K))
and a collated batch (:func:`ddtw_edu.data.batching.collate_sequences`) to a
scalar loss. Which targets and which cost it uses:

============  =====  ====================================================  ==========================
config        K      single-label (MTD)                                    multi-label (SWD)
============  =====  ====================================================  ==========================
CTC-*         13     ``ctc_loss`` on log X, labels ``ctc`` (Eq. 26)        ``multilabel_ctc_loss``
                                                                           on ``weak`` (Eq. 28-30)
SDTW-*        12     ``sdtw_loss`` of ``nll_cost`` on ``weak`` (Eq. 27)    ``sdtw_loss`` of ``bce_cost``
                                                                           on ``weak`` (Eq. 31)
EM            12     frame-wise NLL on the EM targets (:mod:`.em`)         frame-wise BCE on them
strong        12     frame-wise NLL on ``strong``                          frame-wise BCE on ``strong``
*-ONSET       13     ``onset_loss`` of ``onset_cost`` on ``ctc``, onsets   (none: single-label only)
                     in channel 0 (:mod:`ddtw_edu.onsets`)
============  =====  ====================================================  ==========================

:func:`config_cost` holds this mapping (cost and targets) for the training
here and for the soft alignments of :mod:`ddtw_edu.experiments.alignments`.

Single-label frame losses skip rests (all-zero target rows), which have no
class to predict. Impossible alignments (CTC with too few frames) count as
zero loss, as ``zero_infinity=True`` does in torch; the soft-DTW and onset
losses keep them as ``inf`` (an onset configuration needs N >= 2M frames), and
the training loop skips a batch whose loss is not finite.

The minimum. Every dDTW loss takes ``minimum`` ("softmin", the paper's, "sparsemin" or
"hardmin", :mod:`ddtw_edu.minimum`), and so does the objective. The baselines have no soft
minimum to choose (EM aligns with the hard minimum anyway).

Book: chapter 7, "Twelve objectives"; chapter 9, "Repetitions without a blank" and "Which
minimum".
"""
from functools import partial

import torch

from ..configs import CONFIGS, CTC_CONFIGS, SDTW_CONFIGS
from ..costs import EPS, bce_cost, ctc_cost, mctc_cost, nll_cost
from ..losses import ctc_loss, multilabel_ctc_loss, sdtw_loss
from ..onsets import ONSET_CONFIGS, onset_cost, onset_loss
from ..parameters import check_gamma
from ..protocols import get_protocol
from .em import compute_em_targets

BASELINES = ("EM", "strong")
TRAINING_CONFIGS = CONFIGS + BASELINES
EXTENSION_CONFIGS = ONSET_CONFIGS       # the paper's future work (Sec. VIII); not in the default experiments


def check_training_config(config):
    """Raise a ValueError unless ``config`` names a Table I configuration, a baseline or an extension."""
    if config not in TRAINING_CONFIGS + EXTENSION_CONFIGS:
        raise ValueError(f"config must be one of {TRAINING_CONFIGS + EXTENSION_CONFIGS}, got {config!r}")
    return config


def uses_blank(config):
    """True for the CTC configurations, whose networks have the blank as output channel 0 (K = 13).

    This is the ``with_blank`` flag of :func:`ddtw_edu.models.build_model`; the losses, decoders
    and metrics take the blank's index instead, ``blank=0``.
    """
    return check_training_config(config) in CTC_CONFIGS


def uses_onset(config):
    """True for the onset configurations, whose networks have the onsets as output channel 0 (K = 13).

    This is the ``with_onset`` flag of :func:`ddtw_edu.models.build_model`.

    Book: chapter 9, "Repetitions without a blank".
    """
    return check_training_config(config) in ONSET_CONFIGS


def config_cost(config, multilabel, protocol="table1"):
    """The cost a configuration uses on a task, and the targets it aligns with (the table above).

    The one place of this mapping: :class:`Objective` trains with it, and
    :func:`ddtw_edu.experiments.alignments.compute_soft_alignment` draws it.

    Parameters
    ----------
    config : str
        A Table I configuration, "EM", "strong" or an onset configuration (single-label only).
    multilabel : bool
    protocol : {"table1", "authors"} or Protocol
        Its ``rest_cost`` sets the single-label cost of a rest (:func:`ddtw_edu.costs.nll_cost`).

    Returns
    -------
    cost : callable
        ``cost(X, Y) -> C`` of shape (..., N, M'): single-label CTC
        ``ctc_cost`` with ``eps = EPS`` (Y: the extended labels Y^e as class
        indices, Eq. 26 and 9; ``ctc_loss`` on ``log X.clamp_min(EPS)`` is dDTW
        on this C); multi-label CTC ``mctc_cost`` (Eq. 28-30); every other
        configuration ``nll_cost`` (Eq. 27) or ``bce_cost`` (Eq. 31); the onset
        configurations ``onset_cost`` with ``eps = EPS`` (Y: the notes' channel
        indices, :mod:`ddtw_edu.onsets`).
    targets : str
        Key of the targets in a collated batch: "ctc" (label indices,
        single-label CTC and the onset configurations), "weak", "stretched" (EM)
        or "strong".
    """
    if uses_onset(config):
        if multilabel:
            raise ValueError(f"config {config} is single-label only (its notes can repeat); got multilabel=True")
        return partial(onset_cost, eps=EPS), "ctc"
    if config in CTC_CONFIGS:
        return (mctc_cost, "weak") if multilabel else (partial(ctc_cost, eps=EPS), "ctc")
    cost = bce_cost if multilabel else partial(nll_cost, rest_cost=get_protocol(protocol).rest_cost)
    return cost, {"EM": "stretched", "strong": "strong"}.get(config, "weak")


def _frame_mask(X, lengths):
    """(B, N) True for the valid (unpadded) frames of each item."""
    return torch.arange(X.shape[1], device=X.device)[None, :] < lengths.to(X.device)[:, None]


def frame_loss(X, targets, lengths, multilabel):
    """Frame-wise loss against per-frame targets (the EM and strong baselines).

    Parameters
    ----------
    X : tensor, shape (B, N, 12)
        Predicted probabilities.
    targets : tensor, shape (B, N, 12)
        One-hot (single-label; all-zero rows are rests and are skipped) or
        multi-hot (multi-label) frame targets.
    lengths : int tensor, shape (B,)
    multilabel : bool
        Binary cross-entropy summed over classes (Eq. 31) if True, else the
        negative log-likelihood of the target class (Eq. 27).

    Returns
    -------
    scalar tensor
        Mean over the frames that count.
    """
    mask = _frame_mask(X, lengths)
    if multilabel:
        X = X.clamp(EPS, 1 - EPS)
        per_frame = -(targets * torch.log(X) + (1 - targets) * torch.log1p(-X)).sum(-1)
    else:
        per_frame = -(targets * torch.log(X.clamp_min(EPS))).sum(-1)
        mask = mask & (targets.sum(-1) > 0)
    return per_frame[mask].sum() / mask.sum().clamp_min(1)


class Objective:
    """Loss of one training configuration; call it as ``objective(X, batch)``.

    Book: chapter 7, "Twelve objectives".

    Parameters
    ----------
    config : str
        A Table I configuration (``ddtw_edu.CONFIGS``), "EM", "strong", or one of
        ``EXTENSION_CONFIGS`` (single-label only).
    multilabel : bool
        False for the single-label MTD task, True for the multi-label SWD task.
    gamma : float
        Temperature of the softmin or sparsemin of the dDTW losses (> 0; hardmin ignores it).
    backend : {"numba", "numpy", "cuda"} or None
        dDTW backend (None: numba); use "cuda" for predictions on a GPU.
    protocol : {"table1", "authors"}
        Table I as printed, or the authors' code (:mod:`ddtw_edu.protocols`):
        their CTC step weights and, for the single-label SDTW cost, rests
        that cost nothing.
    minimum : {"softmin", "sparsemin", "hardmin"}
        Minimum function of the dDTW losses (:mod:`ddtw_edu.minimum`): the paper's soft
        minimum, the sparse one, or the hard minimum, whose gradient follows the one best
        path (a subgradient). Book: chapter 9, "Which minimum".
    """

    def __init__(self, config, multilabel, gamma=1.0, backend=None, protocol="table1", minimum="softmin"):
        self.config = check_training_config(config)
        self.multilabel = bool(multilabel)
        if uses_onset(config):
            config_cost(config, self.multilabel)            # a ValueError for a multi-label task
        self.gamma = check_gamma(gamma, minimum)
        self.minimum = minimum
        self.backend = backend
        self.protocol = get_protocol(protocol)

    @property
    def n_outputs(self):
        """K, the number of network outputs this objective expects (13 with the blank or onsets, else 12)."""
        return 13 if uses_blank(self.config) or uses_onset(self.config) else 12

    def _check(self, X):
        if X.dim() != 3 or X.shape[-1] != self.n_outputs:
            raise ValueError(f"X must have shape (B, N, {self.n_outputs}) for config {self.config}, "
                             f"got {tuple(X.shape)}")

    def __call__(self, X, batch):
        self._check(X)
        cost, key = config_cost(self.config, self.multilabel, self.protocol)
        targets, N_lengths = batch[key], batch["input_lengths"]
        if self.config in BASELINES:
            if self.config == "EM":
                targets = compute_em_targets(X, targets, N_lengths, cost, backend=self.backend)
            return frame_loss(X, targets, N_lengths, self.multilabel)
        M_lengths = batch["target_lengths"][key]
        options = dict(config=self.config, gamma=self.gamma, minimum=self.minimum, reduction="mean",
                       backend=self.backend)
        if self.config in SDTW_CONFIGS:
            return sdtw_loss(cost(X, targets), N_lengths, M_lengths, **options)
        if self.config in ONSET_CONFIGS:
            return onset_loss(X, targets, N_lengths, M_lengths, **options)
        if self.multilabel:
            return multilabel_ctc_loss(X, targets, N_lengths, M_lengths, zero_infinity=True,
                                       protocol=self.protocol.name, **options)
        log_probs = torch.log(X.clamp_min(EPS)).transpose(0, 1)     # dDTW on cost(X, Y^e), gathered from log X
        return ctc_loss(log_probs, targets, N_lengths, M_lengths, zero_infinity=True, protocol=self.protocol.name,
                        **options)

    def __repr__(self):
        return (f"Objective({self.config!r}, multilabel={self.multilabel}, gamma={self.gamma}, "
                f"protocol={self.protocol.name!r}, minimum={self.minimum!r})")


__all__ = ["BASELINES", "TRAINING_CONFIGS", "EXTENSION_CONFIGS", "check_training_config", "uses_blank",
           "uses_onset", "config_cost", "frame_loss", "Objective"]
