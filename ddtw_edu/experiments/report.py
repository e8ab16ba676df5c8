"""Results of :func:`.run.run_experiment` as the paper's tables: Tables III-IV (MTD) and Fig. 11 (SWD).

Each table has one row per configuration, in the paper's order, and the same
columns as the paper: for MTD the mean and best accuracy over runs, the
retrieval figures of the run with the lowest validation loss, and mean and
best LER; for SWD the minimum, median and maximum F-measure over runs.

:func:`write_report` writes them as wide files (``tables.md``, CSV). The book's
pages use the narrow tables of :func:`mtd_comparison` and :func:`swd_comparison`
(one metric group per table, ours and the paper's figure side by side) and the
sentences of :mod:`.findings`, which check each of the paper's findings on a
rerun, so that the prose says what the numbers say.

Book: chapter 7, "Our rerun" and "What one epoch costs"; chapter 8, "Our rerun".
"""
import csv
import json
import math
from pathlib import Path

import numpy as np

from ..evaluation import summarize_runs
from ..tables import markdown_table
from ..training import EXTENSION_CONFIGS, TRAINING_CONFIGS, uses_blank
from .paper_results import FIG_11_TEXT, TABLE_III, TABLE_III_COLUMNS, TABLE_IV, TABLE_IV_COLUMNS
from .run import data_label, load_results

SWD_COLUMNS = ("f_min", "f_median", "f_max", "precision_median", "recall_median")


def _by_config(rows):
    groups = {}
    for row in rows:
        groups.setdefault(row["config"], []).append(row)
    return {config: groups[config] for config in TRAINING_CONFIGS + EXTENSION_CONFIGS if config in groups}


def summarize_mtd(rows):
    """Tables III and IV of a rerun: {config: {column: value}} with the paper's columns.

    Accuracy: mean and best (max) over runs. Retrieval: the run with the lowest
    validation loss. LER: mean and best (min) over runs. Where the rows have them, also
    the means (``<name>_mean``) of the greedy LER split by repeated notes, the shape of
    the soft alignments (:func:`.alignments.alignment_shape`) and the training time.
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
        for key in ("ler_greedy_repeats", "ler_greedy_no_repeats",     # results before these metrics lack them
                    "alignment_negligible_share", "alignment_off_path", "train_seconds"):
            values = [r[key] for r in runs if r.get(key) is not None]
            if values:
                table[config][key + "_mean"] = float(np.mean(values))
    return table


REPEATS_COLUMNS = ("ler_greedy_repeats_mean", "ler_greedy_no_repeats_mean")


def repeats_table(table):
    """Markdown: mean greedy LER on the test themes with and without a repeated note, per configuration.

    The paper's closing remark (Sec. VIII): with repeated symbols, CTC decodes
    with a lower error rate than SDTW, which has no blank to keep them apart.
    None when the results have no such columns (made before they existed); a
    cell stays empty where the test set has no theme of that kind.
    """
    rows = [[config, "yes" if uses_blank(config) else "no"] + [_cell(row.get(c)) for c in REPEATS_COLUMNS]
            for config, row in table.items() if any(c in row for c in REPEATS_COLUMNS)]
    if not rows:
        return None
    return markdown_table(["config", "blank", "themes with a repeated note", "themes without"], rows)


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
        columns = list(dict.fromkeys(column for row in table.values() for column in row))
        writer.writerow(["config"] + columns)
        for config, row in table.items():
            writer.writerow([config] + [row.get(c, "") for c in columns])


def check_results_folder(results_dir):
    """Check that ``results_dir`` is a results folder (:func:`.run.run_experiment`) before reporting it.

    Raises
    ------
    ValueError
        One line: the folder is missing, has no results.json, or an unreadable one.
    """
    folder = Path(results_dir)
    if not folder.is_dir():
        raise ValueError(f"results folder {folder} does not exist" if not folder.exists()
                         else f"results must be a folder, {folder} is a file")
    path = folder / "results.json"
    if not path.is_file():
        raise ValueError(f"results folder {folder} has no results.json (write one with the mtd or swd command)")
    try:
        saved = json.loads(path.read_text())
        saved["settings"]["task"], saved["rows"][0]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"{path} is not a results file of the mtd or swd command ({exc!r})") from None


def report_title(settings):
    """The header line of a report: task, network, data (a label, no machine folders), protocol and device.

    A minimum other than the paper's (softmin at gamma 1) is named too.
    """
    minimum, gamma = settings.get("minimum", "softmin"), settings.get("gamma", 1.0)
    if minimum == "hardmin":
        objective = ", minimum hardmin"
    elif (minimum, gamma) != ("softmin", 1.0):
        objective = f", minimum {minimum} (gamma {gamma:g})"
    else:
        objective = ""
    return (f"{settings['task'].upper()} rerun: {settings['model_size']} network, data {data_label(settings['data'])}, "
            f"protocol {settings.get('protocol', 'table1')}{objective}, device {settings['device']}")


def _device_phrase(settings):
    """ "the CPU (AMD EPYC ...), one core per worker" or "the GPU (NVIDIA H200)" """
    if settings.get("device") == "cuda":
        return f"the GPU ({settings.get('gpu', 'unknown')})"
    return f"the CPU ({settings.get('machine', 'unknown')})"


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
    title = report_title(settings)
    if settings["task"] == "mtd":
        table = summarize_mtd(rows)
        text = "\n\n".join([f"# {title}", "## Table III (accuracy, retrieval)",
                            format_table(table, TABLE_III_COLUMNS, TABLE_III, TABLE_III_COLUMNS),
                            "## Table IV (label error rate)",
                            format_table(table, TABLE_IV_COLUMNS, TABLE_IV, TABLE_IV_COLUMNS)])
        repeats = repeats_table(table)
        if repeats:
            text += "\n\n## Greedy LER and repeated notes (Sec. VIII)\n\n" + repeats
        _write_csv(out / "table_mtd.csv", table)
    else:
        table = summarize_swd(rows)
        paper = {config: (value,) for config, value in FIG_11_TEXT.items()}
        text = "\n\n".join([f"# {title}", "## Fig. 11 (F-measure over runs)",
                            format_table(table, SWD_COLUMNS),
                            "The paper gives Fig. 11 as a chart; its text quotes "
                            + ", ".join(f"{c}: {v[0]:.2f}" for c, v in paper.items()) + "."])
        _write_csv(out / "table_swd.csv", table)
    text += "\n\n## Training time\n\n" + cost_table(rows) + f"\n\nOn {_device_phrase(settings)}."
    (out / "tables.md").write_text(text + "\n")
    return text


# ---------------------------------------------------------------------------------------------------------
# Narrow tables for the book's pages

# What the two numbers of FIG_11_TEXT are (Sec. VII-C): CTC-A's test F-measure as Fig. 11 shows it, and a
# lower bound for SDTW-E-W's best run ("an F-measure of over 0.84"), not a median.
FIG_11_QUOTED = {"CTC-A": FIG_11_TEXT["CTC-A"]}
FIG_11_BEST_ABOVE = {"SDTW-E-W": FIG_11_TEXT["SDTW-E-W"]}

# (title, ((short header, column), ...)) of the MTD tables, the groups of Tables III and IV
MTD_GROUPS = (
    ("Frame accuracy (Table III, higher is better)", (("mean", "accuracy_mean"), ("best", "accuracy_best"))),
    ("Retrieval: top-1 rate and MRR (Table III, higher is better)", (("top-1", "top1"), ("MRR", "mrr"))),
    ("Retrieval: top-10 and top-50 rates (Table III)", (("top-10", "top10"), ("top-50", "top50"))),
    ("Label error rate, greedy decoding (Table IV, lower is better)",
     (("mean", "ler_greedy_mean"), ("best", "ler_greedy_best"))),
    ("Label error rate, beam search (Table IV, lower is better)",
     (("mean", "ler_beam_mean"), ("best", "ler_beam_best"))),
)
# a metric's own header when a table shows it without its group title
LABELS = {"accuracy_mean": "accuracy mean", "accuracy_best": "accuracy best", "top1": "top-1", "top10": "top-10",
          "top50": "top-50", "mrr": "MRR", "ler_greedy_mean": "greedy LER mean", "ler_greedy_best": "greedy LER best",
          "ler_beam_mean": "beam LER mean", "ler_beam_best": "beam LER best", "f_min": "F min",
          "f_median": "F median", "f_max": "F max", "precision_median": "precision", "recall_median": "recall"}


def paper_mtd():
    """Tables III and IV of the paper as {config: {column: value}}, five runs each (like :func:`summarize_mtd`)."""
    return {config: {"runs": 5, **dict(zip(TABLE_III_COLUMNS, TABLE_III[config])),
                     **dict(zip(TABLE_IV_COLUMNS, TABLE_IV[config]))} for config in TABLE_III}


def _value(table, config, column):
    return (table or {}).get(config, {}).get(column)


def compare_table(table, columns, paper=None, labels=None):
    """A narrow Markdown table: a row per configuration of ``table``; per column ours, then the paper's.

    Parameters
    ----------
    table : dict
        {config: {column: value}}, e.g. from :func:`summarize_mtd`.
    columns : sequence of str
    paper : dict, optional
        The paper's figures in the same form (:func:`paper_mtd`); without it
        the table shows ``table`` alone.
    labels : dict, optional
        Header per column (default :data:`LABELS`, else the column name).

    Returns
    -------
    str
    """
    labels = {**LABELS, **(labels or {})}
    spec = []
    for column in columns:
        name = labels.get(column, column)
        spec.append((f"ours {name}" if paper is not None else name, table, column))
        if paper is not None:
            spec.append((f"paper {name}", paper, column))
    return _spec_table(table, spec)


def _spec_table(table, spec):
    rows = [[config] + [_cell(_value(source, config, column)) for _, source, column in spec] for config in table]
    return markdown_table(["config"] + [header for header, _, _ in spec], rows)


def single_run(table):
    """Whether every configuration of a summary table has one run."""
    return all(row.get("runs", 1) == 1 for row in table.values())


def mtd_comparison(table, paper=None):
    """Tables III and IV of a rerun beside the paper's, one narrow Markdown table per metric group.

    Parameters
    ----------
    table : dict
        From :func:`summarize_mtd`.
    paper : dict, optional
        Default :func:`paper_mtd`.

    Returns
    -------
    list of (str, str)
        (title, Markdown table) per group of :data:`MTD_GROUPS`. Each metric
        shows ours beside the paper's; when every configuration has a single
        run, its mean and best are one number, shown once as "ours".
    """
    paper = paper_mtd() if paper is None else paper
    single = single_run(table)
    tables = []
    for title, columns in MTD_GROUPS:
        pair = [name for name, _ in columns] == ["mean", "best"]
        if pair and single:
            spec = [("ours", table, columns[0][1])] + [(f"paper {name}", paper, column) for name, column in columns]
        else:
            spec = [item for name, column in columns
                    for item in ((f"ours {name}", table, column), (f"paper {name}", paper, column))]
        tables.append((title, _spec_table(table, spec)))
    return tables


def _fig_11_text(config):
    if config in FIG_11_QUOTED:
        return f"about {FIG_11_QUOTED[config]:.2f}"
    if config in FIG_11_BEST_ABOVE:
        return f"best run > {FIG_11_BEST_ABOVE[config]:.2f}"
    return ""


def swd_comparison(table):
    """Fig. 11 of a rerun as a narrow Markdown table, beside what the paper's text quotes.

    Columns: F-measure (minimum, median and maximum over runs, or one
    "F-measure" column when every configuration has a single run), median
    precision and recall, and the paper's text: CTC-A's F-measure (about 0.81)
    and SDTW-E-W's best run (above 0.84). Fig. 11 itself is a chart.
    """
    f = ["f_median"] if single_run(table) else ["f_min", "f_median", "f_max"]
    labels = {"f_median": "F-measure"} if single_run(table) else {}
    spec = [({**LABELS, **labels}[c], table, c) for c in f + ["precision_median", "recall_median"]]
    rows = [[config] + [_cell(_value(table, config, c)) for _, _, c in spec] + [_fig_11_text(config)]
            for config in table]
    return markdown_table(["config"] + [header for header, _, _ in spec] + ["paper (text)"], rows)


def training_seconds(row):
    """The time of a run's training epochs: its epochs times its median epoch, validation not counted.

    Unlike the wall time ``train_seconds``, it does not depend on whether a run was interrupted and
    resumed (before :attr:`ddtw_edu.training.History.wall_seconds` the wall time restarted then) or
    on a machine suspended in between; runs of the published reruns were both.
    """
    return row["epochs"] * row["epoch_seconds"]


def cost_table(rows):
    """What training cost, per configuration, as a Markdown table.

    Columns: the runs, the epochs they ran (mean), seconds per epoch (median
    over runs of each run's median epoch), the time of a run's training
    epochs (mean :func:`training_seconds`, with the range when there are
    several runs) and the share of an epoch spent in the loss (median).
    """
    body = []
    for config, runs in _by_config(rows).items():
        minutes = [training_seconds(row) / 60 for row in runs]
        time = (f"{minutes[0]:.1f}" if len(minutes) == 1
                else f"{sum(minutes) / len(minutes):.1f} ({min(minutes):.1f}-{max(minutes):.1f})")
        body.append([config, str(len(runs)), f"{sum(row['epochs'] for row in runs) / len(runs):.1f}",
                     f"{float(np.median([row['epoch_seconds'] for row in runs])):.1f}", time,
                     f"{float(np.median([row['loss_share'] for row in runs])):.1%}"])
    return markdown_table(["config", "runs", "epochs", "epoch [s]", "training [min]", "loss share"], body)


__all__ = ["summarize_mtd", "summarize_swd", "format_table", "write_report", "check_results_folder", "report_title",
           "FIG_11_QUOTED", "FIG_11_BEST_ABOVE", "MTD_GROUPS", "LABELS", "markdown_table", "paper_mtd", "single_run",
           "compare_table", "mtd_comparison", "swd_comparison", "training_seconds", "cost_table", "repeats_table",
           "REPEATS_COLUMNS"]
