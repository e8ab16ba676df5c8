"""Plot helpers for the book: one look for every matrix, path and probability view.

All helpers take ``ax=None`` (then they draw on ``plt.gca()``), return the
matplotlib artists they drew, and never call ``plt.show()``. Matrices are
drawn as the paper's Fig. 2-4 draw them: time runs to the right. The
predictions (index ``n`` of ``C[n, m]``) lie along the horizontal axis, the
labels (index ``m``) along the vertical axis with ``m = 0`` at the bottom,
both 0-based as in the code. A cell ``(n, m)`` is drawn at x = n, y = m, so
the step (1, 0) points right and the step (0, 1) up: the paper's horizontal
and vertical steps.
"""
import matplotlib.pyplot as plt
import numpy as np

from .parameters import check_problem
from .reachability import usable_cells

MATRIX_CMAP = "gray_r"


def get_axes(ax=None):
    """``ax``, or the current axes when it is None (the ``ax=None`` convention of every helper)."""
    return plt.gca() if ax is None else ax


def plot_matrix(M, ax=None, title=None, cmap=MATRIX_CMAP, colorbar=True, xlabel="n (predictions)",
                ylabel="m (labels)", **kwargs):
    """Draw a cost, accumulated-cost or alignment matrix, rows ``n`` along x and columns ``m`` along y.

    Parameters
    ----------
    M : array_like, shape (N, M)
        The matrix, ``M[n, m]`` for prediction ``n`` and label ``m`` (0-based),
        e.g. the cost matrix ``C`` (Eq. 4), accumulated costs ``D`` or a soft
        alignment ``E``. Infinite entries are drawn as blank cells.
    ax : matplotlib Axes, optional
        Axes to draw on (default: the current axes).
    title : str, optional
    cmap : str or Colormap
        Colormap; the default ``"gray_r"`` draws large values dark.
    colorbar : bool
        Add a colorbar next to the axes.
    xlabel, ylabel : str
        Axis labels; the defaults name the code's indices.
    **kwargs
        Passed on to ``ax.imshow`` (e.g. ``vmin``, ``vmax``).

    Returns
    -------
    artists : dict
        ``"image"``: the AxesImage, whose data is ``M.T`` (infinite entries
        masked), so that pixel (x, y) = (n, m) holds ``M[n, m]``;
        ``"colorbar"``: the Colorbar or None.
    """
    ax = get_axes(ax)
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"M must be a 2-D matrix, got shape {M.shape}")
    data = np.ma.masked_invalid(M.T)                    # imshow puts rows on y: transpose for n on x
    image = ax.imshow(data, origin="lower", aspect="auto", cmap=cmap, interpolation="nearest", **kwargs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if M.shape[0] <= 20:
        ax.set_xticks(np.arange(M.shape[0]))
    if M.shape[1] <= 20:
        ax.set_yticks(np.arange(M.shape[1]))
    if title is not None:
        ax.set_title(title)
    bar = ax.figure.colorbar(image, ax=ax) if colorbar else None
    return {"image": image, "colorbar": bar}


def plot_path(cells, ax=None, color="tab:red", marker="o", markersize=8, line=True, label=None, **kwargs):
    """Draw an alignment path over a matrix drawn by :func:`plot_matrix`.

    Parameters
    ----------
    cells : array_like, shape (L, 2), or sequence of (n, m) or (n, m, s)
        The path's cells ``p_l = (n_l, m_l)``, 0-based. Triples ``(n, m, s)``
        as returned by :func:`ddtw_edu.bruteforce.enumerate_paths` are
        accepted; the step index ``s`` is ignored.
    ax : matplotlib Axes, optional
    color, marker, markersize : matplotlib styles
    line : bool
        Connect consecutive cells with a line.
    label : str, optional
        Legend label.
    **kwargs
        Passed on to ``ax.plot``.

    Returns
    -------
    artists : list of Line2D
        The line(s) drawn; x data are the frames ``n``, y data the labels ``m``.
    """
    ax = get_axes(ax)
    cells = np.asarray([tuple(c)[:2] for c in cells], dtype=float).reshape(-1, 2)
    style = "-" if line else "none"
    return ax.plot(cells[:, 0], cells[:, 1], linestyle=style, marker=marker, color=color,
                   markersize=markersize, markerfacecolor="none", markeredgewidth=2, label=label, **kwargs)


def plot_label_probabilities(P, labels, ax=None, title=None, cmap="viridis", colorbar=True, path=None):
    """Probabilities of labels over frames, in the spirit of Fig. 2(c) and (f).

    Parameters
    ----------
    P : array_like, shape (N, K)
        ``P[n, k]`` is the probability of label ``k`` at frame ``n``: either the
        alphabet probabilities p(a_k | x_n) (Fig. 2(c)) or the rearranged
        probabilities p(y^e_m | x_n) of the extended labels (Fig. 2(f)).
    labels : sequence of str, length K
        Tick labels of the vertical axis, e.g. ``["ε", "a", "b", "c"]``.
    ax : matplotlib Axes, optional
    title : str, optional
    cmap : str or Colormap
    colorbar : bool
    path : array_like, shape (L, 2), optional
        Cells ``(n, k)`` of a label path to circle, as in Fig. 2(g).

    Returns
    -------
    artists : dict
        ``"image"``: the AxesImage (data ``P``, colours fixed to [0, 1]),
        ``"colorbar"``: Colorbar or None, ``"path"``: list of Line2D (empty
        without ``path``).
    """
    ax = get_axes(ax)
    P = np.asarray(P, dtype=float)
    if P.ndim != 2 or P.shape[1] != len(labels):
        raise ValueError(f"P must have shape (N, len(labels)) = (N, {len(labels)}), got {P.shape}")
    artists = plot_matrix(P, ax=ax, title=title, cmap=cmap, colorbar=colorbar, vmin=0.0, vmax=1.0,
                          ylabel="label")
    ax.set_yticks(np.arange(len(labels)))
    ax.set_yticklabels(labels)
    artists["path"] = [] if path is None else plot_path(path, ax=ax, color="tab:red", line=False)
    return artists


def plot_ddtw_result(result, axes=None, labels=None, title=None):
    """Accumulated costs D, soft alignment E and gradient H of one dDTW result, side by side.

    Parameters
    ----------
    result : DDTWResult
        From :func:`ddtw_edu.ddtw`.
    axes : sequence of three matplotlib Axes, optional
        Default: a new figure with three panels.
    labels : sequence of str, optional
        Tick labels of the vertical axes (the target symbols, one per column ``m``).
    title : str, optional
        Prefix of the panel titles.

    Returns
    -------
    list of dict
        What :func:`plot_matrix` returned for D, E and H.
    """
    if axes is None:
        axes = plt.subplots(1, 3, figsize=(12, 3.2), layout="constrained")[1]
    prefix = f"{title}: " if title else ""
    drawn = [plot_matrix(result.D, ax=axes[0], title=prefix + r"$\mathbf{D}$"),
             plot_matrix(result.E, ax=axes[1], title=prefix + r"$\mathbf{E}$", cmap="Reds", vmin=0, vmax=1),
             plot_matrix(result.H, ax=axes[2], title=prefix + r"$\mathbf{H}$", cmap="Reds", vmin=0)]
    if labels is not None:
        for ax in axes:
            ax.set_yticks(np.arange(len(labels)))
            ax.set_yticklabels(labels)
    return drawn


# One colour per step size, the same in every figure: (1, 0) blue, (1, 1) orange, (1, 2) green, (0, 1) red
# (indices into matplotlib's default colour cycle); other steps take later colours of the cycle.
_STEP_COLOURS = {(1, 0): 0, (0, 1): 3, (1, 1): 1, (1, 2): 2}


def _step_color(step, s):
    """Colour of step size ``step``, the ``s``-th step of its set (used only for steps without a fixed colour)."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return cycle[_STEP_COLOURS.get(tuple(step), 4 + s) % len(cycle)]


def plot_steps(N, M, steps, weights=None, start=None, end=None, ax=None, labels=None, only_usable=True,
               legend=False):
    """Draw the building blocks of a dDTW parameterization on the N x M grid, like Fig. 4.

    Every allowed step (finite weight) is an arrow into the cell it enters;
    start cells are outlined in orange, end cells filled in orange, and cells
    on no valid path are gray. Cell ``(n, m)`` sits at x = n, y = m (0-based),
    as in :func:`plot_matrix`: the horizontal step (1, 0) points right.

    Parameters
    ----------
    N, M : int
    steps, weights, start, end
        As in :func:`ddtw_edu.ddtw` (e.g. ``**ddtw_edu.ctc_config(labels, N)._asdict()``).
    ax : matplotlib Axes, optional
    labels : sequence of str, length M, optional
        Tick labels of the vertical axis, e.g. the extended labels.
    only_usable : bool
        Draw arrows only between cells that lie on some valid path.
    legend : bool or sequence of (i, j)
        Add a legend (steps, start, end, cells on no path) to the right of
        the axes. ``True`` lists this panel's steps; a sequence of step
        sizes lists those instead, in the given order and in their fixed
        colours, so that one legend can serve panels with different steps.

    Returns
    -------
    artists : dict
        ``"arrows"``: list of (FancyArrowPatch, (n0, m0), (n1, m1), s);
        ``"start"``, ``"end"``, ``"unusable"``: lists of Rectangle patches;
        ``"usable"``: the boolean mask of :func:`ddtw_edu.reachability.usable_cells`;
        ``"legend"``: the Legend, if ``legend``. Each step size has one
        colour in every figure: (1, 0) blue, (1, 1) orange, (1, 2) green, (0, 1) red.
    """
    from matplotlib.patches import FancyArrowPatch, Rectangle

    ax = get_axes(ax)
    _, steps, W, start, end, _ = check_problem(np.zeros((N, M)), steps, weights, start, end)
    usable = usable_cells(N, M, steps, W, start, end)
    artists = {"arrows": [], "start": [], "end": [], "unusable": [], "usable": usable, "legend": None}
    for n in range(N):
        for m in range(M):
            if not usable[n, m]:
                patch = Rectangle((n - 0.5, m - 0.5), 1, 1, facecolor="0.8", edgecolor="none")
                artists["unusable"].append(ax.add_patch(patch))
    for n, m in end.tolist():
        patch = Rectangle((n - 0.5, m - 0.5), 1, 1, facecolor="tab:orange", alpha=0.5, edgecolor="none")
        artists["end"].append(ax.add_patch(patch))
    for n, m in start.tolist():
        patch = Rectangle((n - 0.45, m - 0.45), 0.9, 0.9, facecolor="none", edgecolor="tab:orange", linewidth=2.5)
        artists["start"].append(ax.add_patch(patch))
    colors = [_step_color(step, s) for s, step in enumerate(steps.tolist())]
    for n in range(N):
        for m in range(M):
            for s, (i, j) in enumerate(steps):
                n0, m0 = n - i, m - j
                if n0 < 0 or m0 < 0 or not np.isfinite(W[n, m, s]):
                    continue
                if only_usable and not (usable[n0, m0] and usable[n, m]):
                    continue
                arrow = FancyArrowPatch((n0, m0), (n, m), arrowstyle="-|>", mutation_scale=10, shrinkA=4,
                                        shrinkB=4, color=colors[s], linewidth=1.2)
                artists["arrows"].append((ax.add_patch(arrow), (n0, m0), (n, m), s))
    if legend is not False and legend is not None:
        from matplotlib.lines import Line2D
        own = {tuple(step): colors[s] for s, step in enumerate(steps.tolist())}
        listed = own if legend is True else [tuple(s) for s in np.asarray(legend, dtype=int).reshape(-1, 2).tolist()]
        shown = [(step, own.get(step) or _step_color(step, k)) for k, step in enumerate(listed)]
        handles = [Line2D([], [], color=color, label=f"step ({i}, {j})") for (i, j), color in shown]
        handles += [Rectangle((0, 0), 1, 1, facecolor="none", edgecolor="tab:orange", linewidth=2, label="start"),
                    Rectangle((0, 0), 1, 1, facecolor="tab:orange", alpha=0.5, label="end"),
                    Rectangle((0, 0), 1, 1, facecolor="0.8", label="on no valid path")]
        artists["legend"] = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
    ax.scatter(*np.meshgrid(np.arange(N), np.arange(M)), s=6, color="k", zorder=3)
    ax.set_xlim(-0.5, N - 0.5)
    ax.set_ylim(-0.5, M - 0.5)
    ax.set_xticks(np.arange(N))
    ax.set_yticks(np.arange(M))
    if labels is not None:
        ax.set_yticklabels(labels)
    ax.set_xlabel("n (predictions)")
    ax.set_ylabel("m (labels)")
    ax.set_aspect("equal")
    return artists


def plot_runtimes(sizes, runtimes, ax=None, title=None, styles=None, legend=True):
    """Draw runtime against problem size N * M on log-log axes, one line per method.

    Parameters
    ----------
    sizes : sequence of (N, M)
        The problem sizes; each is drawn at x = N * M cells (sorted).
    runtimes : dict
        ``label -> times``: one time per size, in milliseconds; NaN entries
        (not measured) are left out of that line.
    ax : matplotlib Axes, optional
        Axes to draw on (default: the current axes).
    title : str, optional
    styles : dict, optional
        ``label -> keyword arguments`` for ``ax.plot`` (e.g. ``linestyle``,
        ``marker``, ``color``), to tell machines or libraries apart.
    legend : bool
        Add a legend with the labels.

    Returns
    -------
    artists : dict
        ``"lines"``: ``label -> Line2D``; ``"legend"``: the Legend or None.
    """
    ax = get_axes(ax)
    cells = np.array([N * M for N, M in sizes], dtype=float)
    order = np.argsort(cells, kind="stable")
    styles = styles or {}
    lines = {}
    for label, times in runtimes.items():
        times = np.asarray(times, dtype=float)
        if times.shape != cells.shape:
            raise ValueError(f"{label!r}: {times.size} times for {cells.size} sizes")
        keep = order[np.isfinite(times[order])]
        kwargs = {"marker": "o"} | dict(styles.get(label, {}))
        lines[label], = ax.plot(cells[keep], times[keep], label=label, **kwargs)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("problem size N · M (cells per item)")
    ax.set_ylabel("forward + backward (ms)")
    if title is not None:
        ax.set_title(title)
    return {"lines": lines, "legend": ax.legend(fontsize="small") if legend else None}
