"""Command line: ``python -m ddtw_edu.experiments mtd|swd|report|merge|evaluate``.

Examples
--------
Rerun Sec. VII-B on the generated default data (small size), three runs per configuration::

    python -m ddtw_edu.experiments mtd --runs 3 --out results/mtd

See first what it would run and how long it may take, without training::

    python -m ddtw_edu.experiments mtd --runs 3 --out results/mtd --dry-run

On a real MTD folder, with the paper's network on a GPU, five runs, as the authors' code does::

    python -m ddtw_edu.experiments mtd --data /path/to/MTD --model-size paper --runs 5 --protocol authors \\
        --out results/mtd-real

Turn a results folder into the paper's tables (markdown and CSV)::

    python -m ddtw_edu.experiments report results/mtd

Use both cores: two workers split the configurations, then merge (and report)::

    python -m ddtw_edu.experiments mtd --runs 5 --configs CTC-A CTC-B ... --out results/mtd-w0 &
    python -m ddtw_edu.experiments mtd --runs 5 --configs SDTW-D SDTW-E ... --out results/mtd-w1 &
    python -m ddtw_edu.experiments merge results/mtd results/mtd-w0 results/mtd-w1

Mistakes in the arguments (a missing or malformed data folder, ``--epochs 0``,
an ``--out`` folder of other settings, ...) are answered in one line with exit
code 2, before any data is generated or feature computed and before ``--out``
is created.
"""
import argparse
import sys

from ..data.generate import SIZES
from ..protocols import PROTOCOLS
from ..minimum import MINIMUM_FUNCTIONS
from ..training import EXTENSION_CONFIGS, TRAINING_CONFIGS
from .report import check_results_folder, write_report
from .run import describe_plan, merge_results, plan_experiment, reevaluate_results, run_plan

PROG = "python -m ddtw_edu.experiments"


def _parser():
    parser = argparse.ArgumentParser(prog=PROG,
                                     description="Rerun the MTD and SWD experiments of Sec. VII, or report results.")
    commands = parser.add_subparsers(dest="command", required=True)
    for task, what in (("mtd", "main-melody pitch classes (Sec. VII-B, Tables III-IV)"),
                       ("swd", "multi-label pitch classes (Sec. VII-C, Fig. 11)")):
        run = commands.add_parser(task, help=f"train and evaluate: {what}")
        run.add_argument("--out", required=True, help="results folder (an existing one is resumed)")
        run.add_argument("--configs", nargs="+", default=list(TRAINING_CONFIGS),
                         choices=TRAINING_CONFIGS + EXTENSION_CONFIGS, metavar="CONFIG",
                         help=f"configurations (default all of the paper: {' '.join(TRAINING_CONFIGS)}; "
                              f"beyond it, on mtd: {' '.join(EXTENSION_CONFIGS)})")
        run.add_argument("--data", help="a real or generated data folder (default: the generated data set)")
        run.add_argument("--data-size", default="small", choices=SIZES, help="size of the generated data set")
        run.add_argument("--runs", type=int, default=1, help="training runs per configuration")
        run.add_argument("--epochs", type=int, help="epoch limit (default 100 for MTD, 50 for SWD)")
        run.add_argument("--model-size", choices=("paper", "small"),
                         help="network (default: paper on a GPU, small on the CPU)")
        run.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda if available")
        run.add_argument("--gamma", type=float, default=1.0, help="softmin (or sparsemin) temperature (> 0)")
        run.add_argument("--minimum", default="softmin", choices=MINIMUM_FUNCTIONS,
                         help="minimum function of the dDTW losses (default softmin, the paper's; hardmin "
                              "trains on the one best path)")
        run.add_argument("--protocol", default="table1", choices=tuple(PROTOCOLS),
                         help="table1: the paper as printed (default); authors: as the authors' code does "
                              "(see ddtw_edu.protocols)")
        run.add_argument("--seed", type=int, default=0)
        run.add_argument("--dry-run", action="store_true",
                         help="print what would run and an estimate of the time, then stop (creates nothing)")
        run.add_argument("--quiet", action="store_true", help="no progress bars")
    report = commands.add_parser("report", help="write the tables of a results folder")
    report.add_argument("results", help="a folder written by the mtd or swd command")
    report.add_argument("--out", help="where to write tables.md and the CSV (default: the results folder)")
    evaluate = commands.add_parser("evaluate", help="evaluate the saved networks of a results folder again "
                                                    "(after a metric was added or changed)")
    evaluate.add_argument("results", help="a folder written by the mtd or swd command")
    evaluate.add_argument("--all", action="store_true", dest="every",
                          help="evaluate every run, also those that have all current metrics (after a metric "
                               "changed); by default only runs that lack one are evaluated")
    merge = commands.add_parser("merge", help="merge the results folders of workers that split one experiment")
    merge.add_argument("out", help="the merged folder (created; an earlier merge is rewritten)")
    merge.add_argument("folders", nargs="+", help="results folders made with the same settings")
    merge.add_argument("--configs", nargs="+", metavar="CONFIG", help="keep only these configurations")
    merge.add_argument("--runs", type=int, metavar="N", help="keep only runs 0 to N-1 of each configuration")
    return parser


def _error(exc):
    """An ordinary mistake: one line on stderr, exit code 2 (as argparse answers a bad argument)."""
    message = " ".join(str(exc).splitlines())
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv=None):
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "report":
        try:
            check_results_folder(args.results)
        except ValueError as exc:
            return _error(exc)
        print(write_report(args.results, args.out))
        return 0
    if args.command == "evaluate":
        try:
            rows, done = reevaluate_results(args.results, every=args.every)
        except ValueError as exc:
            return _error(exc)
        print(f"evaluated {done} of the {len(rows)} runs of {args.results} again")
        print(write_report(args.results))
        return 0
    if args.command == "merge":
        try:
            rows = merge_results(args.out, args.folders, configs=args.configs, runs=args.runs)
        except ValueError as exc:
            return _error(exc)
        print(f"merged {len(rows)} runs of {len(args.folders)} folders into {args.out}")
        print(write_report(args.out))
        return 0
    try:
        plan = plan_experiment(args.command, args.out, configs=args.configs, data=args.data, runs=args.runs,
                               epochs=args.epochs, model_size=args.model_size, device=args.device, seed=args.seed,
                               data_size=args.data_size, gamma=args.gamma, protocol=args.protocol,
                               minimum=args.minimum)
    except ValueError as exc:
        return _error(exc)
    print(describe_plan(plan), flush=True)
    if args.dry_run:
        print("dry run: nothing trained, nothing written")
        return 0
    run_plan(plan, progress=not args.quiet)
    print(write_report(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
