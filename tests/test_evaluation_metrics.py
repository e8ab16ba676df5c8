"""Frame-wise metrics of ddtw_edu.evaluation.metrics (Sec. VII-B 2, VII-C 2).

Peers: hand-counted toy cases, scikit-learn's micro-averaged
precision_recall_fscore_support and libfmp's compute_eval_measures.
"""
import numpy as np
import pytest
from libfmp.c5 import compute_eval_measures
from sklearn.metrics import precision_recall_fscore_support

from ddtw_edu.evaluation import frame_accuracy, precision_recall_f, summarize_runs


def one_hot(classes, K=12):
    """Rows one-hot at ``classes``; a class of -1 gives an all-zero row (a rest)."""
    S = np.zeros((len(classes), K))
    for n, k in enumerate(classes):
        if k >= 0:
            S[n, k] = 1
    return S


def test_frame_accuracy_counts_non_rest_frames_by_hand():
    strong = one_hot([0, 3, -1, 5, 5], K=6)
    X = np.full((5, 6), 0.1)
    X[[0, 1, 2, 3, 4], [0, 2, 4, 5, 1]] = 0.5  # frames 0 and 3 right, 1 and 4 wrong, 2 a rest
    assert frame_accuracy(X, strong) == 2 / 4


def test_frame_accuracy_ignores_the_blank_channel():
    strong = one_hot([2, 7, 11])
    X = np.zeros((3, 13))
    X[:, 0] = 0.9  # the blank wins every frame, but is not a pitch class
    X[[0, 1, 2], [3, 8, 1]] = 0.05  # pitch class p is channel p + 1: classes 2, 7, 0
    assert frame_accuracy(X, strong, blank=0) == 2 / 3
    # the same channels with the blank last
    assert frame_accuracy(np.roll(X, -1, axis=1), strong, blank=12) == 2 / 3


def test_frame_accuracy_pools_frames_over_items():
    strong = [one_hot([1]), one_hot([1, 1, 1])]
    X = [one_hot([1]), one_hot([1, 2, 2])]
    pooled = frame_accuracy(X, strong)
    assert pooled == 2 / 4  # per-item mean would be (1 + 1/3) / 2
    assert frame_accuracy(tuple(X), tuple(strong)) == pooled


def test_frame_accuracy_is_nan_without_sounding_frames():
    assert np.isnan(frame_accuracy(np.ones((3, 12)), np.zeros((3, 12))))


def test_frame_accuracy_can_score_rests_as_the_first_class_like_the_authors_code():
    strong = one_hot([0, 3, -1, -1, 5], K=6)  # frames 2 and 3 are rests
    X = np.full((5, 6), 0.1)
    X[[0, 1, 2, 3, 4], [0, 2, 0, 4, 5]] = 0.5  # rest 2 predicts class 0, rest 3 class 4
    assert frame_accuracy(X, strong) == 2 / 3  # frames 0 and 4 of the three sounding ones
    assert frame_accuracy(X, strong, rests="first_class") == 3 / 5  # rest 2 counts as class 0
    # the authors' expression: argmax over all frames, a zero row's argmax is 0
    assert np.mean(X.argmax(axis=1) == strong.argmax(axis=1)) == 3 / 5
    # all frames counted: pooled correct = sounding correct + rests predicted as class 0
    Xs, Ss = [X, X[:2]], [strong, strong[:2]]
    assert frame_accuracy(Xs, Ss, rests="first_class") == (3 + 1) / 7
    assert frame_accuracy(np.ones((3, 12)), np.zeros((3, 12)), rests="first_class") == 1.0
    with pytest.raises(ValueError, match="rests must be one of"):
        frame_accuracy(X, strong, rests="class")


def test_precision_recall_f_by_hand():
    strong = np.array([[1, 0, 1],
                       [0, 0, 0],
                       [0, 1, 0]])
    X = np.array([[0.9, 0.5, 0.2],  # TP, FP (0.5 counts as active), FN
                  [0.1, 0.0, 0.7],  # FP
                  [0.4, 0.6, 0.3]])  # TP
    P, R, F = precision_recall_f(X, strong)
    assert (P, R) == (2 / 4, 2 / 3)
    assert F == pytest.approx(2 * P * R / (P + R))
    P, R, F = precision_recall_f(X, strong, threshold=0.8)  # only the 0.9 survives
    assert (P, R) == (1.0, 1 / 3)


def test_precision_recall_f_degenerate_cases_are_zero():
    strong = one_hot([0, 1])
    assert precision_recall_f(np.zeros((2, 12)), strong) == (0.0, 0.0, 0.0)  # nothing predicted
    assert precision_recall_f(np.ones((2, 12)), np.zeros((2, 12))) == (0.0, 0.0, 0.0)  # silent reference
    assert precision_recall_f(np.zeros((2, 12)), np.zeros((2, 12))) == (0.0, 0.0, 0.0)  # both silent


@pytest.mark.parametrize("blank", [None, 0])
def test_precision_recall_f_matches_sklearn_and_libfmp(blank):
    rng = np.random.default_rng(1)
    for _ in range(20):
        lengths = rng.integers(1, 30, size=rng.integers(1, 4))
        strong = [(rng.random((N, 12)) < 0.25).astype(float) for N in lengths]
        X = [rng.random((N, 12 if blank is None else 13)) for N in lengths]
        pitch = [x if blank is None else x[:, 1:] for x in X]
        S_all, X_all = np.concatenate(strong), np.concatenate(pitch) >= 0.5
        expected = precision_recall_fscore_support(S_all, X_all, average="micro", zero_division=0)[:3]
        np.testing.assert_allclose(precision_recall_f(X, strong, blank=blank), expected, rtol=1e-12)
        np.testing.assert_allclose(precision_recall_f(X, strong, blank=blank),
                                   compute_eval_measures(S_all, X_all)[:3], rtol=1e-12)


@pytest.mark.parametrize("X, strong, blank", [
    (np.ones(12), np.ones(12), None),  # not 2-D
    (np.ones((3, 12)), np.ones((4, 12)), None),  # different N
    (np.ones((3, 13)), np.ones((3, 12)), None),  # blank channel not declared
    (np.ones((3, 12)), np.ones((3, 12)), 0),  # blank declared but absent
    (np.ones((3, 13)), np.ones((3, 12)), 13),  # blank out of range
    (np.ones((3, 13)), np.ones((3, 12)), True),  # not an index
    ([np.ones((3, 12))], np.ones((3, 12)), None),  # list against array
    ([np.ones((3, 12))], [], None),  # different numbers of items
    ([], [], None),  # no items
])
def test_bad_input_raises(X, strong, blank):
    with pytest.raises(ValueError):
        frame_accuracy(X, strong, blank=blank)
    with pytest.raises(ValueError):
        precision_recall_f(X, strong, blank=blank)


def test_frame_accuracy_rejects_multi_hot_references():
    with pytest.raises(ValueError, match="one-hot"):
        frame_accuracy(np.ones((1, 12)), np.ones((1, 12)))


def test_summarize_runs():
    assert summarize_runs([0.8, 0.5, 0.9, 0.6, 0.7]) == {"min": 0.5, "median": 0.7, "max": 0.9,
                                                           "mean": pytest.approx(0.7)}
    for bad in ([], [[0.1, 0.2]]):
        with pytest.raises(ValueError):
            summarize_runs(bad)
