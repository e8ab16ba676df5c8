#!/usr/bin/env bash
# The GPU checks of the "cuda" backend in one run, on a machine with an NVIDIA GPU where torch,
# numba-cuda and pytest are installed (Colab after the README's install line, or a lent
# GPU machine):
#   1. tests/test_cuda_backend.py on the real GPU: the simulator is off, so the real_gpu tests run
#      (strips racing each other, float32 CTC against torch, long sequences);
#   2. benchmarks/gpu.py on the Table VI sizes and (4096, 1024), with a sweep over strip widths;
#   3. one short training run on the GPU (MTD, tiny generated data, CTC-A and SDTW-E, 2 epochs);
#   4. chapters 04-09 under nbval in smoke mode, as an instructor runs them (skipped where nbval,
#      librosa, music21 or libfmp, which the chapters compare against, are missing).
# Each step has its own time limit, so that one hang cannot eat the others' time. Tables and the
# log go to $OUT (default benchmarks/results). Takes about five minutes.
# Usage: bash benchmarks/gpu_check.sh
set -uo pipefail
OUT=${OUT:-benchmarks/results}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
LOG="$OUT/gpu_check.log"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
unset NUMBA_ENABLE_CUDASIM
SCRATCH=$(mktemp -d)
export DDTW_EDU_DATA="$SCRATCH/data" DDTW_EDU_CACHE="$SCRATCH/cache"   # generated here, never downloaded

step() {  # step NAME SECONDS COMMAND...: run with a time limit, log its output, wall time and exit status
    local name=$1 limit=$2; shift 2
    echo "=== $name (limit ${limit} s)" | tee -a "$LOG"
    local start=$SECONDS
    timeout "$limit" "$@" 2>&1 | tee -a "$LOG"
    local status=${PIPESTATUS[0]}
    echo "=== $name: exit $status after $((SECONDS - start)) s" | tee -a "$LOG"
    return "$status"
}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$LOG"
"$PYTHON" -c "import numba, numba.cuda, torch, numpy; from importlib.metadata import version as v
print('numba', numba.__version__, 'numba-cuda', v('numba-cuda'), 'torch', torch.__version__, 'numpy', numpy.__version__)
print('compute capability', numba.cuda.get_current_device().compute_capability)" 2>&1 | tee -a "$LOG"

step "tests on the GPU" 240 "$PYTHON" -m pytest -q -p no:cacheprovider -rs --durations=5 tests/test_cuda_backend.py
tests=$?
step "benchmark" 240 "$PYTHON" benchmarks/gpu.py --strip-widths 64,128,256,512 --out "$OUT"
benchmark=$?
step "training on the GPU" 150 "$PYTHON" -m ddtw_edu.experiments mtd --data-size tiny --configs CTC-A SDTW-E \
    --epochs 2 --device cuda --quiet --out "$SCRATCH/mtd"
training=$?
notebooks=skipped
if "$PYTHON" -c "import nbval, librosa, music21, libfmp" 2>/dev/null; then
    notebooks=0
    for nb in notebooks/0[4-9]_*.ipynb; do
        DDTW_EDU_SMOKE=1 step "nbval $nb (smoke mode)" 200 "$PYTHON" -m pytest -q -p no:cacheprovider \
            --nbval-lax --nbval-sanitize-with tests/nbval-sanitize.cfg "$nb" || notebooks=1
    done
fi
rm -rf "$SCRATCH"
echo "tests exit $tests, benchmark exit $benchmark, training exit $training, notebooks $notebooks" | tee -a "$LOG"
[ "$tests" -eq 0 ] && [ "$benchmark" -eq 0 ] && [ "$training" -eq 0 ] && [ "$notebooks" != 1 ]
