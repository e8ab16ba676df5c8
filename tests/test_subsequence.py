"""Subsequence dDTW (``subsequence=True``): start and end at any frame, checked against independent definitions.

Peers:
- soft minimum: the subsequence value is the soft minimum, over all windows of
  frames n0..n1, of the ordinary value on that window (every path starts at one
  frame and ends at one frame, so the paths split into the windows' paths); its
  gradient is the window gradients weighted by the softmax of the window values;
- hard minimum: subsequence DTW of librosa (``librosa.sequence.dtw(subseq=True)``)
  and libfmp (``compute_accumulated_cost_matrix_subsequence_dtw``), both with
  the query first: their cost matrix is our C.T, their step (j, i) our (i, j);
- the losses' batches (variable lengths) against the reference item by item;
- retrieval ranks against libfmp's subsequence DTW on scipy's cosine distances.
"""
import importlib.util

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from scipy.spatial.distance import cdist

from ddtw_edu import (CTC_CONFIGS, SDTW_CONFIGS, bce_sdtw_loss, ctc_config, ctc_loss, ddtw, extended_labels,
                      multilabel_ctc_loss, sdtw_config, sdtw_loss)
from ddtw_edu.backends import numba_simple
from ddtw_edu.backends.problem import BatchProblem
from ddtw_edu.configs import horizontal_weight
from ddtw_edu.costs import bce_cost, mctc_cost
from ddtw_edu.evaluation import compute_matching_distances, retrieval_ranks, subsequence_dtw

BACKENDS = ["numpy", "numba", "cuda"]          # "cuda" runs in Numba's CUDA simulator without a GPU (conftest.py)
requires_librosa = pytest.mark.skipif(importlib.util.find_spec("librosa") is None, reason="needs librosa")
requires_libfmp = pytest.mark.skipif(importlib.util.find_spec("libfmp") is None, reason="needs libfmp")


def soft_minimum(values, gamma):
    """-gamma log sum exp(-v / gamma) (Eq. 7) by scipy; inf values drop out."""
    return -gamma * logsumexp(-np.asarray(values) / gamma)


def over_windows(C, blocks_of, gamma):
    """Soft minimum over windows n0 <= n1 of the ordinary dDTW value of C[n0:n1 + 1], and its gradient.

    ``blocks_of(N_window)`` gives the ordinary building blocks of a window.
    Returns the value and H = sum over windows of softmax(-v / gamma) * H_window.
    """
    N = len(C)
    windows = [(n0, n1) for n0 in range(N) for n1 in range(n0, N)]
    results = [ddtw(C[n0:n1 + 1], **blocks_of(n1 - n0 + 1)._asdict(), gamma=gamma) for n0, n1 in windows]
    values = np.array([r.value for r in results])
    value = soft_minimum(values, gamma)
    H = np.zeros_like(C)
    for (n0, n1), r, v in zip(windows, results, values):
        if np.isfinite(v):
            H[n0:n1 + 1] += np.exp((value - v) / gamma) * r.H
    return value, H, np.isfinite(values).sum()


# ----------------------------------------------------------------------------- the boundary sets


def test_boundary_sets_hold_every_frame_of_the_first_and_last_columns():
    N, M = 5, 3
    ordinary, sub = sdtw_config(N, M), sdtw_config(N, M, subsequence=True)
    assert ordinary.start.tolist() == [[0, 0]] and ordinary.end.tolist() == [[N - 1, M - 1]]
    assert sub.start.tolist() == [[n, 0] for n in range(N)]
    assert sub.end.tolist() == [[n, M - 1] for n in range(N)]
    np.testing.assert_array_equal(sub.weights, ordinary.weights)
    Me = 2 * 2 + 1
    ordinary, sub = ctc_config([1, 2], N), ctc_config([1, 2], N, subsequence=True)
    assert ordinary.start.tolist() == [[0, 0], [0, 1]]
    assert ordinary.end.tolist() == [[N - 1, Me - 1], [N - 1, Me - 2]]
    assert sub.start.tolist() == [[n, m] for n in range(N) for m in (0, 1)]
    assert sub.end.tolist() == [[n, m] for n in range(N) for m in (Me - 1, Me - 2)]
    assert ctc_config([], N, subsequence=True).end.tolist() == [[n, 0] for n in range(N)]


# ----------------------------------------------------------------------------- soft minimum over windows


@pytest.mark.parametrize("config", SDTW_CONFIGS)
@pytest.mark.parametrize("gamma", [1.0, 0.3])
def test_sdtw_subsequence_is_the_soft_minimum_over_windows(config, gamma):
    rng = np.random.default_rng(SDTW_CONFIGS.index(config))
    N, M = 7, 3
    C = rng.uniform(0.0, 2.0, (N, M))
    expected, H_expected, n_finite = over_windows(C, lambda n: sdtw_config(n, M, config), gamma)
    assert n_finite >= N - M + 1                   # SDTW-D needs M frames; SDTW-E fits any window
    for backend in BACKENDS:
        result = ddtw(C, **sdtw_config(N, M, config, subsequence=True)._asdict(), gamma=gamma, backend=backend)
        np.testing.assert_allclose(result.value, expected, rtol=1e-10)
        np.testing.assert_allclose(result.H, H_expected, rtol=1e-9, atol=1e-12)
    ordinary = ddtw(C, **sdtw_config(N, M, config)._asdict(), gamma=gamma).value
    assert expected < ordinary                     # more paths, so a lower soft minimum


@pytest.mark.parametrize("config", CTC_CONFIGS)
@pytest.mark.parametrize("protocol", ["table1", "authors"])
def test_ctc_subsequence_is_the_soft_minimum_over_windows(config, protocol):
    rng = np.random.default_rng(CTC_CONFIGS.index(config))
    labels, N, K = [1, 1, 2], 8, 3                 # a repeat: the blank between the 1s cannot be skipped
    log_p = np.log(rng.dirichlet(np.ones(K), size=N))
    C = -log_p[:, extended_labels(labels)]         # Eq. (9), shape (N, 2M + 1)
    gamma = 0.8
    expected, H_expected, n_finite = over_windows(C, lambda n: ctc_config(labels, n, config, protocol=protocol),
                                                  gamma)
    assert n_finite >= 3
    for backend in BACKENDS:
        result = ddtw(C, **ctc_config(labels, N, config, protocol=protocol, subsequence=True)._asdict(),
                      gamma=gamma, backend=backend)
        np.testing.assert_allclose(result.value, expected, rtol=1e-10)
        np.testing.assert_allclose(result.H, H_expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("config", ["CTC-A", "CTC-C-W", "SDTW-E", "SDTW-D"])
def test_multilabel_losses_subsequence_is_the_soft_minimum_over_windows(config):
    """multilabel_ctc_loss (MCTC cost, Eq. 28-30) and bce_sdtw_loss (Eq. 31) take the same sets."""
    rng = np.random.default_rng(5)
    N, K, gamma = 7, 4, 0.7
    Y = torch.tensor([[1, 0, 1, 0], [0, 1, 0, 0]], dtype=torch.float64)   # two multi-hot targets
    if config.startswith("CTC"):
        X = torch.tensor(rng.uniform(0.05, 0.95, (N, 1 + K)))               # blank in channel 0
        C = mctc_cost(X, Y).numpy()
        blocks_of = lambda n: ctc_config(Y.numpy(), n, config)             # noqa: E731
        loss = multilabel_ctc_loss(X[None], Y[None], config=config, gamma=gamma, reduction="none",
                                   subsequence=True)
    else:
        X = torch.tensor(rng.uniform(0.05, 0.95, (N, K)))
        C = bce_cost(X, Y).numpy()
        blocks_of = lambda n: sdtw_config(n, len(Y), config)              # noqa: E731
        loss = bce_sdtw_loss(X[None], Y[None], config=config, gamma=gamma, reduction="none", subsequence=True)
    expected, _, n_finite = over_windows(C, blocks_of, gamma)
    assert n_finite > N                            # many windows take part
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-10)


def test_numba_simple_takes_the_subsequence_sets():
    """The teaching transcription (softmin only) agrees with the reference on sets of a cell per frame."""
    rng = np.random.default_rng(5)
    C = rng.uniform(0.0, 2.0, (9, 4))
    blocks = sdtw_config(9, 4, "SDTW-E-W", subsequence=True)
    W = np.broadcast_to(blocks.weights, (9, 4, 3)).copy()
    value, _, B, end_grad = numba_simple.ddtw_forward(C, blocks.steps, W, blocks.start, blocks.end, 0.5)
    _, _, H = numba_simple.ddtw_backward(B, blocks.steps, W, blocks.start, blocks.end, end_grad)
    reference = ddtw(C, **blocks._asdict(), gamma=0.5)
    np.testing.assert_allclose(value, reference.value, rtol=1e-12)
    np.testing.assert_allclose(H, reference.H, rtol=1e-10, atol=1e-14)


# ----------------------------------------------------------------------------- hard minimum: librosa, libfmp


def librosa_subsequence_D(C, config):
    """librosa's subsequence DTW with the steps and weights of an SDTW configuration, as our (N, M) D."""
    import librosa
    w_h = horizontal_weight(config)
    if config.startswith("SDTW-D"):                # ours (1, 0), (1, 1) = theirs (0, 1), (1, 1)
        steps, weights = [[0, 1], [1, 1]], [w_h, 1.0]
    else:                                          # ours (1, 0), (0, 1), (1, 1)
        steps, weights = [[0, 1], [1, 0], [1, 1]], [w_h, 1.0, 1.0]
    D = librosa.sequence.dtw(C=C.T, step_sizes_sigma=np.array(steps), weights_mul=np.array(weights),
                             weights_add=np.zeros(len(steps)), subseq=True, backtrack=False)
    return D.T


@requires_librosa
@pytest.mark.parametrize("config", SDTW_CONFIGS)
def test_hard_minimum_equals_librosa_subsequence_dtw(config):
    rng = np.random.default_rng(20 + SDTW_CONFIGS.index(config))
    N, M = 40, 6
    C = rng.normal(size=(N, M))                    # negative costs too: the recursions are the same
    D_librosa = librosa_subsequence_D(C, config)
    for backend in ["numpy", "numba"]:
        result = ddtw(C, **sdtw_config(N, M, config, subsequence=True)._asdict(), minimum="hardmin",
                      backend=backend)
        np.testing.assert_allclose(result.D, D_librosa, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(result.value, D_librosa[:, -1].min(), rtol=1e-12)


@requires_libfmp
def test_hard_minimum_equals_libfmp_and_E_is_its_optimal_path():
    from libfmp.c7 import compute_accumulated_cost_matrix_subsequence_dtw, compute_optimal_warping_path_subsequence_dtw
    rng = np.random.default_rng(3)
    N, M = 50, 7
    C = rng.random((N, M))                         # libfmp's D[0] = C[0] equals the recursion for costs >= 0
    D_fmp = compute_accumulated_cost_matrix_subsequence_dtw(C.T)
    result = ddtw(C, **sdtw_config(N, M, "SDTW-E", subsequence=True)._asdict(), minimum="hardmin",
                  backend="numba")
    np.testing.assert_allclose(result.D, D_fmp.T, rtol=1e-12)
    path = compute_optimal_warping_path_subsequence_dtw(D_fmp)[:, ::-1]      # their (m, n) to our (n, m)
    E = np.zeros((N, M))
    E[path[:, 0], path[:, 1]] = 1.0
    np.testing.assert_array_equal(result.E, E)     # hardmin: E is the indicator of the optimal path
    np.testing.assert_allclose(C[path[:, 0], path[:, 1]].sum(), result.value, rtol=1e-12)
    D, cost, end = subsequence_dtw(C)
    assert end == path[-1, 0] and cost == result.value


# ----------------------------------------------------------------------------- the losses: batches, gradients


def random_lengths_batch(rng, B, N, M):
    N_lengths, M_lengths = rng.integers(1, N + 1, B), rng.integers(1, M + 1, B)
    N_lengths[0], M_lengths[0] = N, M
    return N_lengths, M_lengths


@pytest.mark.parametrize("backend", BACKENDS)
def test_sdtw_loss_batch_of_different_lengths_equals_item_by_item(backend):
    rng = np.random.default_rng(11)
    B, N, M = 10, 7, 4                             # B > 8: two lane groups of the numba backend
    N_lengths, M_lengths = random_lengths_batch(rng, B, N, M)
    C = torch.tensor(rng.uniform(0.0, 2.0, (B, N, M)), requires_grad=True)
    for config in ["SDTW-E", "SDTW-D-W"]:
        values = sdtw_loss(C, torch.tensor(N_lengths), torch.tensor(M_lengths), config=config, gamma=0.5,
                           backend=backend, subsequence=True)
        grad, = torch.autograd.grad(values.sum(), C)
        n_finite = 0
        for b, (N_b, M_b) in enumerate(zip(N_lengths, M_lengths)):
            item = ddtw(C[b, :N_b, :M_b].detach().numpy(), **sdtw_config(N_b, M_b, config, subsequence=True)._asdict(),
                        gamma=0.5)
            np.testing.assert_allclose(values[b].item(), item.value, rtol=1e-10)
            np.testing.assert_allclose(grad[b, :N_b, :M_b].numpy(), item.H, rtol=1e-9, atol=1e-12)
            assert not grad[b, N_b:].any() and not grad[b, :, M_b:].any()
            n_finite += np.isfinite(item.value)
        assert n_finite >= B // 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_ctc_loss_batch_of_different_lengths_equals_item_by_item(backend):
    rng = np.random.default_rng(12)
    T, B, K = 8, 10, 4
    labels = [list(rng.integers(1, K, rng.integers(0, 4))) for _ in range(B)]
    labels[1] = [2, 2, 2]                          # needs 5 frames: infinite with N = 2
    N_lengths = rng.integers(3, T + 1, B)
    N_lengths[0], N_lengths[1] = T, 2
    targets = torch.zeros(B, 3, dtype=torch.int64)
    for b, y in enumerate(labels):
        targets[b, :len(y)] = torch.tensor(y, dtype=torch.int64)
    target_lengths = torch.tensor([len(y) for y in labels])
    log_probs = torch.tensor(rng.normal(size=(T, B, K)), requires_grad=True).log_softmax(-1)
    args = (targets, torch.tensor(N_lengths), target_lengths)
    values = ctc_loss(log_probs, *args, reduction="none", config="CTC-B", gamma=0.7, backend=backend,
                      subsequence=True)
    grad, = torch.autograd.grad(values[torch.isfinite(values)].sum(), log_probs)
    expected_grad = np.zeros((T, B, K))
    for b, y in enumerate(labels):
        Ye = extended_labels(y)
        item = ddtw(-log_probs[:N_lengths[b], b, Ye].detach().numpy(),
                    **ctc_config(y, N_lengths[b], "CTC-B", subsequence=True)._asdict(), gamma=0.7)
        np.testing.assert_allclose(values[b].item(), item.value, rtol=1e-10)
        if np.isfinite(item.value):
            np.subtract.at(expected_grad[:, b], (np.arange(N_lengths[b])[:, None], Ye[None, :]), item.H)
    assert np.isinf(values[1].item())
    np.testing.assert_allclose(grad.numpy(), expected_grad, rtol=1e-9, atol=1e-12)
    # zero_infinity and the reductions act as without subsequence (torch's conventions)
    zeroed = ctc_loss(log_probs, *args, reduction="none", zero_infinity=True, config="CTC-B", gamma=0.7,
                      backend=backend, subsequence=True)
    assert zeroed[1].item() == 0.0
    np.testing.assert_allclose(np.delete(zeroed.detach().numpy(), 1), np.delete(values.detach().numpy(), 1))
    mean = ctc_loss(log_probs, *args, zero_infinity=True, config="CTC-B", gamma=0.7, backend=backend,
                    subsequence=True)
    np.testing.assert_allclose(mean.item(), np.mean(zeroed.detach().numpy() / target_lengths.clamp_min(1).numpy()))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_gradcheck_through_the_losses(backend):
    rng = np.random.default_rng(13)
    C = torch.tensor(rng.uniform(0.0, 2.0, (2, 5, 3)), requires_grad=True)
    lengths = torch.tensor([5, 4]), torch.tensor([2, 3])
    assert torch.autograd.gradcheck(
        lambda C: sdtw_loss(C, *lengths, config="SDTW-E-W", gamma=0.6, backend=backend, subsequence=True), (C,))
    logits = torch.tensor(rng.normal(size=(6, 2, 3)), requires_grad=True)
    targets, ctc_lengths = torch.tensor([[1, 1], [2, 1]]), (torch.tensor([6, 5]), torch.tensor([2, 2]))
    assert torch.autograd.gradcheck(
        lambda logits: ctc_loss(logits.log_softmax(-1), targets, *ctc_lengths, reduction="none", config="CTC-A",
                                backend=backend, subsequence=True), (logits,))


# ----------------------------------------------------------------------------- bad input, large sets


@pytest.mark.parametrize("call", [
    lambda: sdtw_config(4, 3, subsequence="yes"),
    lambda: ctc_config([1, 2], 4, subsequence=1),
    lambda: sdtw_loss(torch.rand(1, 4, 3), subsequence="yes"),
    lambda: ctc_loss(torch.rand(4, 1, 3).log_softmax(-1), torch.tensor([[1]]), [4], [1], subsequence=None),
    lambda: multilabel_ctc_loss(torch.rand(1, 4, 3), torch.ones(1, 2, 2), subsequence="no"),
    lambda: bce_sdtw_loss(torch.rand(1, 4, 2), torch.ones(1, 2, 2), subsequence=0),
])
def test_subsequence_must_be_a_bool(call):
    with pytest.raises(ValueError, match="subsequence must be True or False"):
        call()


def test_repeated_cells_of_large_boundary_sets_count_once():
    """A batch's boundary sets are sets: a start cell given twice is one start cell."""
    N, M = 600, 3
    blocks = sdtw_config(N, M, subsequence=True)
    twice = blocks._replace(start=np.concatenate([blocks.start, blocks.start[::-1]]))
    problem = BatchProblem.from_configs([blocks, twice], [N, N], [M, M], N, M)
    assert problem.start.shape == (2, N, 2)
    np.testing.assert_array_equal(problem.start[1], blocks.start)


# ----------------------------------------------------------------------------- retrieval


@requires_libfmp
def test_retrieval_ranks_and_distances_equal_libfmp_subsequence_dtw():
    """The ranking of compute_matching_distances (batched, numba backend) against libfmp pair by pair."""
    from libfmp.c7 import compute_accumulated_cost_matrix_subsequence_dtw
    rng = np.random.default_rng(14)
    documents = [rng.dirichlet(np.full(12, 0.3), size=int(rng.integers(30, 140))) for _ in range(21)]
    queries = []
    for q in range(6):
        Y = np.eye(12)[rng.integers(0, 12, int(rng.integers(4, 12)))]
        if q < 3:                                  # half the queries occur in their document, stretched and blurred
            stretched = np.repeat(Y, 3, axis=0) * 0.6 + 0.4 * rng.dirichlet(np.full(12, 0.3), size=3 * len(Y))
            documents[q][5:5 + len(stretched)] = stretched
        queries.append(Y)
    distances = compute_matching_distances(queries, documents)
    peer = np.array([[compute_accumulated_cost_matrix_subsequence_dtw(cdist(Y, X, metric="cosine"))[-1].min()
                      for X in documents] for Y in queries])
    np.testing.assert_allclose(distances, peer, rtol=1e-12, atol=1e-12)
    relevant = np.arange(len(queries))
    ranks = retrieval_ranks(distances, relevant)
    np.testing.assert_array_equal(ranks, retrieval_ranks(peer, relevant))
    np.testing.assert_array_equal(np.argsort(distances, axis=1, kind="stable"), np.argsort(peer, axis=1, kind="stable"))
    assert (ranks[:3] == 1).all() and ranks[3:].max() > 1          # the test can tell rankings apart
    few = compute_matching_distances(queries[:2], documents[:3], backend="numpy")
    np.testing.assert_allclose(few, distances[:2, :3], rtol=1e-12)
