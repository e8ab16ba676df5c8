"""The backend contract (ddtw_edu.backends), Table I stacked into a BatchProblem, and the simple Numba oracle."""
import numpy as np
import pytest
import torch

import ddtw_edu
from ddtw_edu import ctc_config, sdtw_config
from ddtw_edu.backends import BACKENDS, get_backend, numba_simple
from ddtw_edu.backends.problem import BatchProblem
from ddtw_edu.configs import Config
from ddtw_edu.reference import ddtw_backward, ddtw_forward


@pytest.mark.parametrize("name", BACKENDS)
def test_every_backend_module_offers_the_contract(name):
    backend = get_backend(name)
    for function in ("forward", "backward", "unpack_first_item", "is_available"):
        assert callable(getattr(backend, function)), (name, function)
    assert backend.RUNS_ON in ("cpu", "cuda")


@pytest.mark.parametrize("name", BACKENDS)
def test_every_backend_solves_the_same_batch(name):
    """One forward/backward through the registry, against the NumPy reference item by item."""
    rng = np.random.default_rng(1)
    configs = [ctc_config(labels, N, "CTC-B") for labels, N in [([1, 1, 2], 7), ([3], 5)]]
    N_lengths, M_lengths = np.array([7, 5]), np.array([7, 3])
    problem = BatchProblem.from_configs(configs, N_lengths, M_lengths, 7, 7, gamma=0.7)
    C = rng.uniform(0, 2, (2, 7, 7))
    values, state = get_backend(name).forward(C, problem)
    H, E = get_backend(name).backward(state, np.array([1.0, 2.0]), return_E=True)
    for b, config in enumerate(configs):
        N, M = N_lengths[b], M_lengths[b]
        W = np.broadcast_to(config.weights, (N, M, 3))
        value, _, B, end_grad = ddtw_forward(C[b, :N, :M], config.steps, W, config.start, config.end, 0.7)
        E_ref, _, H_ref = ddtw_backward(B, config.steps, W, config.start, config.end, end_grad)
        np.testing.assert_allclose(values[b], value, rtol=1e-12)
        np.testing.assert_allclose(H[b, :N, :M], (b + 1) * H_ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(E[b, :N, :M], E_ref, rtol=1e-10, atol=1e-12)
        assert not H[b, N:].any() and not H[b, :, M:].any()


def test_unknown_backend_names_are_rejected_by_the_registry():
    with pytest.raises(ValueError, match="backend must be one of"):
        get_backend("torch")
    with pytest.raises(ValueError, match="backend must be one of"):
        get_backend(None)


def test_from_configs_stacks_ctc_configs_with_inf_and_minus_one_padding():
    configs = [ctc_config([1, 1, 2], 6), ctc_config([4], 5), ctc_config([], 3)]
    problem = BatchProblem.from_configs(configs, [6, 5, 3], [7, 3, 1], 6, 7)
    assert problem.W.shape == (3, 1, 7, 3)
    np.testing.assert_array_equal(problem.W[0, 0], configs[0].weights)
    np.testing.assert_array_equal(problem.W[1, 0, :3], configs[1].weights)
    assert np.isinf(problem.W[1, 0, 3:]).all() and np.isinf(problem.W[2, 0, 1:]).all()
    np.testing.assert_array_equal(problem.start[2], [(0, 0), (-1, -1)])
    np.testing.assert_array_equal(problem.end[1], [(4, 2), (4, 1)])


def test_from_configs_keeps_one_weight_per_step_for_sdtw_and_broadcasts_when_mixed():
    configs = [sdtw_config(N, M, "SDTW-E-W") for N, M in [(5, 4), (3, 2)]]
    problem = BatchProblem.from_configs(configs, [5, 3], [4, 2], 5, 4, gamma=0.5, minimum="hardmin")
    assert problem.W.shape == (2, 1, 1, 3) and problem.gamma == 0.5 and problem.minimum == "hardmin"
    np.testing.assert_array_equal(problem.end[:, 0], [(4, 3), (2, 1)])
    cellwise = Config(configs[0].steps, np.full((3, 2, 3), 2.0), configs[1].start, configs[1].end)
    mixed = BatchProblem.from_configs([configs[0], cellwise], [5, 3], [4, 2], 5, 4)
    assert mixed.W.shape == (2, 5, 4, 3)
    np.testing.assert_array_equal(mixed.W[0], np.broadcast_to(configs[0].weights, (5, 4, 3)))
    assert (mixed.W[1, :3, :2] == 2.0).all() and np.isinf(mixed.W[1, 3:]).all()


def test_losses_build_the_problem_of_the_configs():
    """sdtw_loss equals ddtw_loss on the stacked sdtw_config of each item."""
    C = torch.rand(2, 6, 4, dtype=torch.float64)
    lengths = np.array([6, 4]), np.array([4, 3])
    configs = [sdtw_config(N, M, "SDTW-D") for N, M in zip(*lengths)]
    problem = BatchProblem.from_configs(configs, *lengths, 6, 4, gamma=0.3)
    expected = ddtw_edu.ddtw_loss(C, problem, backend="numpy")
    got = ddtw_edu.sdtw_loss(C, torch.as_tensor(lengths[0]), torch.as_tensor(lengths[1]), config="SDTW-D",
                             gamma=0.3, backend="numpy")
    torch.testing.assert_close(got, expected, rtol=0, atol=0)


@pytest.mark.parametrize("seed", range(6))
def test_the_simple_numba_version_agrees_with_the_reference(seed):
    rng = np.random.default_rng(seed)
    N, M = rng.integers(1, 8, size=2)
    steps = np.array([(1, 0), (0, 1), (1, 1), (2, 1), (1, 2)])[rng.permutation(5)[: rng.integers(1, 6)]]
    W = rng.uniform(0.2, 2.0, (N, M, len(steps)))
    W[rng.random(W.shape) < 0.2] = np.inf
    start = np.unique([(0, 0), (rng.integers(N), rng.integers(M))], axis=0)       # sets: distinct cells
    end = np.unique([(N - 1, M - 1), (rng.integers(N), rng.integers(M))], axis=0)
    C, gamma = rng.uniform(0, 3, (N, M)), rng.uniform(0.1, 2.0)
    ours = numba_simple.ddtw_forward(C, steps, W, start, end, gamma)
    ref = ddtw_forward(C, steps, W, start, end, gamma)
    for x, y in zip(ours, ref):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)
    for x, y in zip(numba_simple.ddtw_backward(ours[2], steps, W, start, end, ours[3]),
                    ddtw_backward(ref[2], steps, W, start, end, ref[3])):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)
