"""Interactive explorers for the notebooks (ipywidgets).

Widgets run only in a live kernel (Jupyter, Colab); the book's static HTML
shows them frozen. Every notebook therefore draws a static figure of the same
view beside each explorer, with the plot helpers these explorers call.
"""
import matplotlib.pyplot as plt
from ipywidgets import Dropdown, FloatLogSlider, FloatSlider, IntSlider, interactive

from .alignment import ddtw
from .configs import set_horizontal_weight
from .experiments.figures import plot_example
from .plotting import plot_ddtw_result

BASE_CONFIGS = ("CTC-A", "CTC-B", "CTC-C", "SDTW-D", "SDTW-E")


def explore_configurations(problem, configs=BASE_CONFIGS, w_h=1.0, gamma=1.0):
    """Pick a Table I configuration, its horizontal weight w_h and gamma; see D, E and H change.

    Parameters
    ----------
    problem : callable
        ``problem(config) -> (C, blocks, labels)``: the cost matrix and
        building blocks (:func:`ddtw_edu.ctc_config` / :func:`ddtw_edu.sdtw_config`)
        of a configuration on the reader's example, and the column tick labels.
    configs : sequence of str
        Base configurations to offer; w_h = 0.1 gives their -W variants.
    w_h, gamma : float
        Initial slider values.

    Returns
    -------
    ipywidgets.interactive
    """
    def show(config, w_h, gamma):
        C, blocks, labels = problem(config)
        result = ddtw(C, **set_horizontal_weight(blocks, w_h)._asdict(), gamma=gamma)
        axes = plt.subplots(1, 3, figsize=(12, 3.2), layout="constrained")[1]
        plot_ddtw_result(result, axes, labels, title=f"{config}, dDTW = {result.value:.3f}")

    return interactive(show, config=Dropdown(options=list(configs)),
                       w_h=FloatSlider(value=w_h, min=0.1, max=2.0, step=0.1, description="w_h"),
                       gamma=FloatLogSlider(value=gamma, base=10, min=-2, max=1, step=0.1, description="gamma"))


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
    ipywidgets.interactive
    """
    if not examples:
        raise ValueError("examples must hold at least one configuration")
    count = min(len(items) for items in examples.values())

    def show(config, example):
        plot_example(config, examples[config][example], multilabel, gamma=gamma)

    return interactive(show, config=Dropdown(options=list(examples)),
                       example=IntSlider(value=0, min=0, max=count - 1, description="example"))


__all__ = ["BASE_CONFIGS", "explore_configurations", "explore_predictions"]
