"""Command line for the data sets.

``python -m ddtw_edu.data check PATH`` validates an MTD or SWD folder;
``python -m ddtw_edu.data make --dataset mtd|swd --size tiny|small|full --out PATH``
writes a generated one.
"""
import argparse
import sys

from .check import run_check
from .generate import DATASETS, SIZES, make_dataset


def build_parser():
    """The argparse parser; each subcommand sets ``func(args) -> exit code``."""
    parser = argparse.ArgumentParser(prog="python -m ddtw_edu.data", description="MTD and SWD data folders.")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = subcommands.add_parser("check", help="validate an MTD or SWD folder and print a summary")
    check.add_argument("path", help="data set root (detected: MTD has data_META/, SWD has 02_Annotations/)")
    check.add_argument("--splits", help="MTD: folder with MTD_split5-<k>.csv (default: PATH or PATH/MTD_splits)")
    check.add_argument("--overview", help="MTD: the MTD.csv overview table (default: PATH/MTD.csv if present)")
    check.set_defaults(func=lambda args: run_check(args.path, args.splits, args.overview))

    make = subcommands.add_parser("make", help="generate an MTD- or SWD-like data set from music21's scores")
    make.add_argument("--dataset", required=True, choices=DATASETS)
    make.add_argument("--size", default="small", choices=SIZES)
    make.add_argument("--out", required=True, help="folder to write (official layout)")
    make.add_argument("--seed", type=int, default=0)
    make.set_defaults(func=_make)
    return parser


def _make(args):
    out = make_dataset(args.dataset, args.size, args.out, args.seed)
    print(f"wrote {args.dataset} ({args.size}, seed {args.seed}) to {out}")
    return 0


def main(argv=None):
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
