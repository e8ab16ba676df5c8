"""The training objectives compared in Sec. VII: the ten Table I configurations and the two baselines.

An objective maps the network's predictions X (probabilities, shape (B, N, D))
and a collated batch (:func:`ddtw_edu.data.batching.collate_sequences`) to a
scalar loss. Which targets and which cost it uses:

============  =====  ====================================================  ==========================
config        D      single-label (MTD)                                    multi-label (SWD)
============  =====  ====================================================  ==========================
CTC-*         13     ``ctc_loss`` on log X, labels ``ctc`` (Eq. 26)        ``multilabel_ctc_loss``
                                                                           on ``weak`` (Eq. 28-30)
SDTW-*        12     ``sdtw_loss`` of ``nll_cost`` on ``weak`` (Eq. 27)    ``bce_sdtw_loss`` (Eq. 31)
EM            12     frame-wise NLL on the EM targets (:mod:`.em`)         frame-wise BCE on them
strong        12     frame-wise NLL on ``strong``                          frame-wise BCE on ``strong``
============  =====  ====================================================  ==========================

Single-label frame losses skip rests (all-zero target rows), which have no
class to predict. Impossible alignments (CTC with too few frames) count as
zero loss, as ``zero_infinity=True`` does in torch.
"""
import torch

from ..configs import CONFIGS, CTC_CONFIGS, SDTW_CONFIGS
from ..costs import EPS, bce_cost, nll_cost
from ..losses import ctc_loss, multilabel_ctc_loss, sdtw_loss
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
    """

    def __init__(self, config, multilabel, gamma=1.0, backend=None):
        self.config = check_training_config(config)
        self.multilabel = bool(multilabel)
        self.gamma = gamma
        self.backend = backend

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
        N_lengths = batch["input_lengths"]
        M_lengths = batch["target_lengths"]
        if self.config in CTC_CONFIGS and self.multilabel:
            return multilabel_ctc_loss(X, batch["weak"], N_lengths, M_lengths["weak"], self.config, self.gamma,
                                       reduction="mean", zero_infinity=True, backend=self.backend)
        if self.config in CTC_CONFIGS:
            log_probs = torch.log(X.clamp_min(EPS)).transpose(0, 1)
            return ctc_loss(log_probs, batch["ctc"], N_lengths, M_lengths["ctc"], reduction="mean",
                            zero_infinity=True, config=self.config, gamma=self.gamma, backend=self.backend)
        cost = bce_cost if self.multilabel else nll_cost
        if self.config in SDTW_CONFIGS:
            return sdtw_loss(cost(X, batch["weak"]), self.gamma, self.config, N_lengths, M_lengths["weak"],
                             reduction="mean", backend=self.backend)
        if self.config == "EM":
            targets = compute_em_targets(X, batch["stretched"], N_lengths, cost, backend=self.backend)
        else:
            targets = batch["strong"]
        return frame_loss(X, targets, N_lengths, self.multilabel)

    def __repr__(self):
        return f"Objective({self.config!r}, multilabel={self.multilabel}, gamma={self.gamma})"


__all__ = ["BASELINES", "TRAINING_CONFIGS", "check_training_config", "uses_blank", "frame_loss", "Objective"]
