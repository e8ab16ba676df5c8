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
    np.testing.assert_array_equal(image.get_array(), C)
    assert image.origin == "lower"
    assert artists["colorbar"] is not None
    assert ax.get_title() == "C"
    assert "n" in ax.get_ylabel() and "m" in ax.get_xlabel()


def test_plot_matrix_masks_infinite_cells_and_can_skip_the_colorbar(ax):
    D = np.array([[0.0, np.inf], [1.0, 2.0]])
    artists = plot_matrix(D, ax=ax, colorbar=False)
    assert artists["colorbar"] is None
    data = artists["image"].get_array()
    assert data.mask[0, 1] and not data.mask[1, 1]


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


def test_plot_path_puts_cell_n_m_at_x_m_y_n(ax):
    cells = [(0, 0, -1), (1, 0, 0), (2, 1, 2)]          # enumerate_paths triples are accepted
    lines = plot_path(cells, ax=ax)
    assert len(lines) == 1 and lines[0] in ax.get_lines()
    np.testing.assert_array_equal(lines[0].get_xdata(), [0, 0, 1])
    np.testing.assert_array_equal(lines[0].get_ydata(), [0, 1, 2])


def test_plot_path_without_line(ax):
    (line,) = plot_path(np.array([[0, 0], [1, 1]]), ax=ax, line=False)
    assert line.get_linestyle() == "None"


def test_plot_label_probabilities(ax):
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    artists = plot_label_probabilities(P, ["ε", "a", "b"], ax=ax, path=[(0, 0), (1, 1)])
    np.testing.assert_array_equal(artists["image"].get_array(), P)
    assert artists["image"].get_clim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ε", "a", "b"]
    assert len(artists["path"]) == 1
    with pytest.raises(ValueError, match="shape"):
        plot_label_probabilities(P, ["ε", "a"], ax=ax)


def test_helpers_never_show(monkeypatch, ax):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    plot_matrix(np.eye(2), ax=ax)
    plot_path([(0, 0), (1, 1)], ax=ax)
    plot_label_probabilities(np.eye(2), ["ε", "a"], ax=ax)
