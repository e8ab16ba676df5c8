#!/usr/bin/env bash
# How the published results were made: five runs of every configuration on the generated "small" data,
# on the CPU, by two workers (one per core) that split the configurations between them. Each worker
# trains run 0 of all its configurations, then run 1, ..., so an interrupted rerun already has complete
# tables with fewer runs; starting this script again resumes where it stopped (ddtw_edu.experiments.run).
# Both tasks and both protocols first get one run, then three, then five, so that every table the book
# shows exists early and has a mean and a spread over runs before any of them gets five.
# rerun_beyond.sh, given the same OUT, trains CTC-A and SDTW-E ahead in these folders (chapter 9's
# references); this script then finds their runs done.
# OUT is the repository's `reruns` folder: the workers' folders there (the rows and examples of every
# finished run; not the checkpoints of a run under way, nor the networks) are committed as runs finish,
# so that a rerun longer than one machine's life resumes on the next from the last commit.
# Score the runs made by an older version with the current metrics (in a worker's folder, on the machine
# that holds its networks, once the worker has moved on to the next task, so that every later merge keeps
# the scores), merge the workers' folders into a scratch folder (at any time: --runs N keeps runs 0 to
# N-1, so that the tables compare the configurations over equal counts), and copy the results here:
#   python -m ddtw_edu.experiments evaluate reruns/mtd-table1-w0      (and reruns/mtd-table1-w1)
#   python -m ddtw_edu.experiments merge _build/merged/mtd-table1 reruns/mtd-table1-w[01] --runs 3
#   cp -r _build/merged/mtd-table1/{results.json,results.csv,tables.md,table_mtd.csv,examples} \
#       ddtw_edu/experiments/published/mtd-small/
# (tests/test_experiments.py checks that every published folder is that merge of the committed folders.)
#
# usage: bash ddtw_edu/experiments/published/rerun.sh WORKER reruns   (WORKER 0 or 1, started once each)
set -euo pipefail
worker=$1
out=$2
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1   # one core per worker

# Epoch limits: MTD 15, SWD 6 (the paper trains until validation stops improving; on the CPU this is the
# budget a five-run rerun of both tasks can afford, about a day of two cores).
# Protocol "authors" reruns only what it changes (ddtw_edu.experiments.configs_changed): on MTD every
# configuration (the authors read the data differently and score rests), on SWD CTC-C and CTC-C-W, whose
# step weights differ; the Table I runs of the others are theirs under both protocols.
mtd_table1=("CTC-A CTC-C CTC-B-W SDTW-D SDTW-D-W EM" "CTC-B CTC-A-W CTC-C-W SDTW-E SDTW-E-W strong")
swd_table1=("${mtd_table1[@]}")
mtd_authors=("${mtd_table1[@]}")
swd_authors=("CTC-C" "CTC-C-W")

run_task() {  # task protocol epochs runs configs
    python -m ddtw_edu.experiments "$1" --out "$out/$1-$2-w$worker" --protocol "$2" --epochs "$3" --runs "$4" \
        --configs $5 --quiet
}
for runs in 1 3 5; do   # the run count is not a setting of a folder: raising it resumes with the next run
    run_task mtd table1 15 $runs "${mtd_table1[$worker]}"
    run_task swd table1 6 $runs "${swd_table1[$worker]}"
    run_task mtd authors 15 $runs "${mtd_authors[$worker]}"
    run_task swd authors 6 $runs "${swd_authors[$worker]}"
done
