"""The training objectives compared in Sec. VII: the ten Table I configurations and the two baselines.

An objective maps the network's predictions X (probabilities, shape (B, N, D))
and a collated batch (:func:`ddtw_edu.data.batching.collate_sequences`) to a
scalar loss. Which targets and which cost it uses:

============  =====  ====================================================  ==========================
config        D      single-label (MTD)                                    multi-label (SWD)
============  =====  ====================================================  ==========================
CTC-*         13     ``ctc_loss`` on log X, labels ``ctc`` (Eq. 26)        ``multilabel_ctc_loss``
                                                                           on ``weak`` (Eq. 28-30)
SDTW-*        12     ``sdtw_loss`` of ``nll_cost`` on ``weak`` (Eq. 27)    ``sdtw_loss`` of ``bce_cost``
                                                                           on ``weak`` (Eq. 31)
EM            12     frame-wise NLL on the EM targets (:mod:`.em`)         frame-wise BCE on them
strong        12     frame-wise NLL on ``strong``                          frame-wise BCE on ``strong``
============  =====  ====================================================  ==========================

:func:`config_cost` holds this mapping (cost and targets) for the training
here and for the soft alignments of :mod:`ddtw_edu.experiments.alignments`.

Single-label frame losses skip rests (all-zero target rows), which have no
class to predict. Impossible alignments (CTC with too few frames) count as
zero loss, as ``zero_infinity=True`` does in torch.
"""
from functools import partial

import torch

from ..configs import CONFIGS, CTC_CONFIGS, SDTW_CONFIGS
from ..costs import EPS, bce_cost, ctc_cost, mctc_cost, nll_cost
from ..losses import ctc_loss, multilabel_ctc_loss, sdtw_loss
from ..protocols import get_protocol
from .em import compute_em_targets

BASELINES = ("EM", "strong")
TRAINING_CONFIGS = CONFIGS + BASELINES


def check_training_config(config):
    """Raise a ValueError unless ``config`` names a Table I configuration or a baseline."""
    if config not in TRAINING_CONFIGS:
        raise ValueError(f"config must be one of {TRAINING_CONFIGS}, got {config!r}")
    return config


def uses_blank(config):
    """True for the CTC configurations, whose networks have the blank as output channel 0 (D = 13)."""
    return check_training_config(config) in CTC_CONFIGS


def config_cost(config, multilabel, protocol="table1"):
    """The cost a configuration uses on a task, and the targets it aligns with (the table above).

    The one place of this mapping: :class:`Objective` trains with it, and
    :func:`ddtw_edu.experiments.alignments.compute_soft_alignment` draws it.

    Parameters
    ----------
    config : str
        A Table I configuration, "EM" or "strong".
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
        configuration ``nll_cost`` (Eq. 27) or ``bce_cost`` (Eq. 31).
    targets : str
        Key of the targets in a collated batch: "ctc" (label indices,
        single-label CTC), "weak", "stretched" (EM) or "strong".
    """
    check_training_config(config)
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

    Parameters
    ----------
    config : str
        A Table I configuration (``ddtw_edu.CONFIGS``), "EM" or "strong".
    multilabel : bool
        False for the single-label MTD task, True for the multi-label SWD task.
    gamma : float
        Softmin temperature of the dDTW losses.
    backend : {"numba", "numpy", "cuda"} or None
        dDTW backend (None: numba); use "cuda" for predictions on a GPU.
    protocol : {"table1", "authors"}
        Table I as printed, or the authors' code (:mod:`ddtw_edu.protocols`):
        their CTC step weights and, for the single-label SDTW cost, rests
        that cost nothing.
    """

    def __init__(self, config, multilabel, gamma=1.0, backend=None, protocol="table1"):
        self.config = check_training_config(config)
        self.multilabel = bool(multilabel)
        self.gamma = gamma
        self.backend = backend
        self.protocol = get_protocol(protocol)

    @property
    def n_outputs(self):
        """D, the number of network outputs this objective expects (13 with the blank, else 12)."""
        return 13 if uses_blank(self.config) else 12

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
        options = dict(config=self.config, gamma=self.gamma, reduction="mean", backend=self.backend)
        if self.config in SDTW_CONFIGS:
            return sdtw_loss(cost(X, targets), N_lengths, M_lengths, **options)
        if self.multilabel:
            return multilabel_ctc_loss(X, targets, N_lengths, M_lengths, zero_infinity=True,
                                       protocol=self.protocol.name, **options)
        log_probs = torch.log(X.clamp_min(EPS)).transpose(0, 1)     # dDTW on cost(X, Y^e), gathered from log X
        return ctc_loss(log_probs, targets, N_lengths, M_lengths, zero_infinity=True, protocol=self.protocol.name,
                        **options)

    def __repr__(self):
        return (f"Objective({self.config!r}, multilabel={self.multilabel}, gamma={self.gamma}, "
                f"protocol={self.protocol.name!r})")


__all__ = ["BASELINES", "TRAINING_CONFIGS", "check_training_config", "uses_blank", "config_cost", "frame_loss",
           "Objective"]
