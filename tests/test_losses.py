"""The torch losses against their peers.

ctc_loss vs torch.nn.functional.ctc_loss; sdtw_loss vs Cuturi & Blondel's soft-DTW
recursion written here (its gradient by torch autograd); hard minimum vs libfmp's
DTW; multilabel_ctc_loss vs mctc_cost + ddtw item by item; gradcheck of all losses.
"""
import libfmp.c3
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ddtw_edu import bce_sdtw_loss, ctc_config, ctc_loss, ddtw, multilabel_ctc_loss, sdtw_config, sdtw_loss
from ddtw_edu.costs import bce_cost, mctc_cost

BACKENDS = ["numpy", "numba"]


# ----------------------------------------------------------------------------- peers

def soft_dtw_recursion(C, gamma, horizontal_weight=1.0, vertical_step=True):
    """Soft-DTW of Cuturi & Blondel (2017, Alg. 1) in torch, on one (N, M) matrix.

    r[i][j] (1-based) = softmin(r[i-1][j] + w_h c, r[i][j-1] + c, r[i-1][j-1] + c) with
    r[0][0] = 0 and infinite borders; ``None`` marks an infinite entry. The step
    (1, 0) (next frame, same target) carries ``horizontal_weight``; without
    ``vertical_step`` the step (0, 1) is dropped (SDTW-D).
    """
    N, M = C.shape
    r = [[None] * (M + 1) for _ in range(N + 1)]
    r[0][0] = torch.zeros((), dtype=C.dtype)
    for i in range(1, N + 1):
        for j in range(1, M + 1):
            c = C[i - 1, j - 1]
            candidates = []
            if r[i - 1][j] is not None:
                candidates.append(r[i - 1][j] + horizontal_weight * c)
            if vertical_step and r[i][j - 1] is not None:
                candidates.append(r[i][j - 1] + c)
            if r[i - 1][j - 1] is not None:
                candidates.append(r[i - 1][j - 1] + c)
            if candidates:
                r[i][j] = -gamma * torch.logsumexp(-torch.stack(candidates) / gamma, dim=0)
    return r[N][M]


def random_ctc_batch(rng, T=12, B=11, K=5, S=4):
    """Logits and padded targets with repeats, variable lengths, one empty target, B > 8 (two lane groups)."""
    targets = rng.integers(1, K, (B, S))
    targets[:, 1] = targets[:, 0]                                   # a repeated label in every item
    target_lengths = rng.integers(0, S + 1, B)
    target_lengths[0] = 0
    target_lengths[1] = S
    for b, L in enumerate(target_lengths):
        targets[b, L:] = 0                                          # padding may hold the blank (as in torch)
    repeats = [(np.diff(targets[b, :L]) == 0).sum() for b, L in enumerate(target_lengths)]
    min_frames = target_lengths + repeats                            # a blank frame between equal labels
    input_lengths = np.array([rng.integers(max(1, m), T + 1) for m in min_frames])
    input_lengths[1] = T
    logits = rng.normal(scale=2.0, size=(T, B, K))
    return logits, targets, target_lengths, input_lengths


def concatenate(targets, target_lengths):
    return np.concatenate([targets[b, :L] for b, L in enumerate(target_lengths)])


# ----------------------------------------------------------------------------- CTC vs torch

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_ctc_loss_matches_torch_in_value_and_logit_gradient(backend, layout):
    rng = np.random.default_rng(0)
    for _ in range(3):
        logits, targets, target_lengths, input_lengths = random_ctc_batch(rng)
        tgt = targets if layout == "padded" else concatenate(targets, target_lengths)
        args = (torch.as_tensor(tgt), torch.as_tensor(input_lengths), torch.as_tensor(target_lengths))
        for reduction in ["none", "mean", "sum"]:
            ours_logits = torch.tensor(logits, requires_grad=True)
            torch_logits = torch.tensor(logits, requires_grad=True)
            ours = ctc_loss(ours_logits.log_softmax(-1), *args, reduction=reduction, backend=backend)
            theirs = F.ctc_loss(torch_logits.log_softmax(-1), *args, reduction=reduction)
            torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-10)
            weights = torch.as_tensor(rng.uniform(0.5, 2.0, ours.shape))   # any upstream gradient
            (ours * weights).sum().backward()
            (theirs * weights).sum().backward()
            torch.testing.assert_close(ours_logits.grad, torch_logits.grad, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_ctc_loss_matches_torch_with_another_blank_and_all_targets_empty(backend):
    logits = torch.tensor(np.random.default_rng(10).normal(size=(7, 3, 5)))
    input_lengths = torch.tensor([7, 5, 6])
    cases = [(4, torch.tensor([[1, 1, 0], [2, 0, 3], [3, 4, 4]]), torch.tensor([2, 3, 1])),   # 0 is a label here
             (0, torch.zeros(3, 2, dtype=torch.int64), torch.tensor([0, 0, 0]))]
    for blank, targets, target_lengths in cases:
        ours_logits, torch_logits = logits.clone().requires_grad_(), logits.clone().requires_grad_()
        args = (targets, input_lengths, target_lengths)
        ours = ctc_loss(ours_logits.log_softmax(-1), *args, blank=blank, reduction="none", backend=backend)
        theirs = F.ctc_loss(torch_logits.log_softmax(-1), *args, blank=blank, reduction="none")
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-12)
        ours.sum().backward()
        theirs.sum().backward()
        torch.testing.assert_close(ours_logits.grad, torch_logits.grad, rtol=1e-9, atol=1e-12)


def test_ctc_log_probs_gradient_differs_from_torch_by_the_softmax():
    """torch returns d loss / d logits in place of d loss / d log_probs: theirs - ours = exp(log_probs).

    Both then agree after the log_softmax, because sum_k exp(log_probs) = 1 per frame.
    """
    rng = np.random.default_rng(1)
    logits, targets, target_lengths, input_lengths = random_ctc_batch(rng)
    log_probs = torch.tensor(logits).log_softmax(-1)
    args = (torch.as_tensor(targets), torch.as_tensor(input_lengths), torch.as_tensor(target_lengths))
    ours_lp = log_probs.clone().requires_grad_()
    torch_lp = log_probs.clone().requires_grad_()
    ctc_loss(ours_lp, *args, reduction="sum").backward()
    F.ctc_loss(torch_lp, *args, reduction="sum").backward()
    frames = torch.arange(len(logits))[:, None] < torch.as_tensor(input_lengths)[None]   # (T, B)
    expected = torch.where(frames[..., None], log_probs.exp(), torch.zeros(()))
    torch.testing.assert_close(torch_lp.grad - ours_lp.grad, expected, rtol=1e-10, atol=1e-12)
    assert (ours_lp.grad <= 0).all()                 # ours is minus the occupancy: -sum of path weights


@pytest.mark.parametrize("backend", BACKENDS)
def test_impossible_ctc_alignment_is_inf_or_zero_with_zero_infinity(backend):
    logits = torch.tensor(np.random.default_rng(2).normal(size=(5, 3, 4)))
    targets = torch.tensor([[1, 1, 1], [1, 2, 3], [2, 2, 0]])          # item 0 needs 5 frames, item 2 needs 3
    input_lengths, target_lengths = torch.tensor([4, 5, 2]), torch.tensor([3, 3, 2])
    args = (targets, input_lengths, target_lengths)
    values = ctc_loss(logits.log_softmax(-1), *args, reduction="none", backend=backend)
    assert torch.isinf(values[[0, 2]]).all() and torch.isfinite(values[1])
    assert torch.isinf(F.ctc_loss(logits.log_softmax(-1), *args, reduction="none")[[0, 2]]).all()
    for reduction in ["none", "mean", "sum"]:
        ours_logits = logits.clone().requires_grad_()
        torch_logits = logits.clone().requires_grad_()
        ours = ctc_loss(ours_logits.log_softmax(-1), *args, reduction=reduction, zero_infinity=True, backend=backend)
        theirs = F.ctc_loss(torch_logits.log_softmax(-1), *args, reduction=reduction, zero_infinity=True)
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-12)
        ours.sum().backward()
        theirs.sum().backward()
        torch.testing.assert_close(ours_logits.grad, torch_logits.grad, rtol=1e-9, atol=1e-12)
        assert not ours_logits.grad[:, [0, 2]].any()


@pytest.mark.parametrize("backend", BACKENDS)
def test_ctc_loss_float32_with_saturated_blank_matches_torch_float64(backend):
    """A blank logit margin of 30: label probabilities near exp(-30); our recursion runs in float64."""
    rng = np.random.default_rng(3)
    logits, targets, target_lengths, input_lengths = random_ctc_batch(rng, T=15, B=10)
    logits[..., 0] += 30.0
    logits32 = torch.tensor(logits, dtype=torch.float32)
    args = (torch.as_tensor(targets), torch.as_tensor(input_lengths), torch.as_tensor(target_lengths))
    ref_logits = logits32.double().requires_grad_()
    reference = F.ctc_loss(ref_logits.log_softmax(-1), *args, reduction="sum")
    reference.backward()
    ours_logits = logits32.clone().requires_grad_()
    ours = ctc_loss(ours_logits.log_softmax(-1), *args, reduction="sum", backend=backend)
    ours.backward()
    assert ours.dtype == torch.float32 and reference.item() > 100
    np.testing.assert_allclose(ours.item(), reference.item(), rtol=1e-6)
    np.testing.assert_allclose(ours_logits.grad.numpy(), ref_logits.grad.numpy(), rtol=0, atol=2e-6)


# ----------------------------------------------------------------------------- SDTW vs the classic recursion

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("config", ["SDTW-E", "SDTW-D", "SDTW-E-W", "SDTW-D-W"])
def test_sdtw_loss_matches_classic_soft_dtw_recursion(config, backend):
    rng = np.random.default_rng(4)
    B, N, M = 5, 7, 4
    horizontal = 0.1 if config.endswith("-W") else 1.0
    vertical = config.startswith("SDTW-E")
    for gamma in [0.1, 1.0, 3.0]:
        C = torch.tensor(rng.uniform(0, 2, (B, N, M)), requires_grad=True)
        N_lengths = rng.integers(M, N + 1, B)                        # SDTW-D needs N >= M
        M_lengths = rng.integers(1, M + 1, B)
        values = sdtw_loss(C, torch.as_tensor(N_lengths), torch.as_tensor(M_lengths), config=config, gamma=gamma,
                           backend=backend)
        values.sum().backward()
        C_ref = C.detach().clone().requires_grad_()
        expected = torch.stack([soft_dtw_recursion(C_ref[b, : N_lengths[b], : M_lengths[b]], gamma, horizontal, vertical)
                                for b in range(B)])
        expected.sum().backward()
        torch.testing.assert_close(values, expected, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(C.grad, C_ref.grad, rtol=1e-10, atol=1e-12)   # zero in the padding too


@pytest.mark.parametrize("backend", BACKENDS)
def test_padding_outside_the_lengths_is_ignored(backend):
    rng = np.random.default_rng(5)
    C = torch.tensor(rng.uniform(0, 1, (3, 6, 5)))
    C[0, 4:] = np.nan
    C[1, :, 3:] = np.inf
    C.requires_grad_()
    lengths = torch.tensor([4, 6, 6]), torch.tensor([5, 3, 5])
    values = sdtw_loss(C, lengths[0], lengths[1], gamma=0.5, backend=backend)
    values.sum().backward()
    for b in range(3):
        N, M = int(lengths[0][b]), int(lengths[1][b])
        alone = sdtw_loss(C.detach()[b : b + 1, :N, :M], gamma=0.5, backend=backend)
        torch.testing.assert_close(values[b : b + 1], alone, rtol=1e-12, atol=1e-12)
        assert not C.grad[b, N:].any() and not C.grad[b, :, M:].any()


@pytest.mark.parametrize("backend", BACKENDS)
def test_sdtw_float32_with_small_gamma_matches_float64_gradient(backend):
    rng = np.random.default_rng(6)
    C32 = torch.tensor(rng.uniform(0, 1, (9, 12, 7)), dtype=torch.float32, requires_grad=True)
    C64 = C32.detach().double().requires_grad_()
    v32 = sdtw_loss(C32, gamma=0.01, backend=backend)
    v64 = sdtw_loss(C64, gamma=0.01, backend=backend)
    v32.sum().backward()
    v64.sum().backward()
    assert C32.grad.dtype == torch.float32
    np.testing.assert_allclose(v32.detach().numpy(), v64.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(C32.grad.numpy(), C64.grad.numpy(), rtol=1e-4, atol=1e-30)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hardmin_sdtw_matches_libfmp_dtw(backend):
    rng = np.random.default_rng(7)
    for _ in range(5):
        N, M = rng.integers(1, 9, size=2)
        C = rng.uniform(0, 1, (N, M))
        D = libfmp.c3.compute_accumulated_cost_matrix(C)
        P = libfmp.c3.compute_optimal_warping_path(D)
        path = np.zeros((N, M))
        path[P[:, 0], P[:, 1]] = 1.0
        result = ddtw(C, **sdtw_config(N, M, "SDTW-E")._asdict(), minimum="hardmin", backend=backend)
        np.testing.assert_allclose(result.value, D[-1, -1], rtol=1e-13)
        np.testing.assert_allclose(result.D, D, rtol=1e-13)
        np.testing.assert_array_equal(result.E, path)              # the optimal path is the hard alignment
        np.testing.assert_array_equal(result.H, path)              # all weights 1: H = E
        C_t = torch.tensor(C[None], requires_grad=True)
        value = sdtw_loss(C_t, minimum="hardmin", backend=backend)
        value.sum().backward()
        np.testing.assert_allclose(value.item(), D[-1, -1], rtol=1e-13)
        np.testing.assert_array_equal(C_t.grad[0].numpy(), path)


# ----------------------------------------------------------------------------- multi-label losses

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("config", ["CTC-A", "CTC-B-W", "CTC-C"])
def test_multilabel_ctc_loss_equals_mctc_cost_plus_ddtw_per_item(config, backend):
    rng = np.random.default_rng(8)
    B, N, M, K = 4, 9, 3, 5
    X = torch.tensor(rng.uniform(0.05, 0.95, (B, N, 1 + K)), requires_grad=True)
    Y = torch.tensor(rng.integers(0, 2, (B, M, K)).astype(float))
    Y[:, 1] = Y[:, 0]                                                # repeated chords
    N_lengths, M_lengths = np.array([9, 7, 8, 9]), np.array([3, 2, 1, 3])
    gamma = 0.8
    loss = multilabel_ctc_loss(X, Y, torch.as_tensor(N_lengths), torch.as_tensor(M_lengths), config=config, gamma=gamma,
                               reduction="mean", backend=backend)
    loss.backward()
    X_ref = X.detach().clone().requires_grad_()
    expected, surrogate = 0.0, 0.0
    for b in range(B):
        Nb, Mb = N_lengths[b], M_lengths[b]
        C = mctc_cost(X_ref[b, :Nb], Y[b, :Mb])
        result = ddtw(C.detach().numpy(), **ctc_config(Y[b, :Mb].numpy(), Nb, config)._asdict(), gamma=gamma)
        expected += result.value / Mb / B
        surrogate = surrogate + (torch.as_tensor(result.H) * C).sum() / Mb / B   # chain rule through the cost
    surrogate.backward()
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    torch.testing.assert_close(X.grad, X_ref.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_bce_sdtw_loss_equals_sdtw_on_the_bce_of_torch(backend):
    rng = np.random.default_rng(9)
    X = torch.tensor(rng.uniform(0.05, 0.95, (3, 6, 4)))
    Y = torch.tensor(rng.integers(0, 2, (3, 4, 4)).astype(float))
    bce = F.binary_cross_entropy(X[:, :, None].expand(3, 6, 4, 4), Y[:, None].expand(3, 6, 4, 4),
                                 reduction="none").sum(-1)            # Eq. (31), cell by cell
    loss = bce_sdtw_loss(X, Y, config="SDTW-D-W", gamma=0.5, reduction="sum", backend=backend)
    expected = sum(ddtw(bce[b].numpy(), **sdtw_config(6, 4, "SDTW-D-W")._asdict(), gamma=0.5).value for b in range(3))
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)


# ----------------------------------------------------------------------------- gradcheck

def double(shape, seed, low=None, high=None):
    rng = np.random.default_rng(seed)
    array = rng.normal(size=shape) if low is None else rng.uniform(low, high, shape)
    return torch.tensor(array, requires_grad=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradcheck_sdtw_loss(backend):
    C = double((2, 4, 3), 10)
    lengths = torch.tensor([4, 3]), torch.tensor([2, 3])
    for config, minimum in [("SDTW-E", "softmin"), ("SDTW-D-W", "softmin"), ("SDTW-E-W", "sparsemin")]:
        assert torch.autograd.gradcheck(
            lambda C: sdtw_loss(C, *lengths, config=config, gamma=0.7, backend=backend, minimum=minimum), (C,))


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradcheck_ctc_loss_wrt_log_probs(backend):
    log_probs = double((6, 2, 3), 11)                                 # need not be normalized
    targets, lengths = torch.tensor([[1, 1], [2, 1]]), (torch.tensor([6, 5]), torch.tensor([2, 2]))
    for config, gamma in [("CTC-A", 1.0), ("CTC-A", 0.6), ("CTC-B", 1.5), ("CTC-C-W", 0.8)]:
        assert torch.autograd.gradcheck(
            lambda lp: ctc_loss(lp, targets, *lengths, reduction="none", config=config, gamma=gamma,
                                backend=backend), (log_probs,))


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradcheck_multilabel_losses(backend):
    X = double((2, 5, 4), 12, 0.1, 0.9)
    Y = torch.tensor([[[1.0, 0, 1], [1, 0, 1]], [[0, 1, 0], [1, 1, 0]]], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda X: multilabel_ctc_loss(X, Y, config="CTC-B", gamma=0.9, reduction="none", backend=backend), (X,))
    assert torch.autograd.gradcheck(
        lambda X: bce_sdtw_loss(X[..., 1:], Y, torch.tensor([5, 4]), config="SDTW-E-W", gamma=0.5,
                                reduction="none", backend=backend), (X,))


@pytest.mark.parametrize("backend", BACKENDS)
def test_backward_twice_with_retain_graph_accumulates(backend):
    C = double((2, 4, 3), 13)
    loss = sdtw_loss(C, backend=backend, reduction="sum")
    loss.backward(retain_graph=True)
    first = C.grad.clone()
    loss.backward()
    torch.testing.assert_close(C.grad, 2 * first)
