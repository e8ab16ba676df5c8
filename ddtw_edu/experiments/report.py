"""Results of :func:`.run.run_experiment` as the paper's tables: Tables III-IV (MTD) and Fig. 11 (SWD).

Each table has one row per configuration, in the paper's order, and the same
columns as the paper: for MTD the mean and best accuracy over runs, the
retrieval figures of the run with the lowest validation loss, and mean and
best LER; for SWD the minimum, median and maximum F-measure over runs.
"""
import csv
import math
from pathlib import Path

from ..evaluation import summarize_runs
from ..training import TRAINING_CONFIGS
from .paper_results import FIG_11_TEXT, TABLE_III, TABLE_III_COLUMNS, TABLE_IV, TABLE_IV_COLUMNS
from .run import load_results

SWD_COLUMNS = ("f_min", "f_median", "f_max", "precision_median", "recall_median")


def _by_config(rows):
    groups = {}
    for row in rows:
        groups.setdefault(row["config"], []).append(row)
    return {config: groups[config] for config in TRAINING_CONFIGS if config in groups}


def summarize_mtd(rows):
    """Tables III and IV of a rerun: {config: {column: value}} with the paper's columns.

    Accuracy: mean and best (max) over runs. Retrieval: the run with the lowest
    validation loss. LER: mean and best (min) over runs.
    """
    table = {}
    for config, runs in _by_config(rows).items():
        accuracy = summarize_runs([r["accuracy"] for r in runs])
        chosen = min(runs, key=lambda r: r["best_val_loss"])
        greedy = summarize_runs([r["ler_greedy"] for r in runs])
        beam = summarize_runs([r["ler_beam"] for r in runs])
        table[config] = {"runs": len(runs), "accuracy_mean": accuracy["mean"], "accuracy_best": accuracy["max"],
                         **{k: chosen[k] for k in ("top1", "top10", "top50", "mrr")},
                         "ler_greedy_mean": greedy["mean"], "ler_greedy_best": greedy["min"],
                         "ler_beam_mean": beam["mean"], "ler_beam_best": beam["min"]}
    return table


def summarize_swd(rows):
    """Fig. 11 of a rerun: {config: {column: value}}, minimum, median and maximum F-measure over runs."""
    table = {}
    for config, runs in _by_config(rows).items():
        f = summarize_runs([r["f_measure"] for r in runs])
        table[config] = {"runs": len(runs), "f_min": f["min"], "f_median": f["median"], "f_max": f["max"],
                         "precision_median": summarize_runs([r["precision"] for r in runs])["median"],
                         "recall_median": summarize_runs([r["recall"] for r in runs])["median"]}
    return table


def _cell(value):
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def format_table(table, columns, paper=None, paper_columns=None):
    """A markdown table: a row per configuration, ours and (if given) the paper's figures side by side.

    Parameters
    ----------
    table : dict
        From :func:`summarize_mtd` or :func:`summarize_swd`.
    columns : sequence of str
    paper : dict, optional
        {config: tuple of values} in the order of ``paper_columns``.
    """
    header = ["config", "runs"] + list(columns)
    if paper is not None:
        header += [f"paper {c}" for c in paper_columns if c in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for config, row in table.items():
        cells = [config, str(row["runs"])] + [_cell(row[c]) for c in columns]
        if paper is not None:
            published = dict(zip(paper_columns, paper.get(config, [None] * len(paper_columns))))
            cells += [_cell(published[c]) for c in paper_columns if c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _write_csv(path, table):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        columns = list(next(iter(table.values())))
        writer.writerow(["config"] + columns)
        for config, row in table.items():
            writer.writerow([config] + [row[c] for c in columns])


def write_report(results_dir, out=None):
    """Write the tables of an experiment folder as markdown and CSV; returns the markdown.

    Parameters
    ----------
    results_dir : str or Path
        A folder written by :func:`.run.run_experiment`.
    out : str or Path, optional
        Where to write ``tables.md`` and ``table*.csv`` (default ``results_dir``).
    """
    settings, rows = load_results(results_dir)
    out = Path(out or results_dir)
    out.mkdir(parents=True, exist_ok=True)
    title = (f"{settings['task'].upper()} rerun: {settings['model_size']} network, data {settings['data']}, "
             f"device {settings['device']}")
    if settings["task"] == "mtd":
        table = summarize_mtd(rows)
        text = "\n\n".join([f"# {title}", "## Table III (accuracy, retrieval)",
                            format_table(table, TABLE_III_COLUMNS, TABLE_III, TABLE_III_COLUMNS),
                            "## Table IV (label error rate)",
                            format_table(table, TABLE_IV_COLUMNS, TABLE_IV, TABLE_IV_COLUMNS)])
        _write_csv(out / "table_mtd.csv", table)
    else:
        table = summarize_swd(rows)
        paper = {config: (value,) for config, value in FIG_11_TEXT.items()}
        text = "\n\n".join([f"# {title}", "## Fig. 11 (F-measure over runs)",
                            format_table(table, SWD_COLUMNS),
                            "The paper gives Fig. 11 as a chart; its text quotes "
                            + ", ".join(f"{c}: {v[0]:.2f}" for c, v in paper.items()) + "."])
        _write_csv(out / "table_swd.csv", table)
    (out / "tables.md").write_text(text + "\n")
    return text


__all__ = ["summarize_mtd", "summarize_swd", "format_table", "write_report"]
