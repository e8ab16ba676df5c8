"""Frame-wise metrics of the experiments: accuracy (Sec. VII-B 2) and F-measure (Sec. VII-C 2).

Conventions
-----------
- Predictions ``X`` have shape (N, K) and hold probabilities for N frames
  (0-based), K channels (the feature dimension of book/notation.md). A model
  trained with a blank has one class channel fewer than K: ``blank`` is the
  index of the blank channel and the other K - 1 channels are the classes in
  order (ddtw_edu's CTC models: ``blank=0``, pitch class p is channel p + 1).
  Without a blank (``blank=None``), all K channels are classes.
- References ``strong`` have one column per class, shape (N, K - 1) or (N, K): the strongly aligned targets of
  :mod:`ddtw_edu.data.targets` (one-hot melody for MTD, multi-hot for SWD);
  nonzero entries are active, an all-zero row is a rest.
- Every metric takes one item (two arrays) or a data set (two lists of
  arrays). A list pools the counts over all frames of all items (micro
  average), so a long item weighs more than a short one. The authors'
  evaluation code averages per-item accuracies instead; that is
  ``np.mean([frame_accuracy(X, S) for X, S in zip(Xs, Ss)])``.
- Rests: :func:`frame_accuracy` scores sounding frames only by default. The
  authors' code (groupmm/dDTW_CTC, ``01_single_label_MTD/05_eval.ipynb``)
  compares ``argmax`` of prediction and reference over all frames; the argmax
  of a rest's all-zero row is 0, so a rest counts as class 0 (pitch class C):
  ``rests="first_class"``.

Book: chapter 7, "Which frames the accuracy counts" (:func:`frame_accuracy`).
"""
import numpy as np

from ..parameters import check_blank


RESTS = ("skip", "first_class")


def frame_accuracy(X, strong, blank=None, rests="skip"):
    """Frame-wise pitch-class accuracy of a single-label prediction (MTD, Table III).

    Book: chapter 7, "Which frames the accuracy counts".

    A frame counts as correct when the most probable class channel (the blank
    channel ignored, the first one on ties) is the reference class. A rest
    frame has no reference class: by default it is left out; with
    ``rests="first_class"`` it counts, as in the authors' evaluation code, with
    class 0 as its reference (the argmax of its all-zero row), so it is
    correct when class 0 is the most probable.

    Parameters
    ----------
    X : ndarray, shape (N, K), or list of such arrays
        Predicted probabilities, K channels (the classes, plus ``blank``).
    strong : ndarray, shape (N, K) or (N, K - 1) with ``blank``, or list of such arrays
        One-hot reference per frame, all zeros for a rest.
    blank : int or None
        Index of the blank channel of ``X``, or None if there is none.
    rests : {"skip", "first_class"}
        Leave rest frames out (default), or score them as class 0.

    Returns
    -------
    accuracy : float
        Correct frames / counted frames (non-rest frames, or all frames with
        ``rests="first_class"``), pooled over all items; ``nan`` if no frame
        counts.
    """
    if rests not in RESTS:
        raise ValueError(f"rests must be one of {RESTS}, got {rests!r}")
    correct = counted = 0
    for X_k, S in _class_channels_and_references(X, strong, blank):
        active = S != 0
        if (active.sum(axis=1) > 1).any():
            raise ValueError("strong must be one-hot (or all zero for a rest) in every frame")
        scored = active.any(axis=1) if rests == "skip" else np.ones(len(S), dtype=bool)
        predicted = X_k[scored].argmax(axis=1)
        correct += np.count_nonzero(predicted == active[scored].argmax(axis=1))
        counted += np.count_nonzero(scored)
    return correct / counted if counted else float("nan")


def precision_recall_f(X, strong, threshold=0.5, blank=None):
    """Frame-wise multi-label precision, recall and F-measure (SWD, Fig. 11).

    Channel k of frame n is predicted active iff ``X[n, k] >= threshold``.
    True positives TP, false positives FP and false negatives FN are counted
    over all frames and classes (micro average; rest frames included), and
    P = TP / (TP + FP), R = TP / (TP + FN), F = 2 P R / (P + R).

    Degenerate cases: a ratio with a zero denominator is 0, so P = 0 when
    nothing is predicted, R = 0 when the reference is silent, F = 0 when
    P = R = 0; in particular a silent reference with a silent prediction scores
    0, not 1. These are the conventions of ``libfmp.c5.compute_eval_measures``
    and of scikit-learn with ``zero_division=0``.

    Parameters
    ----------
    X : ndarray, shape (N, K), or list of such arrays
        Predicted probabilities, K channels (the classes, plus ``blank``).
    strong : ndarray, shape (N, K) or (N, K - 1) with ``blank``, or list of such arrays
        Multi-hot reference per frame.
    threshold : float
        Binarization threshold for ``X``.
    blank : int or None
        Index of the blank channel of ``X`` (dropped), or None.

    Returns
    -------
    precision, recall, f_measure : float
    """
    TP = FP = FN = 0
    for X_k, S in _class_channels_and_references(X, strong, blank):
        predicted = X_k >= threshold
        active = S != 0
        TP += np.count_nonzero(predicted & active)
        FP += np.count_nonzero(predicted & ~active)
        FN += np.count_nonzero(~predicted & active)
    precision = TP / (TP + FP) if TP + FP else 0.0
    recall = TP / (TP + FN) if TP + FN else 0.0
    f_measure = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f_measure


def summarize_runs(values):
    """Minimum, median, maximum and mean of one metric over training runs.

    Fig. 11 shows min/median/max F-measure over five runs; Tables III and IV
    report the mean and the best run (the max of an accuracy, the min of an
    error rate).

    Parameters
    ----------
    values : sequence of float, shape (R,)
        The metric of each of R >= 1 runs.

    Returns
    -------
    summary : dict
        Keys ``"min"``, ``"median"``, ``"max"``, ``"mean"``, float values.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty 1-D sequence of per-run metrics, got shape {values.shape}")
    return {"min": float(values.min()), "median": float(np.median(values)),
            "max": float(values.max()), "mean": float(values.mean())}


def _class_channels_and_references(X, strong, blank):
    """Checked pairs (X without its blank channel, strong) for one item or a list of items."""
    is_list = isinstance(X, (list, tuple))
    if is_list != isinstance(strong, (list, tuple)):
        raise ValueError("X and strong must both be arrays (one item) or both be lists of arrays (a data set)")
    if not is_list:
        X, strong = [X], [strong]
    if len(X) != len(strong) or len(X) == 0:
        raise ValueError(f"X and strong must list the same, nonzero number of items, got {len(X)} and {len(strong)}")
    return [_class_channels_and_reference(X_k, S, blank) for X_k, S in zip(X, strong)]


def _class_channels_and_reference(X, strong, blank):
    X = np.asarray(X, dtype=np.float64)
    strong = np.asarray(strong)
    if X.ndim != 2 or strong.ndim != 2:
        raise ValueError(f"X must have shape (N, K) and strong one column per class, got {X.shape} and {strong.shape}")
    if X.shape[0] != strong.shape[0]:
        raise ValueError(f"X and strong must have the same number of frames N, got {X.shape[0]} and {strong.shape[0]}")
    K = X.shape[1]
    check_blank(blank, K)
    if blank is not None:
        X = np.delete(X, blank, axis=1)
    if X.shape[1] != strong.shape[1]:
        raise ValueError(f"X must have {strong.shape[1]} class channels, plus one if blank is given; "
                         f"got K = {K} with blank={blank!r}")
    return X, strong
