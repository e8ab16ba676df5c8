"""The CUDA kernels compile for a real GPU, which the simulator cannot show.

The simulator runs the kernels as Python, so a kernel can pass every
simulator test and still fail to compile for a GPU (a type Numba-CUDA cannot
lower, an atomic on the wrong type). Here a subprocess without the simulator
compiles both kernels to PTX with NVVM (from the pinned nvidia-cuda-nvcc
wheel, no GPU needed) for a Turing card (sm_75, Colab's T4), for both dtypes
and both cost layouts, and checks what the PTX does: no float64 arithmetic
in the float32 kernels, and the fences and atomics of the strip staircase.
"""
import json
import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import json, re, sys, types
import numba.cuda.dispatcher as dispatcher
# numba-cuda 0.30 asks the driver for the compute capability of the current
# device when it compiles a device function called from a kernel; there is no
# driver here, so answer for the card we compile for.
dispatcher.get_current_device = lambda: types.SimpleNamespace(compute_capability=(7, 5))
import numba, numpy as np
from numba import cuda
from ddtw_edu.backends import cuda_gpu

assert not cuda_gpu.SIMULATED
typed = lambda dtype, *shape: numba.typeof(np.zeros(shape, dtype))
for dtype in (np.float32, np.float64):
    forward, backward = cuda_gpu._kernels(dtype)
    real = lambda *shape: typed(dtype, *shape)
    for layout, C in (("dense", real(2, 3, 4)), ("gathered", real(3, 2, 5))):
        common = (C, typed(np.int64, 2, 3), numba.boolean, real(2, 1, 3, 3), typed(np.int64, 3, 2),
                  typed(np.int64, 2, 1, 2), typed(np.int64, 2, 1, 2), typed(np.int64, 2, 1, 2),  # start, end, end
                  typed(np.int64, 2), typed(np.int64, 2),
                  numba.int64, numba.from_dtype(dtype), numba.int64, numba.int64, numba.int64,
                  typed(np.int32, 1), typed(np.int32, 2, 2), numba.int64)
        signatures = {"forward": common + (real(2, 3, 4), real(2, 1), typed(np.float64, 2), real(2, 1),
                                           typed(np.int32, 1)),
                      "backward": common + (real(2, 3, 4), real(2, 1), real(2), real(2, 2, 3, 2), C, real(2, 3, 4),
                                            numba.boolean, typed(np.int32, 1))}
        for name, kernel in (("forward", forward), ("backward", backward)):
            ptx, _ = cuda.compile_ptx(kernel.py_func, signatures[name], cc=(7, 5))
            arithmetic = re.findall(r"\b(?:add|sub|mul|div|fma|min|max|ex2|lg2|neg)(?:\.\w+)*\.f64\b", ptx)
            print(json.dumps(dict(dtype=np.dtype(dtype).name, layout=layout, kernel=name,
                                  f64_arithmetic=len(arithmetic), membar=ptx.count("membar.gl"),
                                  atomic_max=ptx.count("atom.global.max.s32"), barriers=ptx.count("bar.sync"),
                                  shared_atomic_add=len(re.findall(r"atom\.shared\.add\.f(32|64)", ptx)))))
"""


@pytest.fixture(scope="module")
def ptx_facts():
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_both_kernels_compile_for_sm75_in_both_dtypes_and_layouts(ptx_facts):
    assert {(f["dtype"], f["layout"], f["kernel"]) for f in ptx_facts} == {
        (d, lay, k) for d in ("float32", "float64") for lay in ("dense", "gathered") for k in ("forward", "backward")}


def test_float32_kernels_do_no_float64_arithmetic(ptx_facts):
    """Consumer GPUs run float64 at 1/32 to 1/64 of the float32 rate: one stray literal would promote a loop."""
    for facts in ptx_facts:
        if facts["dtype"] == "float32":
            assert facts["f64_arithmetic"] == 0, facts
        else:
            assert facts["f64_arithmetic"] > 50, facts


def test_strips_publish_with_fences_and_backward_pushes_to_shared_memory(ptx_facts):
    for facts in ptx_facts:
        assert facts["membar"] >= 2 and facts["atomic_max"] == 1 and facts["barriers"] >= 3, facts
        if facts["kernel"] == "backward":
            assert facts["shared_atomic_add"] >= 1, facts
