"""Decoding and label error rate of ddtw_edu.evaluation.decoding (Sec. VII-B 3).

Peers: the recursive definition of the Levenshtein distance, and brute force
over all D^N frame paths for the exact probability of every collapsed label
sequence.
"""
import itertools
from functools import lru_cache

import numpy as np
import pytest
from scipy.special import log_softmax, logsumexp

from ddtw_edu.evaluation import (beam_search_decode, edit_distance, greedy_decode, label_error_rate,
                                 mean_label_error_rate)


def levenshtein_recursive(a, b):
    """d(a, b) = min(d(a', b) + 1, d(a, b') + 1, d(a', b') + [last labels differ]), primes dropping the last label."""
    @lru_cache(maxsize=None)
    def d(i, j):
        if i == 0 or j == 0:
            return i + j
        return min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))
    return d(len(a), len(b))


def collapse(path, blank):
    merged = [d for n, d in enumerate(path) if n == 0 or d != path[n - 1]]
    return tuple(d for d in merged if d != blank)


def exact_sequence_log_probs(log_probs, blank):
    """log p(y) for every label sequence y, summing over all D^N frame paths."""
    N, D = log_probs.shape
    terms = {}
    for path in itertools.product(range(D), repeat=N):
        terms.setdefault(collapse(path, blank), []).append(log_probs[np.arange(N), path].sum())
    return {y: logsumexp(t) for y, t in terms.items()}


def random_log_probs(rng, N, D):
    return log_softmax(rng.normal(scale=2.0, size=(N, D)), axis=1)


def test_edit_distance_by_hand():
    assert edit_distance(list("kitten"), list("sitting")) == 3
    assert edit_distance([], [1, 2, 3]) == 3
    assert edit_distance([1, 2, 3], []) == 3
    assert edit_distance([1, 2, 3], [1, 2, 3]) == 0
    assert edit_distance([1, 2, 3], [3, 2, 1]) == 2
    assert edit_distance(np.array([4, 4]), (4,)) == 1


def test_edit_distance_matches_recursive_definition():
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = tuple(rng.integers(0, 3, size=rng.integers(0, 8)).tolist())
        b = tuple(rng.integers(0, 3, size=rng.integers(0, 8)).tolist())
        assert edit_distance(a, b) == levenshtein_recursive(a, b)
        assert edit_distance(a, b) == edit_distance(b, a)


def test_label_error_rate():
    assert label_error_rate([1, 2, 4], [1, 2, 3, 4]) == 1 / 4
    assert label_error_rate([5, 6, 7, 8, 9], [1, 2]) == 5 / 2  # insertions push it above 1
    assert mean_label_error_rate([[1], [1, 2]], [[1], [3, 4]]) == (0 + 1) / 2
    with pytest.raises(ValueError):
        label_error_rate([1], [])
    with pytest.raises(ValueError):
        mean_label_error_rate([[1]], [[1], [2]])


def test_greedy_decode_by_hand():
    def frames(channels, D):
        return np.log(np.eye(D)[channels] * 0.9 + 0.1 / D)

    # with blank 0: 0 1 1 0 1 2 2 -> merge 0 1 0 1 2 -> drop blanks 1 1 2
    assert greedy_decode(frames([0, 1, 1, 0, 1, 2, 2], 3), blank=0) == [1, 1, 2]
    # without blank only runs merge: 1 1 2 2 0 -> 1 2 0
    assert greedy_decode(frames([1, 1, 2, 2, 0], 3)) == [1, 2, 0]
    assert greedy_decode(np.zeros((0, 3)), blank=0) == []


@pytest.mark.parametrize("blank", [None, 0, 2])
def test_wide_beam_search_finds_the_exact_most_probable_sequence(blank):
    rng = np.random.default_rng(7)
    for _ in range(60):
        N, D = int(rng.integers(1, 6)), int(rng.integers(2, 4))
        if blank is not None and blank >= D:
            continue
        log_probs = random_log_probs(rng, N, D)
        exact = exact_sequence_log_probs(log_probs, blank)
        ranked = sorted(exact.values(), reverse=True)
        labels, log_p = beam_search_decode(log_probs, beam_width=10_000, blank=blank)
        np.testing.assert_allclose(log_p, exact[tuple(labels)], rtol=1e-12)
        np.testing.assert_allclose(log_p, ranked[0], rtol=1e-12)
        if len(ranked) > 1 and ranked[0] - ranked[1] > 1e-9:  # a unique winner
            assert exact[tuple(labels)] == ranked[0]


@pytest.mark.parametrize("blank", [None, 0])
def test_narrow_beam_probability_is_a_lower_bound(blank):
    rng = np.random.default_rng(3)
    for _ in range(60):
        log_probs = random_log_probs(rng, int(rng.integers(1, 6)), 3)
        exact = exact_sequence_log_probs(log_probs, blank)
        for beam_width in (1, 2, 3):
            labels, log_p = beam_search_decode(log_probs, beam_width=beam_width, blank=blank)
            assert log_p <= exact[tuple(labels)] + 1e-12


def test_beam_width_one_without_blank_is_greedy():
    # A single prefix ending in symbol a, extended by frame n, has probability
    # p_prefix * p(d | x_n) for every d (d = a merges): the argmax wins.
    rng = np.random.default_rng(5)
    for _ in range(50):
        log_probs = random_log_probs(rng, int(rng.integers(1, 20)), 4)
        assert beam_search_decode(log_probs, beam_width=1)[0] == greedy_decode(log_probs)


def test_beam_search_sums_paths_that_greedy_and_a_one_wide_beam_miss():
    # blank 0, label 1, both frames p(blank) = 0.6: greedy and beam 1 say [] (0.36),
    # but the three paths 11, 1-, -1 give [1] probability 0.64
    log_probs = np.log([[0.6, 0.4], [0.6, 0.4]])
    assert greedy_decode(log_probs, blank=0) == []
    labels, log_p = beam_search_decode(log_probs, beam_width=1, blank=0)
    assert labels == [] and log_p == pytest.approx(np.log(0.36))
    labels, log_p = beam_search_decode(log_probs, beam_width=10, blank=0)
    assert labels == [1] and log_p == pytest.approx(np.log(0.64))


def test_one_wide_beam_is_not_greedy_with_a_blank():
    # after frame 0 the beam holds [1]; at frame 1 staying at [1] (blank or 1,
    # 0.8 * 0.6) beats growing to [1, 2] (0.8 * 0.4), the greedy choice.
    # The beam's 0.48 misses the path (blank, 1) of [1]: exact 0.51.
    log_probs = np.log([[0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    assert greedy_decode(log_probs, blank=0) == [1, 2]
    labels, log_p = beam_search_decode(log_probs, beam_width=1, blank=0)
    assert labels == [1] and log_p == pytest.approx(np.log(0.48))
    assert beam_search_decode(log_probs, beam_width=10, blank=0)[1] == pytest.approx(np.log(0.51))


def test_no_repeated_label_without_blank():
    # frames say 1, 1, 1 with near-certainty: without a blank this is one label
    log_probs = np.log([[0.05, 0.95]] * 3)
    assert beam_search_decode(log_probs, beam_width=10)[0] == [1]
    assert beam_search_decode(log_probs, beam_width=10, blank=0)[0] == [1]


@pytest.mark.parametrize("kwargs", [
    {"log_probs": np.zeros(3)},
    {"log_probs": np.zeros((2, 3, 1))},
    {"log_probs": np.zeros((2, 3)), "blank": 3},
    {"log_probs": np.zeros((2, 3)), "blank": -1},
    {"log_probs": np.zeros((2, 3)), "blank": 1.0},
    {"log_probs": np.zeros((2, 3)), "blank": True},            # an index, not a flag
    {"log_probs": np.full((2, 3), np.nan)},
])
def test_bad_log_probs_raise(kwargs):
    with pytest.raises(ValueError):
        greedy_decode(**kwargs)
    with pytest.raises(ValueError):
        beam_search_decode(**kwargs)


@pytest.mark.parametrize("beam_width", [0, -1, 2.5, True])
def test_bad_beam_width_raises(beam_width):
    with pytest.raises(ValueError, match="beam_width"):
        beam_search_decode(np.zeros((2, 3)), beam_width=beam_width)


def test_edit_distance_rejects_matrices():
    with pytest.raises(ValueError):
        edit_distance(np.zeros((2, 2)), [1])
