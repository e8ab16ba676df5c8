"""The "cuda" backend against the Numba CPU backend and the NumPy reference.

Without a GPU these run in Numba's CUDA simulator (tests/conftest.py sets
NUMBA_ENABLE_CUDASIM=1 before Numba is imported), which runs one Python
thread per CUDA thread, one block after another, with strips of 4 columns:
the sizes stay tiny, and most items span several strips (blocks). The
``concurrent_blocks`` fixture runs all blocks at once instead, so that strips
really wait for each other. The tests marked ``real_gpu`` need a real GPU and
skip otherwise; they check the waiting under the GPU's memory ordering too.
"""
import sys
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ddtw_edu import bce_sdtw_loss, ctc_loss, ddtw, multilabel_ctc_loss, sdtw_loss
from ddtw_edu.backends import cuda_gpu, numba_cpu, numpy_reference
from ddtw_edu.backends.gathered import GatheredCosts
from ddtw_edu.backends.problem import BatchProblem
from ddtw_edu.configs import CTC_CONFIGS, SDTW_CONFIGS
from test_numba_backend import LAYOUTS, MINIMA, random_batch_problem, reference

real_gpu = pytest.mark.skipif(cuda_gpu.SIMULATED or not torch.cuda.is_available(), reason="needs a real CUDA GPU")


@pytest.mark.parametrize("advance_n", [True, False], ids=["rows", "diagonals"])
@pytest.mark.parametrize("minimum", MINIMA)
def test_cuda_matches_reference_values_H_and_E(minimum, advance_n):
    """Random batches: variable lengths, blocked steps, both schedules, two weight layouts per case (all four overall)."""
    rng = np.random.default_rng(7 * MINIMA.index(minimum) + advance_n)
    n_finite = 0
    for layout in LAYOUTS[advance_n::2]:
        C, problem = random_batch_problem(rng, layout, minimum, advance_n)
        grad_values = rng.uniform(0.5, 2.0, len(C))
        values_ref, H_ref, E_ref = reference(C, problem, grad_values)
        values, state = cuda_gpu.forward(C, problem)
        H, E = cuda_gpu.backward(state, grad_values, return_E=True)
        np.testing.assert_allclose(values, values_ref, rtol=0, atol=1e-10)       # inf == inf included
        np.testing.assert_allclose(H, H_ref, rtol=0, atol=1e-10)
        np.testing.assert_allclose(E, E_ref, rtol=0, atol=1e-10)
        np.testing.assert_allclose(cuda_gpu.backward(state, grad_values), H, rtol=0, atol=1e-12)  # state reusable
        n_finite += np.isfinite(values).sum()
    assert n_finite > 5


@pytest.mark.parametrize("minimum", MINIMA)
def test_float32_input_is_computed_in_float32_to_float32_precision(minimum):
    """The GPU recursions run in the input dtype (as torch's CUDA CTC); the CPU backend runs in float64."""
    rng = np.random.default_rng(3)
    C, problem = random_batch_problem(rng, "per column", minimum)
    C = C.astype(np.float32)
    grad_values = rng.uniform(0.5, 2.0, len(C))
    values, state = cuda_gpu.forward(C, problem)
    H = cuda_gpu.backward(state, grad_values)
    values_cpu, state_cpu = numba_cpu.forward(C, problem)
    assert state.D.dtype == np.float32 and values.dtype == np.float64 and H.dtype == np.float32
    assert np.isfinite(values).sum() > 5
    np.testing.assert_allclose(values, values_cpu, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(H, numba_cpu.backward(state_cpu, grad_values), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("gamma, tolerance", [(0.1, 2e-5), (0.01, 3e-4)])
def test_float32_sdtw_gradient_stays_accurate_at_small_gamma(gamma, tolerance):
    """The README's figures: float32 recursions against float64 on a 2 x 40 x 24 SDTW-E batch."""
    C = torch.rand(2, 40, 24, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    results = {}
    for dtype in (torch.float32, torch.float64):
        X = C.to(dtype).requires_grad_(True)
        loss = sdtw_loss(X, config="SDTW-E", gamma=gamma, backend="cuda")
        loss.sum().backward()
        results[dtype] = (loss.detach().double(), X.grad.double())
    (loss32, grad32), (loss64, grad64) = results[torch.float32], results[torch.float64]
    assert ((loss32 - loss64).abs() / loss64.abs()).max() < 1e-6
    assert (grad32 - grad64).abs().max() < tolerance * grad64.abs().max()


STRIP_STEPS = {"diagonals": [(1, 0), (0, 1), (1, 1)], "rows": [(1, 0), (1, 1), (1, 2)],
               "diagonals, halo 3": [(1, 0), (0, 1), (1, 1), (1, 3)], "rows, halo 3": [(1, 0), (1, 1), (2, 3)]}


@pytest.mark.parametrize("minimum", ["softmin", "hardmin"])
@pytest.mark.parametrize("steps", STRIP_STEPS.values(), ids=STRIP_STEPS.keys())
def test_many_strips_per_item(steps, minimum, monkeypatch):
    """M well beyond the strip width: a staircase of blocks per item, items with fewer strips than others.

    Steps reach up to 3 columns into the left neighbour's strip (its halo).
    The simulator runs the blocks one after another, so there this checks
    which cells cross between strips, not the waiting itself (a GPU does).
    """
    width = 4 if cuda_gpu.SIMULATED else 32               # a GPU block has whole warps
    monkeypatch.setattr(cuda_gpu, "STRIP_WIDTH", width)
    rng = np.random.default_rng(len(steps))
    B, N, M = 3, 6 * width, 15 * width // 2
    C = rng.uniform(0, 1, (B, N, M))
    W = rng.uniform(0.5, 1.5, (B, 1, M, len(steps)))
    M_lengths = [M, 3 * width, 3]
    N_lengths = [N, 3 * N // 4, 6]
    end = [[(N - 1, M - 1), (N - 2, M - 1)], [(N_lengths[1] - 1, M_lengths[1] - 1), (-1, -1)], [(5, 2), (-1, -1)]]
    problem = BatchProblem(steps, W, np.zeros((B, 1, 2)), end, N_lengths, M_lengths, 0.5, minimum)
    values, state = cuda_gpu.forward(C, problem)
    H, E = cuda_gpu.backward(state, np.ones(B), return_E=True)
    assert state.layout.strips == 8 and state.layout.halo == max(j for _, j in steps)
    values_cpu, state_cpu = numba_cpu.forward(C, problem)
    H_cpu, E_cpu = numba_cpu.backward(state_cpu, np.ones(B), return_E=True)
    assert np.isfinite(values).all()
    np.testing.assert_allclose(values, values_cpu, rtol=1e-12)
    np.testing.assert_allclose(H, H_cpu, rtol=0, atol=1e-10)
    np.testing.assert_allclose(E, E_cpu, rtol=0, atol=1e-10)


@pytest.fixture
def concurrent_blocks(monkeypatch):
    """Let the simulator run all blocks of a grid at once, each with its own shared memory.

    Numba's simulator runs the blocks one after another, so a strip always
    finds its neighbour finished. Here every block runs in its own Python
    thread (threads switch every 10 microseconds), so the strips of an item
    really wait for each other, and a strip that read rows its neighbour has
    not published yet would read unwritten memory. Only the waiting is
    modelled, not the GPU's memory ordering (Python threads see every write).
    """
    from numba.core import types
    from numba.cuda.simulator import kernel, kernelapi
    from numba.np import numpy_support

    running, failures = [], []
    run_block = kernel.BlockManager.run

    def start_block(manager, grid_point, *args):
        def run():
            try:
                run_block(manager, grid_point, *args)
            except Exception as error:                   # re-raised in the launching thread
                failures.append(error)
        running.append(threading.Thread(target=run, daemon=True))
        running[-1].start()
        if tuple(grid_point) == tuple(d - 1 for d in manager._grid_dim):   # the last block: wait for all
            for thread in running:
                thread.join()
            running.clear()
            if failures:
                raise failures.pop()

    def shared_array_of_this_block(shared, shape, dtype, alignment=None):
        block = tuple(threading.current_thread().blockIdx)
        dtype = numpy_support.as_dtype(dtype) if isinstance(dtype, types.Type) else np.dtype(dtype)
        if shape == 0:                                   # dynamic shared memory
            memory = shared._allocations.setdefault((block, "dynamic"), np.zeros(shared._dynshared_size, np.byte))
            return np.frombuffer(memory.data, dtype=dtype, count=len(memory) // dtype.itemsize)
        caller = sys._getframe(1)
        return shared._allocations.setdefault((block, caller.f_code, caller.f_lineno), np.zeros(shape, dtype))

    atomic_add = kernelapi.FakeCUDAAtomic.add

    def add_yielding_when_polled(atomic, array, index, value):
        if value == 0:                                   # a strip polling its neighbour: let the others run
            time.sleep(0)
        return atomic_add(atomic, array, index, value)

    monkeypatch.setattr(kernel.BlockManager, "run", start_block)
    monkeypatch.setattr(kernelapi.FakeCUDAShared, "array", shared_array_of_this_block)
    monkeypatch.setattr(kernelapi.FakeCUDAAtomic, "add", add_yielding_when_polled)
    monkeypatch.setattr(cuda_gpu, "SPIN_LIMIT", 10**6)  # waits are real now; a broken schedule still ends
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(switch_interval)


@pytest.mark.skipif(not cuda_gpu.SIMULATED, reason="models concurrent blocks in the simulator")
@pytest.mark.parametrize("steps", STRIP_STEPS.values(), ids=STRIP_STEPS.keys())
def test_strips_running_at_once_wait_for_the_rows_they_read(steps, concurrent_blocks, monkeypatch):
    """All strips of two items at once: a wait too short shows up as a wrong value or gradient."""
    monkeypatch.setattr(cuda_gpu, "PUBLISH_EVERY", 1)   # report every row: the neighbour stays close behind
    rng = np.random.default_rng(2)
    B, N, M = 2, 14, 16
    C = rng.uniform(0, 1, (B, N, M))
    problem = BatchProblem(steps, np.ones((B, 1, 1, len(steps))), np.zeros((B, 1, 2)), [[(N - 1, M - 1)], [(9, 13)]],
                           [N, 10], [M, 14], 0.5, "softmin")
    values_cpu, state_cpu = numba_cpu.forward(C, problem)
    H_cpu, E_cpu = numba_cpu.backward(state_cpu, np.ones(B), return_E=True)
    for _ in range(2):
        values, state = cuda_gpu.forward(C, problem)
        H, E = cuda_gpu.backward(state, np.ones(B), return_E=True)
        assert state.layout.strips == 4
        np.testing.assert_allclose(values, values_cpu, rtol=1e-12)
        np.testing.assert_allclose(H, H_cpu, rtol=0, atol=1e-10)
        np.testing.assert_allclose(E, E_cpu, rtol=0, atol=1e-10)


def test_gathered_ctc_costs_match_the_reference():
    rng = np.random.default_rng(5)
    T, B, K, M = 6, 3, 4, 2
    log_probs = np.log(rng.dirichlet(np.ones(K), size=(T, B)))
    Ye = np.array([[0, 1, 0, 2, 0], [0, 3, 0, 3, 0], [0, 2, 0, 0, 0]])
    W = np.ones((B, 1, 2 * M + 1, 3))
    W[:, 0, 0::2, 2] = np.inf
    W[1, 0, 3, 2] = np.inf                                               # repeated label: no skip
    start = np.array([[(0, 0), (0, 1)]] * B)
    end = np.array([[(5, 4), (5, 3)], [(5, 4), (5, 3)], [(3, 2), (3, 1)]])
    problem = BatchProblem([(1, 0), (1, 1), (1, 2)], W, start, end, [6, 6, 4], [5, 5, 3], 1.0, "softmin")
    grad_values = np.array([1.0, 0.5, 2.0])
    values_ref, state_ref = numpy_reference.forward(GatheredCosts(log_probs, Ye), problem)
    values, state = cuda_gpu.forward(GatheredCosts(log_probs, Ye), problem)
    assert state.args[0].shape == (T, B, K)                  # the kernels read log_probs, no (B, T, 2M + 1) copy
    np.testing.assert_allclose(values, values_ref, rtol=1e-12)
    grad = cuda_gpu.backward(state, grad_values)
    assert grad.shape == (T, B, K)
    np.testing.assert_allclose(grad, numpy_reference.backward(state_ref, grad_values), rtol=0, atol=1e-12)


@pytest.mark.parametrize("minimum", MINIMA)
@pytest.mark.parametrize("weights_shape", [(3,), (6, 3), (5, 6, 3)])
def test_ddtw_cuda_backend_matches_numba_backend(weights_shape, minimum):
    rng = np.random.default_rng(len(weights_shape))
    C = rng.uniform(0, 1, (5, 6))
    weights = rng.uniform(0.5, 2.0, weights_shape)
    kwargs = dict(weights=weights, start=[(0, 0), (1, 0)], end=[(4, 5), (4, 4)], gamma=0.7, minimum=minimum)
    fast, cpu = (ddtw(C, [(1, 0), (0, 1), (1, 1)], backend=b, **kwargs) for b in ("cuda", "numba"))
    assert fast.value == pytest.approx(cpu.value, abs=1e-12)
    for name in "DEH":
        np.testing.assert_allclose(getattr(fast, name), getattr(cpu, name), rtol=0, atol=1e-12)


def _loss_and_grad(loss, inputs, backend, **kwargs):
    inputs = [x.clone().requires_grad_(x.is_floating_point()) for x in inputs]
    values = loss(*inputs, backend=backend, **kwargs)
    values.sum().backward()
    return values.detach(), inputs[0].grad


@pytest.mark.parametrize("config", CTC_CONFIGS)
def test_ctc_losses_cuda_equal_numba_for_every_table1_configuration(config):
    g = torch.Generator().manual_seed(CTC_CONFIGS.index(config))
    T, B, K = 7, 3, 4
    log_probs = torch.randn(T, B, K, dtype=torch.float64, generator=g).log_softmax(-1)
    targets = torch.tensor([[1, 2, 2], [3, 1, 0], [2, 0, 0]])
    args = (log_probs, targets, torch.tensor([7, 6, 4]), torch.tensor([3, 2, 1]))
    kwargs = dict(config=config, reduction="none")
    fast = _loss_and_grad(lambda lp, *rest, **kw: ctc_loss(lp, *args[1:], **kw), args[:1], "cuda", **kwargs)
    cpu = _loss_and_grad(lambda lp, *rest, **kw: ctc_loss(lp, *args[1:], **kw), args[:1], "numba", **kwargs)
    for x, y in zip(fast, cpu):
        torch.testing.assert_close(x, y, rtol=1e-10, atol=1e-10)
    X = torch.rand(2, 6, 3, dtype=torch.float64, generator=g)
    Y = (torch.rand(2, 3, 2, generator=g) < 0.5).double()
    fast = _loss_and_grad(multilabel_ctc_loss, (X, Y), "cuda", config=config, target_lengths=[3, 2])
    cpu = _loss_and_grad(multilabel_ctc_loss, (X, Y), "numba", config=config, target_lengths=[3, 2])
    for x, y in zip(fast, cpu):
        torch.testing.assert_close(x, y, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("config", SDTW_CONFIGS)
def test_sdtw_losses_cuda_equal_numba_for_every_table1_configuration(config):
    g = torch.Generator().manual_seed(SDTW_CONFIGS.index(config))
    C = torch.rand(3, 6, 5, dtype=torch.float32, generator=g)
    kwargs = dict(config=config, gamma=0.5, input_lengths=[6, 4, 5], target_lengths=[5, 3, 2])
    fast = _loss_and_grad(sdtw_loss, (C,), "cuda", **kwargs)
    cpu = _loss_and_grad(sdtw_loss, (C,), "numba", **kwargs)
    for x, y in zip(fast, cpu):
        torch.testing.assert_close(x, y, rtol=1e-5, atol=1e-6)
    X = torch.rand(2, 6, 3, dtype=torch.float64, generator=g)
    Y = (torch.rand(2, 4, 3, generator=g) < 0.5).double()
    fast = _loss_and_grad(bce_sdtw_loss, (X, Y), "cuda", config=config)
    cpu = _loss_and_grad(bce_sdtw_loss, (X, Y), "numba", config=config)
    for x, y in zip(fast, cpu):
        torch.testing.assert_close(x, y, rtol=1e-10, atol=1e-10)


@real_gpu
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_cuda_tensors_stay_on_the_device(dtype):
    """Values and gradients are CUDA tensors; C's memory is read in place (no host copy)."""
    C = torch.rand(4, 300, 700, dtype=dtype, device="cuda")
    values, state = cuda_gpu.forward(C, BatchProblem([(1, 0), (0, 1), (1, 1)], np.ones((4, 1, 1, 3)),
                                                     np.zeros((4, 1, 2)), [[(299, 699)]] * 4, [300] * 4, [700] * 4,
                                                     1.0, "softmin"))
    assert isinstance(values, torch.Tensor) and values.is_cuda
    assert state.args[0].__cuda_array_interface__["data"][0] == C.data_ptr()      # a view, not a copy
    H = cuda_gpu.backward(state, torch.ones(4, device="cuda", dtype=torch.float64))
    assert isinstance(H, torch.Tensor) and H.is_cuda and H.dtype == dtype
    C.requires_grad_(True)
    loss = sdtw_loss(C, backend="cuda").sum()
    loss.backward()
    C_cpu = C.detach().cpu().requires_grad_(True)
    sdtw_loss(C_cpu, backend="numba").sum().backward()
    tol = 1e-3 if dtype == torch.float32 else 1e-9         # float32 recursions (float64 on the CPU)
    torch.testing.assert_close(loss.detach().cpu(), sdtw_loss(C_cpu.detach(), backend="numba").sum(), rtol=tol, atol=tol)
    torch.testing.assert_close(C.grad.cpu(), C_cpu.grad, rtol=tol, atol=tol)


@real_gpu
def test_ctc_loss_on_the_gpu_matches_torch_for_long_sequences():
    T, B, K, S = 2000, 4, 30, 600
    log_probs = torch.randn(T, B, K, device="cuda", dtype=torch.float64).log_softmax(-1).requires_grad_(True)
    targets = torch.randint(1, K, (B, S), device="cuda")
    lengths = (torch.full((B,), T), torch.tensor([S, S - 5, 100, 1]))
    ours = ctc_loss(log_probs, targets, *lengths, backend="cuda", reduction="sum")
    torch_value = torch.nn.functional.ctc_loss(log_probs, targets, *lengths, reduction="sum")
    torch.testing.assert_close(ours, torch_value, rtol=1e-9, atol=1e-6)


@real_gpu
@pytest.mark.parametrize("steps", STRIP_STEPS.values(), ids=STRIP_STEPS.keys())
def test_narrow_strips_wait_for_each_other_on_the_gpu(steps, monkeypatch):
    """32-column strips: dozens of blocks per item run at once and must wait for their neighbours' rows."""
    monkeypatch.setattr(cuda_gpu, "STRIP_WIDTH", 32)
    rng = np.random.default_rng(0)
    B, N, M = 6, 400, 900
    C = torch.as_tensor(rng.uniform(0, 1, (B, N, M)), device="cuda")
    N_lengths, M_lengths = [N, N, 350, 120, N, 7], [M, 850, M, 600, 33, 5]
    end = [[(n - 1, m - 1)] for n, m in zip(N_lengths, M_lengths)]
    problem = BatchProblem(steps, np.ones((B, 1, 1, len(steps))), np.zeros((B, 1, 2)), end, N_lengths, M_lengths,
                           0.3, "softmin")
    values_cpu, state_cpu = numba_cpu.forward(C.cpu().numpy(), problem)
    H_cpu = numba_cpu.backward(state_cpu, np.ones(B))
    for _ in range(3):                                   # a race would show up as an occasional mismatch
        values, state = cuda_gpu.forward(C, problem)
        assert state.layout.strips == -(-M // 32)
        H = cuda_gpu.backward(state, torch.ones(B, device="cuda", dtype=torch.float64))
        np.testing.assert_allclose(values.cpu().numpy(), values_cpu, rtol=1e-10)
        np.testing.assert_allclose(H.cpu().numpy(), H_cpu, rtol=0, atol=1e-10)


@real_gpu
def test_strips_wider_than_the_kernels_allow_raise_a_clear_error_or_run_correctly(monkeypatch):
    """1024 threads per block launch only with at most 64 registers per thread: no CUDA launch error either way."""
    monkeypatch.setattr(cuda_gpu, "STRIP_WIDTH", 1024)
    T, B, K, S = 1200, 2, 12, 600                         # Y^e of 1201 columns: strips of 1024
    log_probs = torch.randn(T, B, K, device="cuda", dtype=torch.float64).log_softmax(-1).requires_grad_(True)
    targets = torch.randint(1, K, (B, S), device="cuda")
    lengths = (torch.full((B,), T), torch.full((B,), S))
    try:
        ctc_loss(log_probs, targets, *lengths, backend="cuda", reduction="sum").backward()
    except ValueError as error:
        assert "STRIP_WIDTH" in str(error) and "at most" in str(error)
        return
    reference = log_probs.detach().clone().requires_grad_(True)
    torch.nn.functional.ctc_loss(reference, targets, *lengths, reduction="sum").backward()
    torch.testing.assert_close(log_probs.grad, reference.grad, rtol=1e-9, atol=1e-9)


def test_a_strip_wider_than_the_compiled_kernel_allows_is_refused_before_launch(monkeypatch):
    """The check of _Layout.launch, with a stand-in for a kernel whose register use allows 384 threads."""
    launched = []

    class Kernel:
        py_func = SimpleNamespace(__name__="backward_kernel")

        def specialize(self, *args):
            return self

        def get_max_threads_per_block(self):
            return 384

        def __getitem__(self, launch_configuration):
            launched.append(launch_configuration)
            return lambda *args: None

    monkeypatch.setattr(cuda_gpu, "SIMULATED", False)
    layout = object.__new__(cuda_gpu._Layout)
    layout.width, layout.strips, layout.shared_bytes = 512, 3, 0
    with pytest.raises(ValueError, match=r"STRIP_WIDTH: .*512 threads.*backward kernel launches with at most 384.*"
                                         r"STRIP_WIDTH to at most 384"):
        layout.launch(Kernel(), 2, cuda_gpu._Device(np.zeros(1)))
    assert launched == []
    layout.width = 384
    layout.launch(Kernel(), 2, cuda_gpu._Device(np.zeros(1)))
    assert launched == [(6, 384, 0, 0)]


@real_gpu
def test_float32_ctc_on_the_gpu_is_as_accurate_as_torch_float32():
    """Against torch's float64 CTC: our float32 recursion and torch's float32 one err alike."""
    T, B, K, S = 1500, 4, 20, 400
    logits = torch.randn(T, B, K, device="cuda", dtype=torch.float64)
    targets = torch.randint(1, K, (B, S), device="cuda")
    lengths = (torch.full((B,), T), torch.tensor([S, S - 5, 100, 1]))
    results = {}
    for name, fn, dtype in [("exact", torch.nn.functional.ctc_loss, torch.float64),
                            ("torch", torch.nn.functional.ctc_loss, torch.float32),
                            ("ours", lambda *a, **kw: ctc_loss(*a, backend="cuda", **kw), torch.float32)]:
        z = logits.to(dtype, copy=True).requires_grad_(True)  # a fresh leaf each time; through log_softmax
        value = fn(z.log_softmax(-1), targets, *lengths, reduction="none")
        value.sum().backward()
        results[name] = (value.detach().double(), z.grad.double())
    for i in range(2):
        err_torch = (results["torch"][i] - results["exact"][i]).abs().max().item()
        err_ours = (results["ours"][i] - results["exact"][i]).abs().max().item()
        assert err_ours <= 2 * err_torch + 1e-5, (i, err_ours, err_torch)


def test_step_sets_beyond_the_kernels_limits_raise_clear_errors():
    C = np.random.default_rng(0).uniform(0, 1, (40, 6))
    many = [(1, j) for j in range(cuda_gpu.MAX_CANDIDATES)]
    with pytest.raises(ValueError, match="at most 15 steps, got 16"):
        ddtw(C, many, backend="cuda")
    far = [(1, 0), (0, 1), (3000, 1)]                   # a shared ring of 3002 wavefronts
    with pytest.raises(ValueError, match="bytes of shared memory"):
        ddtw(np.random.default_rng(0).uniform(0, 1, (3001, 2)), far, backend="cuda")


@pytest.mark.parametrize("minimum", MINIMA)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_device_minimum_functions_keep_the_contract_of_ddtw_edu_minimum(minimum, dtype):
    """The kernels' mu and grad mu, run alone on single cells: ties, inf candidates, all inf."""
    from numba import cuda

    from ddtw_edu.backends.kernel_codes import MINIMUM_CODES
    from ddtw_edu.minimum import get_minimum_function

    minimum_value, minimum_gradient = cuda_gpu._minimum_functions(np.dtype(dtype))

    @cuda.jit
    def one_cell(F, K, gamma, code, value, grad):
        value[0] = minimum_value(F, K, gamma, code)
        minimum_gradient(F, K, gamma, code, value[0], grad)

    gamma = 0.7
    for q in ([1.0, 2.0, 0.5], [0.3, 0.3, 0.9], [np.inf, 1.0, 1.2], [np.inf, np.inf, np.inf], [2.0]):
        F = np.array(q, dtype=dtype)
        value, grad = np.zeros(1, dtype), np.full(len(q), -1.0, dtype)
        one_cell[1, 1](F, len(q), dtype(gamma), MINIMUM_CODES[minimum], value, grad)
        expected_value, expected_grad = get_minimum_function(minimum)(np.array(q), gamma)
        tolerance = 1e-6 if dtype == np.float32 else 1e-14
        np.testing.assert_allclose(value[0], expected_value, rtol=tolerance)
        np.testing.assert_allclose(grad, expected_grad, rtol=tolerance, atol=tolerance)


def test_boundary_lookup_finds_every_cell_of_a_set_and_no_other():
    """The kernels' binary search over sorted boundary keys gives each cell's index in the set as given."""
    from numba import cuda

    @cuda.jit
    def find_all(lookup, M, index):
        for b in range(index.shape[0]):
            for n in range(index.shape[1]):
                for m in range(index.shape[2]):
                    index[b, n, m] = cuda_gpu._boundary_index(lookup, b, n, m, M)

    rng = np.random.default_rng(3)
    N, M, K = 6, 5, 9
    cells = np.full((3, K, 2), -1, dtype=np.int64)          # -1 padded, in no particular order
    for b, size in enumerate((K, 4, 1)):
        flat = rng.choice(N * M, size, replace=False)
        cells[b, :size] = np.stack([flat // M, flat % M], axis=1)
    index = np.full((3, N, M), -7, dtype=np.int64)
    find_all[1, 1](cuda_gpu.boundary_lookup(cells, M), M, index)
    expected = np.full((3, N, M), -1, dtype=np.int64)        # the index in the set, by a scan
    for b in range(3):
        for q, (n, m) in enumerate(cells[b]):
            if n >= 0:
                expected[b, n, m] = q
    np.testing.assert_array_equal(index, expected)
