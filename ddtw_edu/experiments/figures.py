"""Figures of the experiments: predictions (Fig. 9, Fig. 10 left), soft alignments (Fig. 10 right), runs (Fig. 11),
and a rerun's metrics beside the paper's (Tables III-IV as charts).

Like the paper's figures, and unlike the matrix plots of the theory chapters,
these draw time (frames n) along the horizontal axis. Every helper takes
``ax=None``, returns what it drew, and never calls ``plt.show()``.

Book: chapter 7, "Our rerun" and "Predictions and alignments (Fig. 9)"; chapter 8, "Our rerun"
and "Predictions and soft alignments (Fig. 10)".
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from ..configs import CONFIGS, CTC_CONFIGS
from ..models import check_choice
from ..plotting import get_axes
from .alignments import compute_soft_alignment, reference_alignment

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
BLANK_SYMBOL = "ε"
_BLACK = LinearSegmentedColormap.from_list("white_black", ["white", "black"])
_RED = LinearSegmentedColormap.from_list("white_red", ["white", "tab:red"])


def _draw_rows(rows, red, ax):
    """Rows of a [0, 1] matrix over time: black-on-white, the rows flagged in ``red`` red-on-white."""
    images = []
    for keep, cmap in ((~red, _BLACK), (red, _RED)):
        if keep.any():
            data = np.ma.masked_where(np.broadcast_to(~keep[:, None], rows.shape), rows)
            images.append(ax.imshow(data, origin="lower", aspect="auto", cmap=cmap, vmin=0, vmax=1,
                                    interpolation="nearest"))
    return images


def plot_predictions(X, with_blank, ax=None, title=None):
    """Predicted probabilities over time, pitch classes upwards, the blank (if any) in red at the bottom.

    Parameters
    ----------
    X : ndarray, shape (N, 12 + Z)
        Probabilities, blank in column 0 when ``with_blank``.
    with_blank : bool
        Whether column 0 of X is the blank (Z = 1).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    list of AxesImage
        The pitch-class image, and the blank row's image when ``with_blank``.
    """
    check_choice(with_blank, "with_blank", (False, True))
    ax = get_axes(ax)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 12 + int(with_blank):
        raise ValueError(f"X must have shape (N, {12 + int(with_blank)}), got {X.shape}")
    K = X.shape[1]
    red = np.zeros(K, bool)
    red[0] = with_blank                             # row 0 of X.T is the blank when there is one
    images = _draw_rows(X.T, red, ax)
    ax.set_yticks(np.arange(K))
    ax.set_yticklabels(([BLANK_SYMBOL] if with_blank else []) + list(PITCH_CLASSES))
    ax.set_xlabel("n (frames)")
    if title is not None:
        ax.set_title(title)
    return images


def plot_soft_alignment(E, blank_rows=False, ax=None, title=None):
    """A soft alignment E (N, M) over time, targets upwards; for CTC the blank rows in red (Fig. 10).

    Parameters
    ----------
    E : ndarray, shape (N, M)
    blank_rows : bool
        True for CTC alignments with the extended labels: even 0-based target
        indices m (the paper's odd 1-based ones) are the blank and drawn red.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    list of AxesImage
    """
    ax = get_axes(ax)
    rows = np.asarray(E, dtype=float).T
    if rows.ndim != 2:
        raise ValueError(f"E must be a 2-D matrix, got shape {np.shape(E)}")
    red = np.zeros(len(rows), bool)
    red[0::2] = blank_rows
    images = _draw_rows(rows, red, ax)
    ax.set_xlabel("n (frames)")
    ax.set_ylabel("m (targets)")
    if title is not None:
        ax.set_title(title)
    return images


def plot_runs(table, ax=None, paper=None, paper_best_above=None, color="tab:blue"):
    """Median F-measure per configuration with min-max whiskers over runs (Fig. 11).

    Book: chapter 8, "Our rerun".

    Parameters
    ----------
    table : dict
        From :func:`.report.summarize_swd`: {config: {"f_min", "f_median", "f_max", ...}}.
    ax : matplotlib Axes, optional
    paper : dict, optional
        {config: value} of F-measures the paper's text quotes for a bar of
        Fig. 11 (:data:`.report.FIG_11_QUOTED`), marked with a red cross.
    paper_best_above : dict, optional
        {config: value} where the text says only that the best run lies above
        ``value`` (:data:`.report.FIG_11_BEST_ABOVE`): a lower bound of the
        whisker's top, marked with a red triangle pointing up, not a median.

    Returns
    -------
    dict
        ``"bars"``: the BarContainer, ``"whiskers"``: the ErrorbarContainer,
        ``"paper"`` and ``"paper_best"``: Line2D or None.
    """
    ax = get_axes(ax)
    configs = list(table)
    x = np.arange(len(configs))
    median = np.array([table[c]["f_median"] for c in configs])
    low = median - np.array([table[c]["f_min"] for c in configs])
    high = np.array([table[c]["f_max"] for c in configs]) - median
    bars = ax.bar(x, median, color=color, alpha=0.7, label="ours: median")
    whiskers = ax.errorbar(x, median, yerr=[low, high], fmt="none", ecolor="black", capsize=4)
    marked = {}
    for key, values, marker, label in (("paper", paper, "x", "paper's text: F-measure"),
                                       ("paper_best", paper_best_above, "^", "paper's text: best run above")):
        known = [(i, values[c]) for i, c in enumerate(configs) if c in (values or {})]
        marked[key] = (ax.plot([i for i, _ in known], [v for _, v in known], marker, color="tab:red",
                               markersize=9, linestyle="none", label=label)[0] if known else None)
    ax.set_xticks(x)
    ax.set_xticklabels(configs, rotation=45, ha="right")
    ax.set_ylabel("F-measure")
    ax.set_ylim(0, 1)
    return {"bars": bars, "whiskers": whiskers, **marked}


def plot_versus_paper(table, column, paper, ax=None, best=None, ylabel=None):
    """Per configuration, our value as a bar beside the paper's (a column of Table III or IV as a chart).

    Book: chapter 7, "Our rerun".

    Parameters
    ----------
    table : dict
        Ours, {config: {column: value}} (:func:`.report.summarize_mtd`), in the order to draw.
    column : str
        The column to draw as bars, e.g. ``"accuracy_mean"``.
    paper : dict or None
        The paper's figures in the same form (:func:`.report.paper_mtd`).
    ax : matplotlib Axes, optional
    best : str, optional
        A column with the best run (``"accuracy_best"``), drawn as a black dash
        on the paper's bars, and on ours where a configuration has more than
        one run (with one run, best and mean are the same number).
    ylabel : str, optional

    Returns
    -------
    dict
        ``"ours"`` and ``"paper"``: BarContainer (``"paper"`` None without
        ``paper``), ``"best"``: Line2D or None.
    """
    ax = get_axes(ax)
    configs = list(table)
    x = np.arange(len(configs))
    width = 0.4 if paper is not None else 0.8
    shift = width / 2 if paper is not None else 0.0
    ours = ax.bar(x - shift, [table[c][column] for c in configs], width, color="tab:blue", label="ours")
    theirs = None
    if paper is not None:
        known = [i for i, c in enumerate(configs) if c in paper]
        theirs = ax.bar(x[known] + shift, [paper[configs[i]][column] for i in known], width, color="tab:gray",
                        label="paper")
    marks = []
    if best is not None:
        marks += [(i - shift, table[c][best]) for i, c in enumerate(configs) if table[c].get("runs", 1) > 1]
        if paper is not None:
            marks += [(i + shift, paper[c][best]) for i, c in enumerate(configs) if c in paper]
    drawn_best = None
    if marks:
        drawn_best = ax.plot([m[0] for m in marks], [m[1] for m in marks], "_", color="black", markersize=12,
                             markeredgewidth=2, linestyle="none", label="best run")[0]
    ax.set_xticks(x)
    ax.set_xticklabels(configs, rotation=45, ha="right")
    ax.set_ylabel(ylabel if ylabel is not None else column)
    return {"ours": ours, "paper": theirs, "best": drawn_best}


def plot_example(config, example, multilabel, axes=None, gamma=1.0):
    """One panel pair of Fig. 9/10: a network's predictions and the soft alignment they induce.

    Book: chapter 7, "Predictions and alignments (Fig. 9)"; chapter 8, "Predictions and soft
    alignments (Fig. 10)".

    Parameters
    ----------
    config : str
        A Table I configuration, "EM" or "strong"; the baselines show the
        reference alignment of the strong annotation (Fig. 10(f)).
    example : dict
        From :func:`.run.load_examples`: ``X`` (N, 12 + Z), ``strong`` and (MTD) ``ctc``.
    multilabel : bool
    axes : pair of matplotlib Axes, optional
        Default: a new figure with two panels.
    gamma : float
        Softmin temperature of the alignment.

    Returns
    -------
    dict
        ``"predictions"`` and ``"alignment"``: the images drawn; ``"E"``: the alignment matrix.
    """
    if axes is None:
        axes = plt.subplots(1, 2, figsize=(11, 3.2), layout="constrained")[1]
    with_blank = config in CTC_CONFIGS
    name = example.get("name", "")
    predictions = plot_predictions(example["X"], with_blank, ax=axes[0], title=f"{config}: predictions X ({name})")
    if config in CONFIGS:
        E = compute_soft_alignment(config, example["X"], example, multilabel, gamma)
        title = f"{config}: soft alignment E"
    else:
        E = reference_alignment(example["strong"])
        title = "alignment of the strong annotation"
    alignment = plot_soft_alignment(E, blank_rows=with_blank, ax=axes[1], title=title)
    return {"predictions": predictions, "alignment": alignment, "E": E}


__all__ = ["PITCH_CLASSES", "BLANK_SYMBOL", "plot_predictions", "plot_soft_alignment", "plot_runs", "plot_versus_paper",
           "plot_example"]
