"""The two networks of the experiments (Sec. VII), each in a paper-sized and a small variant.

melody_cnn       MelodyCNN, main-melody pitch classes on MTD (Table II), softmax outputs
pitch_class_cnn  PitchClassCNN, polyphonic pitch classes on SWD (Table V), sigmoid outputs

Both map HCQT features (B, 6, 216, N + context) to probabilities X (B, N, 12 + Z), the blank
(Z = 1) in channel 0, and offer ``logits`` before the output activation. MelodyCNN can put an
onset channel in channel 0 instead (``with_onset=True``, Z = 1, as many parameters as the
blank; :mod:`ddtw_edu.onsets`).

============================  =====================  =====================
variant                       Z = 0                  Z = 1
============================  =====================  =====================
MelodyCNN, "paper"            72753                  72970
MelodyCNN, "small"            7249                   7466
PitchClassCNN, "paper"        48315                  48388
PitchClassCNN, "small"        9543                   9616
============================  =====================  =====================

Book: chapter 7, "The task and the network"; chapter 8, "The network and its context".
"""
from .melody_cnn import MelodyCNN, check_choice, check_extra_channel
from .pitch_class_cnn import PitchClassCNN

MODELS = {"mtd": MelodyCNN, "swd": PitchClassCNN}


def build_model(task, with_blank=False, size="paper", *, with_onset=False):
    """The network of a task.

    Book: chapter 7, "The task and the network"; chapter 8, "The network and its context";
    chapter 9, "Repetitions without a blank".

    Parameters
    ----------
    task : {"mtd", "swd"}
        "mtd": :class:`MelodyCNN` (single-label); "swd": :class:`PitchClassCNN` (multi-label).
    with_blank : bool
        Add a blank output in channel 0 (for the CTC configurations of Table I, whose
        losses take ``blank=0``; see :func:`ddtw_edu.training.uses_blank`).
    size : {"paper", "small"}
        The paper's network or its smaller CPU variant.
    with_onset : bool
        Add an onset output in channel 0 instead (the onset configurations,
        :func:`ddtw_edu.training.uses_onset`); "mtd" only, whose single-label notes can
        repeat, and not together with ``with_blank``.

    Returns
    -------
    model : torch.nn.Module
    """
    check_choice(task, "task", tuple(MODELS))
    check_extra_channel(with_blank, with_onset)
    if not with_onset:
        return MODELS[task](with_blank=with_blank, size=size)
    if task != "mtd":
        raise ValueError(f"with_onset needs task 'mtd' (single-label notes), got task {task!r}")
    return MelodyCNN(size=size, with_onset=True)


def count_parameters(model):
    """Number of trainable parameters (the "# Parameters" of Tables II and V).

    Book: chapter 7, "The task and the network"; chapter 8, "The network and its context".

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    count : int
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = ["MelodyCNN", "PitchClassCNN", "MODELS", "build_model", "count_parameters"]
