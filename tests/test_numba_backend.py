"""The Numba CPU backend against the NumPy reference (ddtw_edu.backends.numpy_reference)."""
import numba
import numpy as np
import pytest

from ddtw_edu import ddtw
from ddtw_edu.backends import numba_cpu, numpy_reference
from ddtw_edu.backends.vector_math import fast_exp, fast_log
from ddtw_edu.backends.problem import BatchProblem

STEPS = [(1, 0), (0, 1), (1, 1), (1, 2), (2, 1), (0, 2), (2, 0)]
MINIMA = ["softmin", "hardmin", "sparsemin"]
LAYOUTS = ["per step", "per column", "per cell", "per row"]        # W (B,1,1,S), (B,1,M,S), (B,N,M,S), (B,N,1,S)


def random_cells(rng, N, M, K):
    return np.stack([rng.integers(0, N, K), rng.integers(0, M, K)], axis=1)


def random_steps(rng, advance_n):
    """1-4 distinct steps. ``advance_n``: all with i >= 1 (as in CTC, SDTW-D); else (0, 1) or (0, 2) among them."""
    advancing = [s for s in STEPS if s[0] >= 1]
    steps = [advancing[k] for k in rng.choice(len(advancing), rng.integers(1, 4), replace=False)]
    return steps if advance_n else steps + [[(0, 1), (0, 2)][rng.integers(2)]]


def random_batch_problem(rng, layout, minimum, advance_n=False):
    """B > 8 items (several lane groups, the last one partial) of random lengths and boundaries."""
    B = int(rng.choice([9, 13, 17]))
    N, M = rng.integers(2, 8, size=2)
    steps = random_steps(rng, advance_n)
    S = len(steps)
    shape = {"per step": (B, 1, 1, S), "per column": (B, 1, M, S),
             "per cell": (B, N, M, S), "per row": (B, N, 1, S)}[layout]
    W = rng.uniform(0.1, 2.0, shape)
    W[rng.random(shape) < 0.15] = np.inf                          # blocked steps
    N_lengths, M_lengths = rng.integers(1, N + 1, B), rng.integers(1, M + 1, B)
    N_lengths[0], M_lengths[0] = N, M
    K = 3
    start, end = np.full((B, K, 2), -1), np.full((B, K, 2), -1)
    for b in range(B):
        if rng.random() < 0.5:                                     # the SDTW corners, mostly feasible
            start[b, 0], end[b, 0] = (0, 0), (N_lengths[b] - 1, M_lengths[b] - 1)
        else:
            k_start, k_end = rng.integers(1, K + 1, size=2)
            start[b, :k_start] = random_cells(rng, N_lengths[b], M_lengths[b], k_start)
            end[b, :k_end] = random_cells(rng, N_lengths[b], M_lengths[b], k_end)
    problem = BatchProblem(steps, W, start, end, N_lengths, M_lengths, rng.uniform(0.1, 2.0), minimum)
    return rng.normal(size=(B, N, M)), problem


def reference(C, problem, grad_values):
    values, state = numpy_reference.forward(C.astype(np.float64), problem)
    H, E = numpy_reference.backward(state, grad_values, return_E=True)
    return values, H, E


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("minimum", MINIMA)
def test_numba_matches_reference_in_float64(minimum, layout):
    rng = np.random.default_rng(10 * MINIMA.index(minimum) + LAYOUTS.index(layout))
    n_finite = n_infinite = 0
    for trial in range(6):
        C, problem = random_batch_problem(rng, layout, minimum, advance_n=trial % 3 == 0)
        grad_values = rng.uniform(0.5, 2.0, len(C))
        values_ref, H_ref, E_ref = reference(C, problem, grad_values)
        values, state = numba_cpu.forward(C, problem)
        return_E = trial % 2 == 0
        out = numba_cpu.backward(state, grad_values, return_E=return_E)
        H = out[0] if return_E else out
        np.testing.assert_allclose(values, values_ref, rtol=0, atol=1e-10)   # inf == inf included
        np.testing.assert_allclose(H, H_ref, rtol=0, atol=1e-10)
        if return_E:
            np.testing.assert_allclose(out[1], E_ref, rtol=0, atol=1e-10)
        assert H.dtype == np.float64
        n_finite += np.isfinite(values).sum()
        n_infinite += np.isinf(values).sum()
    assert n_finite > 20 and n_infinite > 0       # both kinds of item were exercised


@pytest.mark.parametrize("minimum", MINIMA)
def test_float32_input_is_computed_in_float64(minimum):
    rng = np.random.default_rng(11)
    for layout, advance_n in [("per step", False), ("per cell", True)]:
        C, problem = random_batch_problem(rng, layout, minimum, advance_n)
        C32 = C.astype(np.float32)
        grad_values = np.ones(len(C))
        values_ref, H_ref, _ = reference(C32, problem, grad_values)      # float64 on the same inputs
        values, state = numba_cpu.forward(C32, problem)
        H = numba_cpu.backward(state, grad_values)
        assert values.dtype == np.float64 and H.dtype == np.float32
        np.testing.assert_allclose(values, values_ref, rtol=0, atol=1e-10)  # not float32 rounding (~1e-6)
        np.testing.assert_allclose(H, H_ref, rtol=1e-6, atol=1e-7)           # one float32 rounding of H


@pytest.mark.parametrize("minimum", MINIMA)
def test_impossible_problems_give_inf_and_zero_gradient(minimum):
    B, N, M = 10, 5, 4
    lengths = np.full(B, N), np.full(B, M)
    corner_start, corner_end = np.zeros((B, 1, 2)), np.tile([[(N - 1, M - 1)]], (B, 1, 1))
    blocked_end = np.ones((B, N, M, 3))
    blocked_end[:, N - 1, M - 1] = np.inf                            # every step into the end cell blocked
    cases = [
        BatchProblem(STEPS[:3], np.ones((B, 1, 1, 3)), corner_end, corner_start, *lengths, 1.0, minimum),  # end < start
        BatchProblem([(2, 0)], np.ones((B, 1, 1, 1)), corner_start, np.tile([[(3, 0)]], (B, 1, 1)),
                     *lengths, 1.0, minimum),                        # row 3 is odd: (2, 0) never gets there
        BatchProblem(STEPS[:3], blocked_end, corner_start, corner_end, *lengths, 1.0, minimum),
    ]
    C = np.random.default_rng(12).normal(size=(B, N, M))
    for problem in cases:
        values, state = numba_cpu.forward(C, problem)
        H, E = numba_cpu.backward(state, np.ones(B), return_E=True)
        values_ref, _ = numpy_reference.forward(C, problem)
        assert np.isinf(values).all() and np.isinf(values_ref).all()
        assert not H.any() and not E.any()


@pytest.mark.parametrize("steps", [[(1, 0), (0, 1), (1, 1)], [(1, 0), (1, 1), (1, 2)]])
@pytest.mark.parametrize("minimum", MINIMA)
@pytest.mark.parametrize("weights_shape", [(3,), (6, 3), (5, 6, 3)])
def test_ddtw_numba_backend_matches_numpy_backend(minimum, weights_shape, steps):
    rng = np.random.default_rng(13)
    C = rng.normal(size=(5, 6))
    W = rng.uniform(0.2, 2.0, weights_shape)
    W[rng.random(weights_shape) < 0.2] = np.inf
    W[..., steps.index((1, 1))] = 1.0                # keep the step (1, 1) open: (0, 1) -> (4, 5) exists
    args = (C, steps, W, [(0, 0), (0, 1)], [(4, 5), (4, 4)], 0.6, minimum)
    ref, fast = ddtw(*args, backend="numpy"), ddtw(*args, backend="numba")
    np.testing.assert_allclose(fast.value, ref.value, rtol=0, atol=1e-10)
    for name in ("D", "E", "H"):
        np.testing.assert_allclose(getattr(fast, name), getattr(ref, name), rtol=0, atol=1e-10, err_msg=name)
    assert np.isfinite(ref.value)


@numba.njit
def apply_fast_exp(x):
    out = np.empty_like(x)
    for t in range(len(x)):
        out[t] = fast_exp(x[t])
    return out


@numba.njit
def apply_fast_log(x):
    out = np.empty_like(x)
    for t in range(len(x)):
        out[t] = fast_log(x[t])
    return out


def test_fast_exp_matches_numpy_over_its_range():
    rng = np.random.default_rng(14)
    x = np.concatenate([np.linspace(-708, 709, 200001), rng.uniform(-1, 1, 10000), [0.0, -0.0, 1e-300]])
    np.testing.assert_allclose(apply_fast_exp(x), np.exp(x), rtol=4e-16, atol=0)
    below = np.array([-708.5, -745.0, -1e4, -np.inf])              # documented: 0 instead of subnormals
    np.testing.assert_array_equal(apply_fast_exp(below), 0.0)
    assert apply_fast_exp(np.array([1e4]))[0] == np.exp(709.0)       # documented cap, never inf


def test_fast_log_matches_numpy_over_normal_numbers():
    rng = np.random.default_rng(15)
    x = np.concatenate([np.logspace(-307, 308, 200001), 10 ** rng.uniform(-307.6, 308.2, 10000),
                        1 + rng.uniform(-1e-3, 1e-3, 10000), [1.0, 2.3e-308, np.finfo(float).max]])
    np.testing.assert_allclose(apply_fast_log(x), np.log(x), rtol=4e-16, atol=2e-16)
