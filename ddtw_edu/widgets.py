"""Interactive explorers for the notebooks (ipywidgets).

Widgets respond only in a live kernel (Jupyter, Colab); the book's static
pages show a figure of the same view instead. Every notebook therefore draws a
static figure beside each explorer, with the plot helpers these explorers call.

An explorer draws its figure in the kernel and shows it as a PNG in an
``Image`` widget. It does not capture the plot in an ``Output`` widget: an
``Output`` widget needs a frontend to route the captured messages, and a
headless executor that emulates one (nbclient, used by Jupyter Book) sends
comm messages on the shell channel while it waits there for the cell's reply,
which can leave the execution waiting until its timeout.

Book: chapter 4, "Explore: configuration, weight w_h, temperature".
"""
import io

import matplotlib.pyplot as plt
from ipywidgets import Dropdown, FloatLogSlider, FloatSlider, HBox, Image, VBox

from .alignment import ddtw
from .configs import set_horizontal_weight
from .plotting import plot_ddtw_result

BASE_CONFIGS = ("CTC-A", "CTC-B", "CTC-C", "SDTW-D", "SDTW-E")


class FigureExplorer(VBox):
    """Controls above a figure that ``draw(**values)`` redraws whenever a control changes.

    Parameters
    ----------
    draw : callable
        ``draw(**values) -> matplotlib.figure.Figure``, called with the
        current value of every control, by name.
    controls : dict of str to ipywidgets.ValueWidget

    Attributes
    ----------
    controls : dict
    figure : matplotlib.figure.Figure
        The last figure drawn (closed, so that it is not shown twice).
    image : ipywidgets.Image
        That figure as a PNG.
    """

    def __init__(self, draw, controls):
        self.draw, self.controls = draw, dict(controls)
        self.image = Image(format="png")
        super().__init__([HBox(list(self.controls.values())), self.image])
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.update()

    def update(self, change=None):
        """Redraw the figure for the controls' current values."""
        self.figure = self.draw(**{name: c.value for name, c in self.controls.items()})
        png = io.BytesIO()
        self.figure.savefig(png, format="png", dpi=80)
        plt.close(self.figure)
        self.image.value = png.getvalue()


def explore_configurations(problem, configs=BASE_CONFIGS, w_h=1.0, gamma=1.0):
    """Pick a Table I configuration, its horizontal weight w_h and gamma; see D, E and H change.

    Book: chapter 4, "Explore: configuration, weight w_h, temperature".

    Parameters
    ----------
    problem : callable
        ``problem(config) -> (C, blocks, labels)``: the cost matrix and
        building blocks (:func:`ddtw_edu.ctc_config` / :func:`ddtw_edu.sdtw_config`)
        of a configuration on the reader's example, and the labels' tick labels.
    configs : sequence of str
        Base configurations to offer; w_h = 0.1 gives their -W variants.
    w_h, gamma : float
        Initial slider values.

    Returns
    -------
    FigureExplorer
    """
    def draw(config, w_h, gamma):
        C, blocks, labels = problem(config)
        result = ddtw(C, **set_horizontal_weight(blocks, w_h)._asdict(), gamma=gamma)
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), layout="constrained")
        plot_ddtw_result(result, axes, labels, title=f"{config}, dDTW = {result.value:.3f}")
        return fig

    return FigureExplorer(draw, {
        "config": Dropdown(options=list(configs), description="config"),
        "w_h": FloatSlider(value=w_h, min=0.1, max=2.0, step=0.1, description="w_h"),
        "gamma": FloatLogSlider(value=gamma, base=10, min=-2, max=1, step=0.1, description="gamma")})


__all__ = ["BASE_CONFIGS", "FigureExplorer", "explore_configurations"]
