"""ddtw-edu: differentiable DTW (dDTW) from Zeitler & Müller (IEEE TASLP 2026), for teaching and training.

Main entry points
-----------------
ddtw        dDTW of one cost matrix as NumPy (value, D, E, H), any building blocks
sdtw_loss   soft-DTW loss for torch (Table I: SDTW-D, SDTW-E, -W variants)
ctc_loss    CTC as dDTW for torch, same conventions as torch.nn.functional.ctc_loss
multilabel_ctc_loss, bce_sdtw_loss   the multi-label losses of Sec. VI-B
"""
from .alignment import DDTWResult, ddtw
from .batch import BatchProblem
from .configs import CONFIGS, CTC_CONFIGS, SDTW_CONFIGS, ctc_config, extended_labels, sdtw_config
from .losses import bce_sdtw_loss, ctc_loss, ddtw_loss, multilabel_ctc_loss, sdtw_loss

__version__ = "0.1.0"
__all__ = ["ddtw", "DDTWResult", "BatchProblem", "CONFIGS", "CTC_CONFIGS", "SDTW_CONFIGS", "ctc_config",
           "sdtw_config", "extended_labels", "ctc_loss", "sdtw_loss", "ddtw_loss", "multilabel_ctc_loss",
           "bce_sdtw_loss"]
