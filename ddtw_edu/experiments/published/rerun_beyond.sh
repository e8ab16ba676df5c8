#!/usr/bin/env bash
# The measurements beyond the paper (its future work, Sec. VIII; book chapter 9), on the generated "small"
# MTD data, by two workers (one per core) that split the configurations between them. Each worker trains
# run 0 of all its configurations, then run 1, ..., and starting the script again resumes where it stopped
# (ddtw_edu.experiments.run). The device and network are the command's defaults: a GPU with the paper's
# network if torch sees one, else the CPU with the small network.
#
# "Repetitions without a blank": five runs each of SDTW-E-ONSET (an onset channel, ddtw_edu.onsets), CTC-A
# (the blank) and SDTW-E (neither), 15 epochs; compare ler_greedy_repeats / ler_greedy_no_repeats.
# "Which minimum": three runs each of SDTW-E and CTC-A under softmin at gamma 0.1, 1 and 10, sparsemin at
# gamma 1 and hardmin, 15 epochs, one folder per minimum (softmin at gamma 1 repeats the first three runs
# of the folder above, same seeds, so that every minimum has a folder of its own).
# When both workers are done, merge each pair of folders and write its tables:
#   for name in onsets softmin-gamma0.1 softmin-gamma1 softmin-gamma10 sparsemin-gamma1 hardmin; do
#       python -m ddtw_edu.experiments merge OUT/mtd-$name OUT/mtd-$name-w0 OUT/mtd-$name-w1
#   done
#
# usage: bash ddtw_edu/experiments/published/rerun_beyond.sh WORKER OUT   (WORKER 0 or 1, started once each)
set -euo pipefail
worker=$1
out=$2
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1   # one core per worker

# Worker 1 trains every CTC-A run (20), worker 0 the rest (25 runs of configurations with faster epochs).
onsets=("SDTW-E-ONSET SDTW-E" "CTC-A")
minima=("SDTW-E" "CTC-A")

run_mtd() {  # name runs configs [options of the command]
    local name=$1 runs=$2 configs=$3
    shift 3
    python -m ddtw_edu.experiments mtd --data-size small --epochs 15 --runs "$runs" --configs $configs \
        --out "$out/mtd-$name-w$worker" --quiet "$@"
}
run_mtd onsets 5 "${onsets[$worker]}"
for gamma in 0.1 1 10; do
    run_mtd "softmin-gamma$gamma" 3 "${minima[$worker]}" --minimum softmin --gamma "$gamma"
done
run_mtd sparsemin-gamma1 3 "${minima[$worker]}" --minimum sparsemin --gamma 1
run_mtd hardmin 3 "${minima[$worker]}" --minimum hardmin
