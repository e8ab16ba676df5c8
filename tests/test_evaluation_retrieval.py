"""Subsequence DTW retrieval of ddtw_edu.evaluation.retrieval (Sec. VII-B 2, Table III).

Peers: libfmp's subsequence DTW (accumulated costs and backtracking, same
steps and tie-breaking; the query first, so its matrices are our C.T), scipy's
cosine distance, hand-counted ranks. The ranking against libfmp over a whole
database: tests/test_subsequence.py.
"""
import numpy as np
import pytest
from libfmp.c7 import compute_accumulated_cost_matrix_subsequence_dtw, compute_optimal_warping_path_subsequence_dtw
from scipy.spatial.distance import cdist

from ddtw_edu.evaluation import (compute_matching_distances, cosine_distance, retrieval_metrics, retrieval_ranks,
                                 subsequence_dtw, subsequence_path)


@pytest.mark.parametrize("N, M", [(1, 1), (7, 1), (1, 6), (9, 4), (40, 12), (25, 30)])
def test_subsequence_dtw_matches_libfmp(N, M):
    rng = np.random.default_rng(M * 100 + N)
    C = rng.random((N, M))
    D, cost, end = subsequence_dtw(C)
    D_fmp = compute_accumulated_cost_matrix_subsequence_dtw(C.T)
    np.testing.assert_allclose(D, D_fmp.T, rtol=1e-14)
    assert end == int(np.argmin(D_fmp[-1])) and cost == D[end, -1]
    np.testing.assert_array_equal(subsequence_path(D), compute_optimal_warping_path_subsequence_dtw(D_fmp)[:, ::-1])
    np.testing.assert_array_equal(subsequence_path(D, end=0),
                                  compute_optimal_warping_path_subsequence_dtw(D_fmp, 0)[:, ::-1])


def test_path_is_a_valid_subsequence_alignment_with_the_optimal_cost():
    rng = np.random.default_rng(2)
    C = rng.random((30, 8))
    D, cost, end = subsequence_dtw(C)
    P = subsequence_path(D)
    assert P[0, 1] == 0 and tuple(P[-1]) == (end, 7)
    steps = {tuple(s) for s in np.diff(P, axis=0)}
    assert steps <= {(1, 0), (0, 1), (1, 1)}
    assert C[P[:, 0], P[:, 1]].sum() == pytest.approx(cost, rel=1e-12)


def test_ties_prefer_the_diagonal_step():
    D, _, _ = subsequence_dtw(np.zeros((3, 3)))
    np.testing.assert_array_equal(subsequence_path(D, end=2), [(0, 0), (1, 1), (2, 2)])


def test_cosine_distance():
    X = np.array([[2.0, 0.0], [-1.0, 0.0], [0.0, 0.0]])
    Y = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0], [3.0, 4.0]])
    C = cosine_distance(X, Y)
    expected = [[0, 1, 1, 0.4],
                [2, 1, 1, 1.6],
                [1, 1, 1, 1]]  # a zero vector is at distance 1 from everything, itself included
    np.testing.assert_allclose(C, expected, atol=1e-15)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 12)), rng.normal(size=(5, 12))
    np.testing.assert_allclose(cosine_distance(X, Y), cdist(X, Y, metric="cosine"), atol=1e-14)


def test_exact_subsequence_costs_zero_and_ranks_first():
    rng = np.random.default_rng(4)
    documents = [rng.random((int(rng.integers(40, 60)), 12)) for _ in range(5)]
    query = documents[3][10:25]
    D, cost, end = subsequence_dtw(cosine_distance(documents[3], query))
    assert cost == pytest.approx(0.0, abs=1e-12) and end == 24
    np.testing.assert_array_equal(subsequence_path(D), [(10 + m, m) for m in range(15)])
    distances = compute_matching_distances([query, documents[0][5:20]], documents)
    assert distances.shape == (2, 5)
    np.testing.assert_array_equal(retrieval_ranks(distances, [3, 0]), [1, 1])


def test_retrieval_ranks_by_hand():
    distances = np.array([[0.5, 0.2, 0.9, 0.1],
                          [0.3, 0.3, 0.3, 0.4],
                          [0.7, 0.6, 0.5, 0.4]])
    # query 0: 0.1 and 0.2 are closer than 0.5; query 1: ties do not count; query 2: best
    np.testing.assert_array_equal(retrieval_ranks(distances, [0, 2, 3]), [3, 1, 1])


def test_retrieval_metrics_by_hand():
    metrics = retrieval_metrics([1, 2, 11, 60])
    assert metrics == {"top1": 0.25, "top10": 0.5, "top50": 0.75,
                       "mrr": pytest.approx((1 + 1 / 2 + 1 / 11 + 1 / 60) / 4)}
    assert retrieval_metrics(np.array([3]), ks=(2, 3)) == {"top2": 0.0, "top3": 1.0, "mrr": 1 / 3}


@pytest.mark.parametrize("call", [
    lambda: subsequence_dtw(np.zeros(3)),
    lambda: subsequence_dtw(np.zeros((0, 3))),
    lambda: subsequence_dtw(np.full((2, 2), np.nan)),
    lambda: subsequence_dtw(np.full((2, 2), np.inf)),
    lambda: subsequence_path(np.zeros((3, 2)), end=3),
    lambda: cosine_distance(np.zeros((2, 12)), np.zeros((2, 13))),
    lambda: cosine_distance(np.zeros(12), np.zeros((2, 12))),
    lambda: compute_matching_distances([], [np.zeros((2, 12))]),
    lambda: compute_matching_distances([np.zeros((0, 12))], [np.ones((2, 12))]),
    lambda: compute_matching_distances([np.ones((2, 12))], [np.full((2, 12), np.nan)]),
    lambda: compute_matching_distances([np.ones((2, 12))], [np.ones((2, 12)), np.ones((2, 13))]),
    lambda: compute_matching_distances([np.ones((2, 12))], [np.ones((2, 12))], backend="gpu"),
    lambda: retrieval_ranks(np.zeros((2, 3)), [0]),
    lambda: retrieval_ranks(np.zeros((2, 3)), [0, 3]),
    lambda: retrieval_ranks(np.zeros((1, 3)), [0.0]),
    lambda: retrieval_ranks(np.full((1, 3), np.nan), [0]),
    lambda: retrieval_metrics([]),
    lambda: retrieval_metrics([0, 1]),
    lambda: retrieval_metrics([1.5]),
    lambda: retrieval_metrics([1], ks=(0,)),
])
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()
