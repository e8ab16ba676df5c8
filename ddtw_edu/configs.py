"""The training configurations of Table I as dDTW building blocks (paper Sec. VII-A).

CTC configurations (CTC-A, CTC-B, CTC-C) align the predictions with the
extended label sequence Y^e = (blank, y_1, blank, ..., y_M, blank), of length
2M + 1 with blanks at the even 0-based positions. Their steps are
(1, 0), (1, 1), (1, 2); the weight of a step depends on the kind of cell it
enters (blank or target), which makes the weights column-wise, shape (2M + 1, 3).

SDTW configurations (SDTW-D, SDTW-E) align with Y directly; their weights are
one per step. The -W variants lower the horizontal weight (step (1, 0) into a
target) to 0.1.

Deliberate reading of CTC-C: every blank step is blocked except the transit
target -> blank -> target that separates two equal consecutive labels, which
gets the (1, 1) weight 1.0 in and out (one frame on that blank).

Subsequence alignment (``subsequence=True``): the boundary sets B_start and
B_end of Sec. III-B grow from the first and last frame to every frame, so a
short label sequence aligns to the part of a long recording where it occurs.
The paper names subsequence alignment as future work (Sec. VIII); the
recursion of Algorithms 1-2 takes the larger sets unchanged.

Book: chapter 4, "Every configuration of Table I"; chapter 9, "Subsequence dDTW".
"""
from collections import namedtuple

import numpy as np

from .protocols import get_protocol

CTC_CONFIGS = ("CTC-A", "CTC-B", "CTC-C", "CTC-A-W", "CTC-B-W", "CTC-C-W")
SDTW_CONFIGS = ("SDTW-D", "SDTW-E", "SDTW-D-W", "SDTW-E-W")
CONFIGS = CTC_CONFIGS + SDTW_CONFIGS
CTC_STEPS = np.array([(1, 0), (1, 1), (1, 2)])
HORIZONTAL_WEIGHT_W = 0.1

# Table I, CTC rows: weights of (1, 0) and (1, 1) into a blank cell.
_BLANK_WEIGHTS = {"A": (1.0, 1.0), "B": (2.0, 2.0), "C": (np.inf, np.inf)}

Config = namedtuple("Config", ["steps", "weights", "start", "end"])
Config.__doc__ = "dDTW building blocks; pass as ``ddtw(C, **config._asdict())``."


def check_config_name(config, allowed=CONFIGS):
    """Raise a ValueError unless ``config`` is one of ``allowed``."""
    if config not in allowed:
        raise ValueError(f"config must be one of {allowed}, got {config!r}")


def horizontal_weight(config):
    """Weight of the (1, 0) step into a target cell: 0.1 for -W variants, else 1."""
    return HORIZONTAL_WEIGHT_W if config.endswith("-W") else 1.0


def set_horizontal_weight(blocks, w_h):
    """Building blocks with the weight of the (1, 0) step into target cells set to ``w_h`` (Sec. VII-A-3).

    Works for the blocks of :func:`ctc_config` (column-wise weights (2M + 1, 3);
    targets are the odd 0-based columns, blanks keep their weights) and of
    :func:`sdtw_config` (one weight per step, step (1, 0) first). ``w_h = 0.1``
    turns a configuration into its -W variant.

    Parameters
    ----------
    blocks : Config
    w_h : float
        Positive weight (``inf`` blocks the step).

    Returns
    -------
    Config
    """
    if not w_h > 0:
        raise ValueError(f"w_h must be a positive weight, got {w_h!r}")
    W = np.array(blocks.weights, dtype=float)
    if W.ndim == 2:
        W[1::2, 0] = w_h
    elif W.ndim == 1 and tuple(blocks.steps[0]) == (1, 0):
        W[0] = w_h
    else:
        raise ValueError("blocks must come from ctc_config or sdtw_config (step (1, 0) first)")
    return blocks._replace(weights=W)


def extended_labels(labels, blank=0):
    """Y^e for a label sequence: a blank before, between and after the labels
    (Sec. II-A).

    Parameters
    ----------
    labels : array_like of int, shape (M,)

    Returns
    -------
    Ye : ndarray of int, shape (2M + 1,)
    """
    labels = np.asarray(labels, dtype=np.int64)
    Ye = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    Ye[1::2] = labels
    return Ye


def ctc_weights(repeats, config="CTC-A", protocol="table1"):
    """Column-wise step weights of a CTC configuration of Table I.

    Parameters
    ----------
    repeats : array_like of bool, shape (M - 1,), or None for M = 0
        ``repeats[m]`` says whether labels m and m + 1 are equal (for
        multi-label targets: equal vectors). A blank may be skipped
        (step (1, 2)) only between different labels (Eq. 1).
    config : str
        One of ``CTC_CONFIGS``.
    protocol : {"table1", "authors"}
        ``"table1"``: Table I as printed. ``"authors"``: the weights of the
        authors' experiment code (:mod:`ddtw_edu.protocols`): the (1, 1) step
        into a blank between equal labels weighs 1.0 (CTC-B: not 2.0), and
        CTC-C does not block the (1, 1) step into a target.

    Returns
    -------
    W : ndarray, shape (2M + 1, 3)
        Weights of the steps (1, 0), (1, 1), (1, 2) into each column of Y^e;
        ``inf`` blocks a step.
    """
    check_config_name(config, CTC_CONFIGS)
    authors = get_protocol(protocol).ctc_weights == "authors"
    M = 0 if repeats is None else len(repeats) + 1
    if repeats is None:
        repeats = np.zeros(0, dtype=bool)
    else:
        repeats = np.asarray(repeats, dtype=bool)
    blank_stay, blank_enter = _BLANK_WEIGHTS[config[4]]
    W = np.full((2 * M + 1, 3), np.inf)
    W[0::2, 0] = blank_stay   # (1, 0) within a blank
    W[0::2, 1] = blank_enter  # (1, 1) from a target into a blank
    if M == 0:
        return W
    W[1::2, 0] = horizontal_weight(config)  # (1, 0) within a target
    # (1, 1) from a blank into a target
    W[1::2, 1] = np.inf if config.startswith("CTC-C") else 1.0
    # (1, 2) skips the blank between different labels
    skip = np.concatenate([[False], ~repeats])
    W[1::2, 2] = np.where(skip, 1.0, np.inf)
    between = 2 * np.flatnonzero(repeats) + 2  # blanks between equal labels
    if config.startswith("CTC-C"):  # the one blank transit CTC-C keeps
        W[between, 1] = 1.0
        W[between + 1, 1] = 1.0
    if authors:  # global weights into every target and every such blank
        W[between, 1] = 1.0
        W[1::2, 1] = 1.0
    return W


def check_subsequence(subsequence):
    """Return ``subsequence`` as a bool; a ValueError for anything but True or False."""
    if not isinstance(subsequence, (bool, np.bool_)):
        raise ValueError(f"subsequence must be True or False, got {subsequence!r}")
    return bool(subsequence)


def boundary_sets(N, first_columns, last_columns, subsequence=False):
    """B_start and B_end (Sec. III-B) over the frames n, 0-based.

    With ``subsequence`` every path still starts at one frame n0 and ends at
    one frame n1, so the paths split by their window n0..n1: the dDTW value
    with softmin is the soft minimum, over all windows, of the ordinary value
    on frames n0..n1 (with hardmin: the minimum).

    Book: chapter 9, "Subsequence dDTW".

    Parameters
    ----------
    N : int
        Number of frames (rows of the cost matrix).
    first_columns, last_columns : sequence of int
        Label columns m where an alignment may start and end.
    subsequence : bool
        False: start at frame 0, end at frame N - 1. True: start and end at
        any frame, so the labels align to a part of the N frames.

    Returns
    -------
    start, end : int64 ndarray, shape (K, 2)
        Cells (n, m), frame by frame, the columns in the order given (the
        hard minimum picks the first of equal end costs).
    """
    subsequence = check_subsequence(subsequence)
    start_frames = np.arange(N) if subsequence else np.array([0])
    end_frames = np.arange(N) if subsequence else np.array([N - 1])

    def cells(frames, columns):
        n, m = np.meshgrid(frames, np.asarray(columns, dtype=np.int64), indexing="ij")
        return np.stack([n.ravel(), m.ravel()], axis=1).astype(np.int64)

    return cells(start_frames, first_columns), cells(end_frames, last_columns)


def label_repeats(labels):
    """repeats[m] = labels[m] == labels[m + 1] (whole vectors for multi-hot labels)."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return None
    equal = labels[1:] == labels[:-1]
    return equal.all(axis=tuple(range(1, equal.ndim)))    # reshape(0, -1) would fail for M = 1


def ctc_config(labels, N, config="CTC-A", blank=0, protocol="table1", subsequence=False):
    """A CTC configuration of Table I for one label sequence and N frames.

    Book: chapter 3, "Which paths? Boundaries and steps"; chapter 4, "Every
    configuration of Table I"; chapter 9, "Subsequence dDTW".

    Parameters
    ----------
    labels : array_like, shape (M,) of int, or (M, K) multi-hot
    N : int
        Number of predictions (rows of the cost matrix).
    config : str
        One of ``CTC_CONFIGS``.
    blank : int
    protocol : {"table1", "authors"}
        Table I as printed, or the authors' code's weights (:func:`ctc_weights`).
    subsequence : bool
        False: the paths of CTC (Sec. IV-B). True: Y^e may start and end at
        any frame (the first two columns at every frame start, the last two
        at every frame end), so the labels align to a part of the N frames;
        not in the paper (Sec. VIII names it as future work).

    Returns
    -------
    Config
        Steps (1, 0), (1, 1), (1, 2); weights (2M + 1, 3); start cells
        {(0, 0), (0, 1)} and end cells {(N - 1, 2M), (N - 1, 2M - 1)}
        (Sec. IV-B), 0-based; with ``subsequence`` {(n, 0), (n, 1)} and
        {(n, 2M), (n, 2M - 1)} for every frame n, shape (2N, 2) each. For
        M = 0 only column 0.
    """
    labels = np.asarray(labels)
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or blank < 0:
        # an index, never a flag: True would silently be channel 1
        raise ValueError(f"blank must be a class index (an int >= 0), got {blank!r}")
    if labels.ndim == 1 and (labels == blank).any():
        raise ValueError(f"labels must not contain the blank index {blank}")
    M = len(labels)
    W = ctc_weights(label_repeats(labels), config, protocol)
    Me = 2 * M + 1
    first, last = ([0, 1], [Me - 1, Me - 2]) if M else ([0], [0])
    start, end = boundary_sets(N, first, last, subsequence)
    return Config(CTC_STEPS.copy(), W, start, end)


def sdtw_config(N, M, config="SDTW-E", subsequence=False):
    """An SDTW configuration of Table I for an N x M cost matrix.

    SDTW-D: steps (1, 0), (1, 1); SDTW-E adds (0, 1) (classic soft-DTW).

    Book: chapter 4, "Every configuration of Table I"; chapter 9, "Subsequence dDTW".

    Parameters
    ----------
    N, M : int
        Frames (rows) and labels (columns) of the cost matrix.
    config : str
        One of ``SDTW_CONFIGS``.
    subsequence : bool
        False: start {(0, 0)}, end {(N - 1, M - 1)} (Sec. III-B). True: the
        labels may start and end at any frame, start {(n, 0)} and end
        {(n, M - 1)} for every frame n, shape (N, 2) each, so they align to
        a part of the N frames (subsequence DTW [FMP, Sec. 7.2.3]; Sec. VIII
        of the paper names it as future work). With ``minimum="hardmin"``
        and SDTW-E this is the subsequence DTW of librosa (and of libfmp,
        for costs >= 0).

    Returns
    -------
    Config
    """
    check_config_name(config, SDTW_CONFIGS)
    w_h = horizontal_weight(config)
    if config.startswith("SDTW-D"):
        steps, weights = [(1, 0), (1, 1)], [w_h, 1.0]
    else:
        steps, weights = [(1, 0), (0, 1), (1, 1)], [w_h, 1.0, 1.0]
    start, end = boundary_sets(N, [0], [M - 1], subsequence)
    return Config(np.array(steps), np.array(weights), start, end)


def table_one_rows(config):
    """Table I of the paper for one configuration, as rows: the paper, this library, the authors' code.

    The single source of the book's rendering of Table I. Each row is one
    entry of the configuration (the weight of a step into a kind of cell, or
    a boundary set; steps are named by their vectors, weights of the step
    *into* a cell as everywhere in this library):

    - ``"paper"``: the value the paper prints, ``"source"`` where: ``"Table I"``
      for its columns; ``"Sec. IV-B"``, ``"Sec. V-A"`` or ``"Sec. VII-A"`` for
      what only its text states (skip a blank only between different labels;
      the boundary sets; the one blank transit that CTC-C keeps).
    - ``"library"``: read from :func:`ctc_config` / :func:`sdtw_config` on the
      probe labels ``[1, 1, 2]`` (one pair of equal labels, one change); a
      ``ValueError`` if the cells an entry names disagree.
    - ``"authors"``: what the authors' code builds (github.com/groupmm/dDTW_CTC,
      ``01_single_label_MTD/trainScript.py``, ``CTC_targets_to_dDTW``, with the
      settings of ``03_run_trainings.ipynb``; the same rules as the ``CTC``
      class of the ``ddtw`` 0.1.2 package): every step into a blank gets the
      blank weight (1, 2 or 1e20 for A, B, C), every step into a target the
      global weights (w_h, 1, 1); then 1e20 blocks the skips, and the (1, 1)
      step into a blank between equal labels gets the global 1.0. Blocking is
      the finite 1e20, not ``inf``. SDTW-D has no step (0, 1) there
      (the multi-label script ``02_multi_label_PCE/train_script.py`` gives it
      the weight 1e20 instead).

    Weights are floats (``inf`` blocks a step, ``None``: no such step); boundary
    sets are strings with the paper's 1-based cells.

    Parameters
    ----------
    config : str
        One of ``CONFIGS``.

    Returns
    -------
    rows : list of dict
        Keys ``"entry"``, ``"paper"``, ``"source"``, ``"library"``, ``"authors"``.
    """
    check_config_name(config)
    w_h = horizontal_weight(config)
    inf = np.inf
    if config.startswith("SDTW"):
        N, M = 4, 3
        cfg = sdtw_config(N, M, config)
        ours = {tuple(s): float(w) for s, w in zip(cfg.steps.tolist(), cfg.weights)}
        no_vertical = config.startswith("SDTW-D")
        table = [("(1,0)", w_h, w_h), ("(1,1)", 1.0, 1.0),
                 ("(0,1)", None if no_vertical else 1.0, None if no_vertical else 1.0)]
        rows = [dict(entry=entry, paper=paper, source="Table I",
                     library=ours.get(tuple(int(k) for k in entry.strip("()").split(","))),
                     authors=authors)
                for entry, paper, authors in table]
        names = {0: "1", N - 1: "N"}, {0: "1", M - 1: "M"}
        ends = [("{(1, 1)}", cfg.start), ("{(N, M)}", cfg.end)]
        set_source = "Sec. V-A"
    else:
        labels = [1, 1, 2]                  # Y^e = (ε, 1, ε, 1, ε, 2, ε), columns 0..6
        N = 4
        cfg = ctc_config(labels, N, config)
        Me = 2 * len(labels) + 1
        blank = {"A": 1.0, "B": 2.0, "C": inf}[config[4]]
        code_blank = {"A": 1.0, "B": 2.0, "C": 1e20}[config[4]]
        ctc_c = config.startswith("CTC-C")

        def read(columns, s):
            values = np.unique(cfg.weights[columns, s])
            if len(values) != 1:
                raise ValueError(f"{config}: columns {columns} disagree on step {s}: {values}")
            return float(values[0])

        # entry, columns of Y^e, step index, paper value, source, authors' value
        table = [
            ("(1,0) into a target", [1, 3, 5], 0, w_h, "Table I", w_h),
            ("(1,0) into a blank", [0, 2, 4, 6], 0, blank, "Table I", code_blank),
            ("(1,1) into a target", [5], 1, inf if ctc_c else 1.0, "Table I", 1.0),
            ("(1,1) into a blank", [0, 4, 6], 1, blank, "Table I", code_blank),
            ("(1,1) into a blank between equal labels", [2], 1,
             1.0 if ctc_c else blank, "Sec. VII-A" if ctc_c else "Table I", 1.0),
            ("(1,1) into the target after it", [3], 1, 1.0,
             "Sec. VII-A" if ctc_c else "Table I", 1.0),
            ("(1,2) between different labels", [5], 2, 1.0, "Table I", 1.0),
            ("(1,2) between equal labels", [3], 2, inf, "Sec. IV-B", 1e20),
            ("(1,2) into a blank", [0, 2, 4, 6], 2, inf, "Table I", 1e20),
        ]
        rows = [dict(entry=entry, paper=paper, source=source, library=read(columns, s), authors=authors)
                for entry, columns, s, paper, source, authors in table]
        names = {0: "1", N - 1: "N"}, {0: "1", 1: "2", Me - 2: "M^e - 1", Me - 1: "M^e"}
        ends = [("{(1, 1), (1, 2)}", cfg.start), ("{(N, M^e - 1), (N, M^e)}", cfg.end)]
        set_source = "Sec. IV-B"
    for entry, (printed, cells) in zip(["start cells", "end cells"], ends):
        cells = sorted(tuple(cell) for cell in cells.tolist())
        ours = "{" + ", ".join(f"({names[0][n]}, {names[1][m]})" for n, m in cells) + "}"
        rows.append(dict(entry=entry, paper=printed, source=set_source, library=ours, authors=printed))
    return rows
