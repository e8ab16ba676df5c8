"""Plot helpers for the book: one look for every matrix, path and probability view.

All helpers take ``ax=None`` (then they draw on ``plt.gca()``), return the
matplotlib artists they drew, and never call ``plt.show()``. Matrices are
drawn as they are stored, with ``origin="lower"``, as in the FMP notebooks
(Müller 2021): the rows of ``C[n, m]`` are the predictions (index ``n``,
vertical axis, ``n = 0`` at the bottom) and the columns are the labels (index
``m``, horizontal axis), both 0-based as in the code. A path cell ``(n, m)``
is therefore drawn at x = m, y = n. (The paper's Fig. 2 and 3 draw time along
the horizontal axis instead; the picture is the same, mirrored.)
"""
import matplotlib.pyplot as plt
import numpy as np

MATRIX_CMAP = "gray_r"


def _axes(ax):
    return plt.gca() if ax is None else ax


def plot_matrix(M, ax=None, title=None, cmap=MATRIX_CMAP, colorbar=True, xlabel="m (labels)",
                ylabel="n (predictions)", **kwargs):
    """Draw a cost, accumulated-cost or alignment matrix.

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
        ``"image"``: the AxesImage, whose data is ``M`` (infinite entries
        masked); ``"colorbar"``: the Colorbar or None.
    """
    ax = _axes(ax)
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"M must be a 2-D matrix, got shape {M.shape}")
    data = np.ma.masked_invalid(M)
    image = ax.imshow(data, origin="lower", aspect="auto", cmap=cmap, interpolation="nearest", **kwargs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if M.shape[1] <= 20:
        ax.set_xticks(np.arange(M.shape[1]))
    if M.shape[0] <= 20:
        ax.set_yticks(np.arange(M.shape[0]))
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
        The line(s) drawn; x data are the labels ``m``, y data the frames ``n``.
    """
    ax = _axes(ax)
    cells = np.asarray([tuple(c)[:2] for c in cells], dtype=float).reshape(-1, 2)
    style = "-" if line else "none"
    return ax.plot(cells[:, 1], cells[:, 0], linestyle=style, marker=marker, color=color,
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
        Tick labels of the rows, e.g. ``["ε", "a", "b", "c"]``.
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
    ax = _axes(ax)
    P = np.asarray(P, dtype=float)
    if P.ndim != 2 or P.shape[1] != len(labels):
        raise ValueError(f"P must have shape (N, len(labels)) = (N, {len(labels)}), got {P.shape}")
    artists = plot_matrix(P, ax=ax, title=title, cmap=cmap, colorbar=colorbar, vmin=0.0, vmax=1.0,
                          xlabel="label")
    ax.set_xticks(np.arange(len(labels)))
    ax.set_xticklabels(labels)
    artists["path"] = [] if path is None else plot_path(path, ax=ax, color="tab:red", line=False)
    return artists
