"""ddtw-edu: differentiable DTW (dDTW) from Zeitler & Müller (IEEE TASLP 2026), for teaching and training.

Main entry points
-----------------
ddtw        dDTW of one cost matrix as NumPy (value, D, E, H), any building blocks
sdtw_loss   soft-DTW loss for torch (Table I: SDTW-D, SDTW-E, -W variants)
ctc_loss    CTC as dDTW for torch, same conventions as torch.nn.functional.ctc_loss
multilabel_ctc_loss, bce_sdtw_loss   the multi-label losses of Sec. VI-B

Names that need torch or Numba are imported on first use, so that the pure NumPy
parts (``ddtw_edu.reference``, ``ddtw_edu.configs``, ...) load in a fraction of a
second on their own.
"""
import importlib

from .configs import CONFIGS, CTC_CONFIGS, SDTW_CONFIGS, ctc_config, extended_labels, sdtw_config

__version__ = "0.1.0"

_LAZY = {"ddtw": "alignment", "DDTWResult": "alignment", "BatchProblem": "backends.problem", "ctc_loss": "losses",
         "sdtw_loss": "losses", "ddtw_loss": "losses", "multilabel_ctc_loss": "losses", "bce_sdtw_loss": "losses"}


def __getattr__(name):
    """Import a lazy name, or a subpackage used as an attribute (``ddtw_edu.backends``), on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    elif not name.startswith("_"):
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = ["ddtw", "DDTWResult", "BatchProblem", "CONFIGS", "CTC_CONFIGS", "SDTW_CONFIGS", "ctc_config",
           "sdtw_config", "extended_labels", "ctc_loss", "sdtw_loss", "ddtw_loss", "multilabel_ctc_loss",
           "bce_sdtw_loss"]
