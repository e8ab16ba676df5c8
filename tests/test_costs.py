"""The local cost functions of Sec. VI (ddtw_edu.costs) against explicit loops."""
import numpy as np
import torch
import torch.nn.functional as F

from ddtw_edu import extended_labels
from ddtw_edu.costs import bce_cost, ctc_cost, mctc_cost, multilabel_probability, nll_cost

rng = np.random.default_rng(0)


def probabilities(*shape):
    return torch.tensor(rng.uniform(0.05, 0.95, shape))


def multi_hot(*shape):
    return torch.tensor(rng.integers(0, 2, shape).astype(np.float64))


def label_probability(x, y):
    """p(y | x) of Eq. (30) as an explicit product over classes."""
    p = 1.0
    for x_i, y_i in zip(x.tolist(), y.tolist()):
        p *= y_i * x_i + (1 - y_i) * (1 - x_i)
    return p


def test_ctc_cost_gathers_minus_log_p_at_the_extended_labels():
    X = torch.tensor(rng.dirichlet(np.ones(5), size=(2, 6)))              # (B, N, K)
    Ye = torch.tensor(np.stack([extended_labels([1, 1, 4]), extended_labels([3, 2, 2])]))
    C = ctc_cost(X, Ye)
    assert C.shape == (2, 6, 7)
    for b in range(2):
        for n in range(6):
            for m in range(7):
                np.testing.assert_allclose(C[b, n, m].item(), -np.log(X[b, n, Ye[b, m]].item()), rtol=1e-15)


def test_mctc_cost_blank_columns_and_label_columns():
    X, Y = probabilities(2, 5, 1 + 4), multi_hot(2, 3, 4)
    C = mctc_cost(X, Y)
    assert C.shape == (2, 5, 7)
    for b in range(2):
        for n in range(5):
            x = X[b, n]
            for m in range(7):
                if m % 2 == 0:                                               # blank, Eq. (29)
                    expected = -np.log(x[0].item())
                else:                                                        # Eq. (28) with Eq. (30)
                    expected = -np.log((1 - x[0].item()) * label_probability(x[1:], Y[b, m // 2]))
                np.testing.assert_allclose(C[b, n, m].item(), expected, rtol=1e-13)


def test_bce_cost_equals_minus_log_label_probability():
    """The identity of Sec. VI-C: c_BCE(x, y) (Eq. 31) = -log p(y | x) (Eq. 30)."""
    X, Y = probabilities(3, 6, 5), multi_hot(3, 4, 5)
    C = bce_cost(X, Y)
    np.testing.assert_allclose(multilabel_probability(X, Y).numpy(), -C.numpy(), rtol=1e-15)
    for b in range(3):
        for n in range(6):
            for m in range(4):
                np.testing.assert_allclose(C[b, n, m].item(), -np.log(label_probability(X[b, n], Y[b, m])),
                                           rtol=1e-13)
                bce = F.binary_cross_entropy(X[b, n], Y[b, m], reduction="sum")
                np.testing.assert_allclose(C[b, n, m].item(), bce.item(), rtol=1e-13)


def test_bce_cost_clips_at_eps_so_saturated_predictions_stay_finite():
    X = torch.tensor([[0.0, 1.0]], dtype=torch.float64)
    Y = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    C = bce_cost(X, Y, eps=1e-7)
    np.testing.assert_allclose(C.item(), -2 * np.log(1e-7), rtol=1e-9)


def test_nll_cost_one_hot_targets_and_rests():
    X = torch.tensor(rng.dirichlet(np.ones(4), size=5), requires_grad=True)   # (N, K)
    classes = [2, 0, -1, 3]                                                    # -1: a rest
    Y = torch.zeros(4, 4, dtype=torch.float64)
    for m, k in enumerate(classes):
        if k >= 0:
            Y[m, k] = 1.0
    eps = 1e-7
    C = nll_cost(X, Y, eps)
    for n in range(5):
        for m, k in enumerate(classes):
            expected = -np.log(eps) if k < 0 else -np.log(X[n, k].item())   # Eq. (27)
            np.testing.assert_allclose(C[n, m].item(), expected, rtol=1e-13)
    C[:, 2].sum().backward()
    assert not X.grad.any()                                        # a rest's constant cost has no gradient
