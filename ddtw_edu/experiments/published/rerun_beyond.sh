#!/usr/bin/env bash
# The measurements beyond the paper (its future work, Sec. VIII; book chapter 9), on the generated "small"
# MTD data, by two workers (one per core). Starting the script again resumes where it stopped
# (ddtw_edu.experiments.run). The device and network are the command's defaults: a GPU with the paper's
# network if torch sees one, else the CPU with the small network. Every setting not named here is the one
# of the published Table I rerun (rerun.sh, folder mtd-small): same data, epochs, seeds and network.
# Give this script the OUT of rerun.sh: the references, CTC-A and SDTW-E under softmin at gamma 1, are
# that rerun's runs, trained here ahead of its other configurations in its own worker folders (CTC-A is
# worker 0's, SDTW-E worker 1's), so that neither script trains them twice.
#
# "Repetitions without a blank" (worker 0): five runs of SDTW-E-ONSET (an onset channel, ddtw_edu.onsets),
# compared with five runs of the references CTC-A (the blank) and SDTW-E (neither); ler_greedy_repeats
# and ler_greedy_no_repeats. Worker 0 trains SDTW-E-ONSET, then CTC-A; worker 1 trains SDTW-E.
# "Which minimum", then: SDTW-E (worker 0) and CTC-A (worker 1) under softmin at gamma 0.1 and 10,
# sparsemin at gamma 1 and hardmin, one folder per minimum and worker. Run 0 of every setting comes
# first, then run 1 of every setting, then run 2, so that an interrupted rerun covers every minimum
# equally.
# Merge the folders (at any time), score the references with the metrics added since the Table I rerun
# began (the alignment shape), and copy the results (not the networks) here:
#   python -m ddtw_edu.experiments merge OUT/mtd-softmin-gamma1 OUT/mtd-table1-w0 OUT/mtd-table1-w1 \
#       --configs CTC-A SDTW-E
#   python -m ddtw_edu.experiments evaluate OUT/mtd-softmin-gamma1
#   for name in softmin-gamma0.1 softmin-gamma10 sparsemin-gamma1 hardmin; do
#       python -m ddtw_edu.experiments merge OUT/mtd-$name OUT/mtd-$name-w0 OUT/mtd-$name-w1
#   done
#   for name in onsets softmin-gamma0.1 softmin-gamma1 softmin-gamma10 sparsemin-gamma1 hardmin; do
#       mkdir -p ddtw_edu/experiments/published/mtd-$name
#       cp OUT/mtd-$name/{results.json,results.csv,tables.md} ddtw_edu/experiments/published/mtd-$name/
#   done
#
# usage: bash ddtw_edu/experiments/published/rerun_beyond.sh WORKER OUT   (WORKER 0 or 1, started once each)
set -euo pipefail
worker=$1
out=$2
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1   # one core per worker

minima=("SDTW-E" "CTC-A")

run_mtd() {  # folder runs configs [options of the command]
    local folder=$1 runs=$2 configs=$3
    shift 3
    python -m ddtw_edu.experiments mtd --data-size small --epochs 15 --runs "$runs" --configs $configs \
        --out "$out/$folder" --quiet "$@"
}
if [ "$worker" = 0 ]; then
    run_mtd mtd-onsets 5 SDTW-E-ONSET
    run_mtd mtd-table1-w0 5 CTC-A
else
    run_mtd mtd-table1-w1 5 SDTW-E
fi
for runs in 1 2 3; do
    for gamma in 0.1 10; do
        run_mtd "mtd-softmin-gamma$gamma-w$worker" "$runs" "${minima[$worker]}" --minimum softmin --gamma "$gamma"
    done
    run_mtd "mtd-sparsemin-gamma1-w$worker" "$runs" "${minima[$worker]}" --minimum sparsemin --gamma 1
    run_mtd "mtd-hardmin-w$worker" "$runs" "${minima[$worker]}" --minimum hardmin
done
