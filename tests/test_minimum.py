"""The minimum functions mu of ddtw_edu.minimum (Eq. 7, 12): values and gradients.

Peers: scipy's logsumexp/softmax, central finite differences, and a sort-based
simplex projection (Held et al. 1974; Duchi et al. 2008) written here.
"""
import numpy as np
import pytest
from scipy.special import logsumexp, softmax

from ddtw_edu.minimum import get_minimum_function, hardmin, project_onto_simplex, softmin, sparsemin

MINIMA = ["softmin", "hardmin", "sparsemin"]


def project_by_sorting(z):
    """Euclidean projection onto the simplex: the largest k with z_(k) > (sum_{i<=k} z_(i) - 1) / k."""
    u = np.sort(z)[::-1]
    cumsum = np.cumsum(u)
    k = np.arange(1, len(z) + 1)
    rho = k[u - (cumsum - 1) / k > 0][-1]
    tau = (cumsum[rho - 1] - 1) / rho
    return np.maximum(z - tau, 0)


def finite_difference_gradient(f, q, h=1e-6):
    grad = np.zeros_like(q)
    for s in range(len(q)):
        e = np.zeros_like(q)
        e[s] = h
        grad[s] = (f(q + e) - f(q - e)) / (2 * h)
    return grad


def test_softmin_value_and_gradient_match_logsumexp_and_softmax():
    rng = np.random.default_rng(0)
    for _ in range(50):
        q = rng.normal(scale=3, size=rng.integers(1, 6))
        gamma = rng.uniform(0.05, 5)
        value, grad = softmin(q, gamma)
        np.testing.assert_allclose(value, -gamma * logsumexp(-q / gamma), rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(grad, softmax(-q / gamma), rtol=1e-12, atol=1e-15)   # Eq. (12)


@pytest.mark.parametrize("minimum", ["softmin", "sparsemin"])
def test_gradient_matches_finite_differences(minimum):
    mu = get_minimum_function(minimum)
    rng = np.random.default_rng(1)
    for _ in range(30):
        q = rng.normal(size=rng.integers(1, 6))
        gamma = rng.uniform(0.2, 3)
        _, grad = mu(q, gamma)
        numeric = finite_difference_gradient(lambda x: mu(x, gamma)[0], q)
        np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_softmin_is_stable_for_huge_costs():
    value, grad = softmin(np.array([1e4, 1e4 + 1.0]), 1.0)
    np.testing.assert_allclose(value, 1e4 - np.log1p(np.exp(-1.0)), rtol=1e-15)
    np.testing.assert_allclose(grad, [1 / (1 + np.exp(-1.0)), np.exp(-1.0) / (1 + np.exp(-1.0))], rtol=1e-14)


def test_hardmin_is_min_with_one_hot_gradient_at_first_minimum():
    value, grad = hardmin(np.array([3.0, 1.0, 2.0, 1.0]), gamma=None)
    assert value == 1.0
    np.testing.assert_array_equal(grad, [0, 1, 0, 0])
    rng = np.random.default_rng(2)
    for _ in range(20):
        q = rng.normal(size=5)
        value, grad = hardmin(q)
        assert value == q.min()
        np.testing.assert_array_equal(grad, np.eye(5)[np.argmin(q)])


def test_simplex_projection_matches_sort_based_projection():
    rng = np.random.default_rng(3)
    for _ in range(200):
        z = rng.normal(scale=rng.uniform(0.1, 5), size=rng.integers(1, 8))
        if rng.random() < 0.3:                                  # ties
            z = np.round(z)
        p = project_onto_simplex(z)
        np.testing.assert_allclose(p, project_by_sorting(z), atol=1e-13)
        assert p.min() >= 0 and abs(p.sum() - 1) < 1e-12


def test_sparsemin_gradient_is_projection_and_value_is_the_regularized_minimum():
    rng = np.random.default_rng(4)
    for _ in range(50):
        q = rng.normal(size=rng.integers(1, 7))
        gamma = rng.uniform(0.05, 3)
        value, grad = sparsemin(q, gamma)
        p = project_by_sorting(-q / gamma)
        np.testing.assert_allclose(grad, p, atol=1e-13)
        np.testing.assert_allclose(value, p @ q + 0.5 * gamma * p @ p, rtol=1e-12, atol=1e-12)
        others = rng.dirichlet(np.ones(len(q)), size=100)      # no point of the simplex does better
        assert (others @ q + 0.5 * gamma * (others ** 2).sum(axis=1) >= value - 1e-12).all()


def test_sparsemin_gives_exactly_zero_weight_to_clearly_worse_candidates():
    value, grad = sparsemin(np.array([0.0, 0.1, 5.0]), 1.0)
    assert grad[2] == 0.0 and grad[0] > grad[1] > 0


@pytest.mark.parametrize("minimum", MINIMA)
def test_infinite_candidates_get_zero_gradient(minimum):
    mu = get_minimum_function(minimum)
    rng = np.random.default_rng(5)
    for _ in range(20):
        q = rng.normal(size=6)
        blocked = rng.random(6) < 0.5
        blocked[rng.integers(6)] = False                        # at least one finite candidate
        q_inf = np.where(blocked, np.inf, q)
        value, grad = mu(q_inf, 0.7)
        value_finite, grad_finite = mu(q[~blocked], 0.7)
        assert np.all(grad[blocked] == 0.0)
        np.testing.assert_allclose(value, value_finite, rtol=1e-14)
        np.testing.assert_allclose(grad[~blocked], grad_finite, rtol=1e-14)


@pytest.mark.parametrize("minimum", MINIMA)
def test_all_infinite_gives_inf_and_zero_gradient(minimum):
    value, grad = get_minimum_function(minimum)(np.full(4, np.inf), 1.0)
    assert value == np.inf
    np.testing.assert_array_equal(grad, np.zeros(4))


@pytest.mark.parametrize("minimum", MINIMA)
def test_shift_equivariance_and_gradient_sums_to_one(minimum):
    mu = get_minimum_function(minimum)
    rng = np.random.default_rng(6)
    q = np.array([0.3, -1.2, np.inf, 2.0])
    for c in rng.normal(scale=10, size=5):
        value, grad = mu(q, 0.5)
        shifted, grad_shifted = mu(q + c, 0.5)
        np.testing.assert_allclose(shifted, value + c, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(grad_shifted, grad, atol=1e-12)
        np.testing.assert_allclose(grad.sum(), 1.0, rtol=1e-14)


def test_softmin_tends_to_hardmin_as_gamma_goes_to_zero():
    rng = np.random.default_rng(7)
    q = rng.normal(size=5)
    hard_value, hard_grad = hardmin(q)
    for gamma in [1.0, 0.1, 0.01, 0.001]:
        value, grad = softmin(q, gamma)
        assert hard_value - gamma * np.log(len(q)) <= value <= hard_value   # the classic bound
    np.testing.assert_allclose(softmin(q, 1e-4)[1], hard_grad, atol=1e-12)
    np.testing.assert_allclose(sparsemin(q, 1e-4)[1], hard_grad, atol=0)
    np.testing.assert_allclose(sparsemin(q, 1e-4)[0], hard_value + 0.5e-4, rtol=1e-12)


def test_unknown_minimum_is_rejected():
    with pytest.raises(ValueError, match="minimum"):
        get_minimum_function("argmin")
