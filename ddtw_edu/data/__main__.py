"""Command line for the data sets: ``python -m ddtw_edu.data check PATH``."""
import argparse
import sys

from .check import run_check


def build_parser():
    """The argparse parser; each subcommand sets ``func(args) -> exit code``."""
    parser = argparse.ArgumentParser(prog="python -m ddtw_edu.data", description="MTD and SWD data folders.")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = subcommands.add_parser("check", help="validate an MTD or SWD folder and print a summary")
    check.add_argument("path", help="data set root (detected: MTD has data_META/, SWD has 02_Annotations/)")
    check.add_argument("--splits", help="MTD: folder with MTD_split5-<k>.csv (default: PATH or PATH/MTD_splits)")
    check.add_argument("--overview", help="MTD: the MTD.csv overview table (default: PATH/MTD.csv if present)")
    check.set_defaults(func=lambda args: run_check(args.path, args.splits, args.overview))

    # Further subcommands (`make`, which writes the default data set) are added to `subcommands`
    # here in the same way: add_parser(...), arguments, set_defaults(func=...).
    return parser


def main(argv=None):
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
