"""The two networks of the experiments (Sec. VII), each in a paper-sized and a small variant.

melody_cnn       MelodyCNN, main-melody pitch classes on MTD (Table II), softmax outputs
pitch_class_cnn  PitchClassCNN, polyphonic pitch classes on SWD (Table V), sigmoid outputs

Both map HCQT features (B, 6, 216, N + context) to probabilities X (B, N, 12 + Z), the blank
(Z = 1) in channel 0, and offer ``logits`` before the output activation.

============================  =====================  =====================
variant                       Z = 0                  Z = 1
============================  =====================  =====================
MelodyCNN, "paper"            72753                  72970
MelodyCNN, "small"            7249                   7466
PitchClassCNN, "paper"        48315                  48388
PitchClassCNN, "small"        9543                   9616
============================  =====================  =====================
"""
from .melody_cnn import MelodyCNN, check_choice
from .pitch_class_cnn import PitchClassCNN

MODELS = {"mtd": MelodyCNN, "swd": PitchClassCNN}


def build_model(task, blank=False, size="paper"):
    """The network of a task.

    Parameters
    ----------
    task : {"mtd", "swd"}
        "mtd": :class:`MelodyCNN` (single-label); "swd": :class:`PitchClassCNN` (multi-label).
    blank : bool
        Add a blank output in channel 0 (for the CTC configurations of Table I).
    size : {"paper", "small"}
        The paper's network or its smaller CPU variant.

    Returns
    -------
    model : torch.nn.Module
    """
    check_choice(task, "task", tuple(MODELS))
    return MODELS[task](blank=blank, size=size)


def count_parameters(model):
    """Number of trainable parameters (the "# Parameters" of Tables II and V).

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    count : int
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = ["MelodyCNN", "PitchClassCNN", "MODELS", "build_model", "count_parameters"]
