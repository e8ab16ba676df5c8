"""The NumPy reference (Alg. 1-2) against brute-force path enumeration (Eq. 6 / 10)."""
import numpy as np
import pytest

from ddtw_edu import ddtw
from ddtw_edu.bruteforce import ddtw_bruteforce

ALL_STEPS = [(1, 0), (0, 1), (1, 1), (1, 2), (2, 1), (0, 2), (2, 0), (2, 2)]


def random_problem(rng):
    N, M = rng.integers(1, 5, size=2)
    S = rng.integers(1, 5)
    steps = [ALL_STEPS[k] for k in rng.choice(len(ALL_STEPS), S, replace=False)]
    W = rng.uniform(0.1, 2.0, (N, M, S))
    W[rng.random(W.shape) < 0.2] = np.inf
    start = np.stack([rng.integers(0, N, 3), rng.integers(0, M, 3)], axis=1)[: rng.integers(1, 4)]
    end = np.stack([rng.integers(0, N, 3), rng.integers(0, M, 3)], axis=1)[: rng.integers(1, 4)]
    return rng.normal(size=(N, M)), steps, W, start, end, rng.uniform(0.1, 2.0)


@pytest.mark.parametrize("minimum", ["softmin", "hardmin"])
def test_reference_equals_path_enumeration(minimum):
    rng = np.random.default_rng(0)
    n_finite = 0
    for _ in range(300):
        C, steps, W, start, end, gamma = random_problem(rng)
        res = ddtw(C, steps, W, start, end, gamma, minimum)
        value, H, E, n_paths = ddtw_bruteforce(C, steps, W, start, end, gamma, minimum)
        if n_paths == 0:
            assert res.value == np.inf
            assert not res.H.any()
            continue
        n_finite += 1
        np.testing.assert_allclose(res.value, value, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(res.H, H, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(res.E, E, rtol=1e-10, atol=1e-12)
    assert n_finite > 100          # the random problems mostly have valid paths


@pytest.mark.parametrize("minimum", ["softmin", "sparsemin", "hardmin"])
def test_reference_gradient_matches_finite_differences(minimum):
    """H = d dDTW / d C (Eq. 18), also for sparsemin, which has no path enumeration."""
    rng = np.random.default_rng(1)
    n_checked = 0
    for _ in range(40):
        C, steps, W, start, end, gamma = random_problem(rng)
        res = ddtw(C, steps, W, start, end, gamma, minimum)
        if not np.isfinite(res.value):
            continue
        n_checked += 1
        h = 1e-6
        numeric = np.zeros_like(C)
        for index in np.ndindex(C.shape):
            step = np.zeros_like(C)
            step[index] = h
            up = ddtw(C + step, steps, W, start, end, gamma, minimum).value
            down = ddtw(C - step, steps, W, start, end, gamma, minimum).value
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(res.H, numeric, atol=1e-6)
        np.testing.assert_allclose(res.H, res.E * res.G, rtol=1e-15)
    assert n_checked > 15
