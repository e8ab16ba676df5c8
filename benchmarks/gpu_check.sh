#!/usr/bin/env bash
# The GPU checks of the "cuda" backend in one run, on a machine with an NVIDIA GPU where torch,
# numba-cuda and pytest are installed (Colab after the README's install line, or a lent
# GPU machine):
#   1. tests/test_cuda_backend.py on the real GPU: the simulator is off, so the real_gpu tests run
#      (strips racing each other, float32 CTC against torch, long sequences);
#   2. benchmarks/gpu.py on the Table VI sizes, with a sweep over strip widths.
# Tables and the log go to $OUT (default benchmarks/results). Takes a few minutes.
# Usage: bash benchmarks/gpu_check.sh
set -uo pipefail
OUT=${OUT:-benchmarks/results}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
unset NUMBA_ENABLE_CUDASIM

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$OUT/gpu_check.log"
"$PYTHON" -c "import numba, numba.cuda, torch; print('numba', numba.__version__, 'torch', torch.__version__)" \
    2>&1 | tee -a "$OUT/gpu_check.log"
"$PYTHON" -m pytest -q -p no:cacheprovider tests/test_cuda_backend.py 2>&1 | tee -a "$OUT/gpu_check.log"
tests=$?
"$PYTHON" benchmarks/gpu.py --strip-widths 64,128,256,512 --out "$OUT" 2>&1 | tee -a "$OUT/gpu_check.log"
benchmark=$?
echo "tests exit $tests, benchmark exit $benchmark" | tee -a "$OUT/gpu_check.log"
[ "$tests" -eq 0 ] && [ "$benchmark" -eq 0 ]
