"""Plot helpers: they draw on the given axes, return their artists and show the data unchanged."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ddtw_edu.plotting import plot_label_probabilities, plot_matrix, plot_path  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_plot_matrix_draws_the_matrix_on_the_given_axes(ax):
    C = np.arange(12.0).reshape(4, 3)
    artists = plot_matrix(C, ax=ax, title="C")
    image = artists["image"]
    assert image.axes is ax and image in ax.get_images()
    np.testing.assert_array_equal(image.get_array(), C.T)    # pixel (x, y) = (n, m) holds C[n, m]
    assert image.origin == "lower"
    assert image.get_extent() == [-0.5, 3.5, -0.5, 2.5]     # n = 0..3 along x, m = 0..2 along y
    assert artists["colorbar"] is not None
    assert ax.get_title() == "C"
    assert "n" in ax.get_xlabel() and "m" in ax.get_ylabel()


def test_plot_matrix_masks_infinite_cells_and_can_skip_the_colorbar(ax):
    D = np.array([[0.0, np.inf], [1.0, 2.0]])
    artists = plot_matrix(D, ax=ax, colorbar=False)
    assert artists["colorbar"] is None
    data = artists["image"].get_array()                    # transposed: data[m, n]
    assert data.mask[1, 0] and not data.mask[1, 1] and not data.mask[0, 1]


def test_plot_matrix_uses_current_axes_by_default():
    fig, ax = plt.subplots()
    try:
        artists = plot_matrix(np.eye(3), colorbar=False)
        assert artists["image"].axes is ax
    finally:
        plt.close(fig)


def test_plot_matrix_rejects_non_matrices(ax):
    with pytest.raises(ValueError, match="2-D"):
        plot_matrix(np.zeros(3), ax=ax)


def test_plot_path_puts_cell_n_m_at_x_n_y_m(ax):
    cells = [(0, 0, -1), (1, 0, 0), (2, 1, 2)]          # enumerate_paths triples are accepted
    lines = plot_path(cells, ax=ax)
    assert len(lines) == 1 and lines[0] in ax.get_lines()
    np.testing.assert_array_equal(lines[0].get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(lines[0].get_ydata(), [0, 0, 1])


def test_plot_path_without_line(ax):
    (line,) = plot_path(np.array([[0, 0], [1, 1]]), ax=ax, line=False)
    assert line.get_linestyle() == "None"


def test_plot_label_probabilities(ax):
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    artists = plot_label_probabilities(P, ["ε", "a", "b"], ax=ax, path=[(0, 0), (1, 1)])
    np.testing.assert_array_equal(artists["image"].get_array(), P.T)
    assert artists["image"].get_clim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ε", "a", "b"]
    assert len(artists["path"]) == 1
    with pytest.raises(ValueError, match="shape"):
        plot_label_probabilities(P, ["ε", "a"], ax=ax)


def test_helpers_never_show(monkeypatch, ax):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    plot_matrix(np.eye(2), ax=ax)
    plot_path([(0, 0), (1, 1)], ax=ax)
    plot_label_probabilities(np.eye(2), ["ε", "a"], ax=ax)


def test_usable_cells_marks_the_ctc_corners_unreachable():
    from ddtw_edu import ctc_config
    from ddtw_edu.reachability import usable_cells
    config = ctc_config([1, 2], N=4)                       # Y^e = (ε, 1, ε, 2, ε), M^e = 5
    usable = usable_cells(4, 5, **config._asdict())
    assert usable[0, 0] and usable[0, 1] and not usable[0, 2]   # start cells only in row 0
    assert usable[3, 3] and usable[3, 4] and not usable[3, 2]   # end cells only in row N - 1
    np.testing.assert_array_equal(usable, [[1, 1, 0, 0, 0],        # worked by hand: forward reachable
                                           [1, 1, 1, 1, 0],        # from the start cells and backward
                                           [0, 1, 1, 1, 1],        # reachable from the end cells
                                           [0, 0, 0, 1, 1]])


def test_usable_cells_of_sdtw_is_the_whole_grid():
    from ddtw_edu import sdtw_config
    from ddtw_edu.reachability import usable_cells
    assert usable_cells(3, 4, **sdtw_config(3, 4)._asdict()).all()


def test_plot_steps_draws_only_allowed_steps_and_the_boundaries(ax):
    from ddtw_edu import ctc_config
    from ddtw_edu.plotting import plot_steps
    config = ctc_config([1, 1], N=4)                       # repeated label: no skip (1, 2)
    artists = plot_steps(4, 5, **config._asdict(), ax=ax, labels=["ε", "a", "ε", "a", "ε"])
    assert len(artists["start"]) == 2 and len(artists["end"]) == 2
    used_steps = {s for *_, s in artists["arrows"]}
    assert used_steps <= {0, 1}                            # the blocked skip never appears
    for arrow, (n0, m0), (n1, m1), s in artists["arrows"]:
        assert arrow.axes is ax
        assert (n1 - n0, m1 - m0) == tuple(config.steps[s])
        assert artists["usable"][n0, m0] and artists["usable"][n1, m1]
        (x0, y0), (x1, y1) = arrow._posA_posB                # drawn from (n0, m0) to (n1, m1)
        assert (x0, y0, x1, y1) == (n0, m0, n1, m1)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ε", "a", "ε", "a", "ε"]


def test_the_horizontal_step_points_right_and_the_vertical_step_up(ax):
    """The paper's names: (1, 0) is horizontal (time runs to the right), (0, 1) vertical."""
    from ddtw_edu import sdtw_config
    from ddtw_edu.plotting import plot_steps
    artists = plot_steps(3, 3, **sdtw_config(3, 3)._asdict(), ax=ax)
    for arrow, (n0, m0), (n1, m1), s in artists["arrows"]:
        (x0, y0), (x1, y1) = arrow._posA_posB
        if (n1 - n0, m1 - m0) == (1, 0):
            assert x1 > x0 and y1 == y0
        if (n1 - n0, m1 - m0) == (0, 1):
            assert x1 == x0 and y1 > y0
    assert ax.get_xlim() == (-0.5, 2.5) and "n" in ax.get_xlabel()


def test_plot_steps_shows_the_skip_between_different_labels(ax):
    from ddtw_edu import ctc_config
    from ddtw_edu.plotting import plot_steps
    artists = plot_steps(4, 5, **ctc_config([1, 2], N=4)._asdict(), ax=ax)
    skips = [(a, b) for _, a, b, s in artists["arrows"] if s == 2]
    assert skips and all(b[1] == 3 for a, b in skips)       # only into the second label, over the blank


def test_plot_steps_rejects_weights_of_the_wrong_shape(ax):
    from ddtw_edu.plotting import plot_steps
    with pytest.raises(ValueError, match="weights"):
        plot_steps(3, 3, [(1, 0), (0, 1)], weights=np.ones(3), ax=ax)


def test_plot_steps_colours_a_step_the_same_in_every_parameterization(ax):
    from ddtw_edu import ctc_config, sdtw_config
    from ddtw_edu.plotting import plot_steps
    fig2, ax2 = plt.subplots()
    ctc = plot_steps(4, 5, **ctc_config([1, 2], N=4)._asdict(), ax=ax, legend=True)
    sdtw = plot_steps(4, 3, **sdtw_config(4, 3)._asdict(), ax=ax2)
    diagonal = {tuple(a.get_edgecolor()) for a, p, q, s in ctc["arrows"] if (q[0] - p[0], q[1] - p[1]) == (1, 1)}
    diagonal |= {tuple(a.get_edgecolor()) for a, p, q, s in sdtw["arrows"] if (q[0] - p[0], q[1] - p[1]) == (1, 1)}
    assert len(diagonal) == 1
    assert [t.get_text() for t in ctc["legend"].get_texts()][:3] == ["step (1, 0)", "step (1, 1)", "step (1, 2)"]
    plt.close(fig2)


def test_plot_steps_legend_can_list_every_step_of_a_figure(ax):
    """A figure with a CTC and an SDTW panel needs one legend with all four step sizes (ch03, Fig. 4 style):
    the SDTW panel's own steps lack (1, 2), so the legend takes the figure's steps, in the panels' colours."""
    from ddtw_edu import ctc_config, sdtw_config
    from ddtw_edu.plotting import plot_steps
    fig2, ax2 = plt.subplots()
    every = [(1, 0), (1, 1), (1, 2), (0, 1)]
    ctc = plot_steps(4, 5, **ctc_config([1, 2], N=4)._asdict(), ax=ax)
    sdtw = plot_steps(4, 3, **sdtw_config(4, 3)._asdict(), ax=ax2, legend=every)
    texts = [t.get_text() for t in sdtw["legend"].get_texts()]
    assert texts[:4] == [f"step ({i}, {j})" for i, j in every]
    assert {"start", "end", "on no valid path"} <= set(texts[4:])
    drawn = {}
    for artists in (ctc, sdtw):
        for arrow, p, q, s in artists["arrows"]:
            drawn.setdefault((q[0] - p[0], q[1] - p[1]), set()).add(matplotlib.colors.to_hex(arrow.get_edgecolor()))
    assert set(drawn) == set(every)
    for line, step in zip(sdtw["legend"].get_lines(), every):
        assert drawn[step] == {matplotlib.colors.to_hex(line.get_color())}
    plt.close(fig2)


def test_plot_steps_own_legend_lists_only_its_steps(ax):
    from ddtw_edu import sdtw_config
    from ddtw_edu.plotting import plot_steps
    artists = plot_steps(3, 3, **sdtw_config(3, 3)._asdict(), ax=ax, legend=True)
    texts = [t.get_text() for t in artists["legend"].get_texts()]
    assert texts[:3] == ["step (1, 0)", "step (0, 1)", "step (1, 1)"] and "step (1, 2)" not in texts


def test_plot_runtimes_draws_time_against_cells_on_log_log_axes(ax):
    from ddtw_edu.plotting import plot_runtimes
    sizes = [(4, 8), (2, 4), (8, 8)]
    artists = plot_runtimes(sizes, {"ours": [3.0, 1.0, 9.0], "paper": [2.0, np.nan, 5.0]}, ax=ax,
                            styles={"paper": {"linestyle": "--"}}, title="T")
    ours, paper = artists["lines"]["ours"], artists["lines"]["paper"]
    np.testing.assert_array_equal(ours.get_xdata(), [8, 32, 64])        # sorted by N * M
    np.testing.assert_array_equal(ours.get_ydata(), [1.0, 3.0, 9.0])
    np.testing.assert_array_equal(paper.get_xdata(), [32, 64])          # NaN left out
    assert paper.get_linestyle() == "--" and ours.axes is ax
    assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_title() == "T"
    assert [t.get_text() for t in artists["legend"].get_texts()] == ["ours", "paper"]


def test_plot_runtimes_rejects_a_time_per_size_mismatch(ax):
    from ddtw_edu.plotting import plot_runtimes
    with pytest.raises(ValueError, match="sizes"):
        plot_runtimes([(2, 2)], {"ours": [1.0, 2.0]}, ax=ax)
