"""Command line: ``python -m ddtw_edu.experiments mtd|swd|report``.

Examples
--------
Rerun Sec. VII-B on the generated default data (small size), three runs per configuration::

    python -m ddtw_edu.experiments mtd --runs 3 --out results/mtd

On a real MTD folder, with the paper's network on a GPU, five runs::

    python -m ddtw_edu.experiments mtd --data /path/to/MTD --model-size paper --runs 5 --out results/mtd-real

Turn a results folder into the paper's tables (markdown and CSV)::

    python -m ddtw_edu.experiments report results/mtd
"""
import argparse
import sys

from ..data.generate import SIZES
from ..training import TRAINING_CONFIGS
from .report import write_report
from .run import run_experiment


def _parser():
    parser = argparse.ArgumentParser(prog="python -m ddtw_edu.experiments",
                                     description="Rerun the MTD and SWD experiments of Sec. VII, or report results.")
    commands = parser.add_subparsers(dest="command", required=True)
    for task, what in (("mtd", "main-melody pitch classes (Sec. VII-B, Tables III-IV)"),
                       ("swd", "multi-label pitch classes (Sec. VII-C, Fig. 11)")):
        run = commands.add_parser(task, help=f"train and evaluate: {what}")
        run.add_argument("--out", required=True, help="results folder (an existing one is resumed)")
        run.add_argument("--configs", nargs="+", default=list(TRAINING_CONFIGS), choices=TRAINING_CONFIGS,
                         metavar="CONFIG", help=f"configurations (default all: {' '.join(TRAINING_CONFIGS)})")
        run.add_argument("--data", help="a real or generated data folder (default: the generated data set)")
        run.add_argument("--data-size", default="small", choices=SIZES, help="size of the generated data set")
        run.add_argument("--runs", type=int, default=1, help="training runs per configuration")
        run.add_argument("--epochs", type=int, help="epoch limit (default 100 for MTD, 50 for SWD)")
        run.add_argument("--model-size", choices=("paper", "small"),
                         help="network (default: paper on a GPU, small on the CPU)")
        run.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda if available")
        run.add_argument("--gamma", type=float, default=1.0, help="softmin temperature")
        run.add_argument("--seed", type=int, default=0)
        run.add_argument("--quiet", action="store_true", help="no progress bars")
    report = commands.add_parser("report", help="write the tables of a results folder")
    report.add_argument("results", help="a folder written by the mtd or swd command")
    report.add_argument("--out", help="where to write tables.md and the CSV (default: the results folder)")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "report":
        print(write_report(args.results, args.out))
        return 0
    run_experiment(args.command, args.out, configs=args.configs, data=args.data, runs=args.runs,
                   epochs=args.epochs, model_size=args.model_size, device=args.device, seed=args.seed,
                   data_size=args.data_size, gamma=args.gamma, progress=not args.quiet)
    print(write_report(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
