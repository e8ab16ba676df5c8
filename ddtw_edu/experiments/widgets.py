"""The experiments' explorer: a trained configuration's predictions and soft alignment (Fig. 9-10).

It lives with the experiments, above their figures, so that :mod:`ddtw_edu.widgets` (the
generic explorer and the dDTW explorer of chapter 4) needs nothing from the experiments.

Book: chapter 7, "Predictions and alignments (Fig. 9)"; chapter 8, "Predictions and soft
alignments (Fig. 10)".
"""
import matplotlib.pyplot as plt
from ipywidgets import Dropdown, IntSlider

from ..widgets import FigureExplorer
from .figures import plot_example


def explore_predictions(examples, multilabel, gamma=1.0):
    """Pick a trained configuration and a test example; see its predictions and soft alignment (Fig. 9-10).

    Parameters
    ----------
    examples : dict
        {config: list of example dicts} as from :func:`ddtw_edu.experiments.load_examples`.
    multilabel : bool
        False for MTD, True for SWD.
    gamma : float

    Returns
    -------
    FigureExplorer
    """
    if not examples:
        raise ValueError("examples must hold at least one configuration")
    count = min(len(items) for items in examples.values())

    def draw(config, example):
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.2), layout="constrained")
        plot_example(config, examples[config][example], multilabel, axes=axes, gamma=gamma)
        return fig

    return FigureExplorer(draw, {
        "config": Dropdown(options=list(examples), description="config"),
        "example": IntSlider(value=0, min=0, max=count - 1, description="example")})


__all__ = ["explore_predictions"]
