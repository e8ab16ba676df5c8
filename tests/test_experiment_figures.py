"""Soft alignments of predictions, experiment figures and the notebook widgets."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import ddtw_edu  # noqa: E402
from ddtw_edu.configs import ctc_config, sdtw_config, set_horizontal_weight  # noqa: E402
from ddtw_edu.experiments.alignments import compute_soft_alignment, reference_alignment  # noqa: E402
from ddtw_edu.experiments.figures import (plot_example, plot_predictions, plot_runs,  # noqa: E402
                                          plot_versus_paper)
from ddtw_edu.experiments.report import FIG_11_BEST_ABOVE, FIG_11_QUOTED, paper_mtd  # noqa: E402
from ddtw_edu.plotting import plot_ddtw_result  # noqa: E402
from ddtw_edu.experiments.widgets import explore_predictions  # noqa: E402
from ddtw_edu.widgets import explore_configurations  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def melody_example(N=14, seed=0, with_blank=True):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((N, 12 + with_blank))
    X = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    classes = [2, 2, 2, 4, 4, 0, 0, 0, 0, 7, 7, 7, 7, 7][:N]
    strong = np.eye(12)[classes]
    return {"name": "theme", "X": X, "strong": strong, "ctc": np.array([3, 5, 1, 8])}, logits


@pytest.mark.parametrize("base", ["CTC-A", "CTC-B", "CTC-C", "SDTW-D", "SDTW-E"])
def test_set_horizontal_weight_gives_the_w_variants(base):
    Y = np.array([3, 3, 5])
    blocks = ctc_config(Y, 7, base) if base.startswith("CTC") else sdtw_config(7, 3, base)
    variant = ctc_config(Y, 7, base + "-W") if base.startswith("CTC") else sdtw_config(7, 3, base + "-W")
    np.testing.assert_array_equal(set_horizontal_weight(blocks, 0.1).weights, variant.weights)
    with pytest.raises(ValueError, match="w_h must be"):
        set_horizontal_weight(blocks, 0.0)


def test_ctc_soft_alignment_is_what_torch_ctc_differentiates():
    example, logits = melody_example()
    E = compute_soft_alignment("CTC-A", example["X"], example, multilabel=False)
    log_probs = torch.log_softmax(torch.tensor(logits), -1)[:, None].requires_grad_(True)
    loss = torch.nn.functional.ctc_loss(log_probs, torch.tensor([[3, 5, 1, 8]]), [len(logits)], [4],
                                        reduction="sum")
    (grad,) = torch.autograd.grad(loss, log_probs)
    Ye = ddtw_edu.extended_labels(example["ctc"])
    per_class = np.zeros((len(logits), 13))
    np.add.at(per_class.T, Ye, E.T)                               # sum E over the columns of each class
    # torch's gradient w.r.t. log_probs is exp(log_probs) minus the expected occupancy of each class
    np.testing.assert_allclose(per_class, np.exp(log_probs[:, 0].detach().numpy()) - grad[:, 0].numpy(),
                               atol=1e-6)


def test_sdtw_soft_alignment_rows_and_reference_alignment():
    example, _ = melody_example(with_blank=False)
    E = compute_soft_alignment("SDTW-D", example["X"], example, multilabel=False)
    assert E.shape == (14, 4)                                      # weak targets D E C G
    np.testing.assert_allclose(E.sum(axis=1), 1.0, atol=1e-10)     # one cell per frame without (0, 1) steps
    R = reference_alignment(example["strong"])
    assert R.shape == (14, 4)
    np.testing.assert_array_equal(R.argmax(axis=1), [0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3])
    with pytest.raises(ValueError, match="Table I configuration"):
        compute_soft_alignment("EM", example["X"], example, multilabel=False)


def test_multilabel_ctc_soft_alignment_has_the_extended_length():
    rng = np.random.default_rng(2)
    strong = np.zeros((10, 12))
    strong[:4, [0, 4]] = 1
    strong[4:, [2, 7]] = 1
    example = {"X": rng.random((10, 13)), "strong": strong}
    E = compute_soft_alignment("CTC-B-W", example["X"], example, multilabel=True)
    assert E.shape == (10, 5)
    np.testing.assert_allclose(E.sum(axis=1), 1.0, atol=1e-10)


def test_plots_draw_the_data_they_are_given():
    example, _ = melody_example()
    images = plot_predictions(example["X"], with_blank=True)
    assert len(images) == 2                                        # pitch classes in black, the blank in red
    np.testing.assert_allclose(images[1].get_array()[0], example["X"][:, 0])
    with pytest.raises(ValueError, match="X must have shape"):
        plot_predictions(example["X"], with_blank=False)
    with pytest.raises(ValueError, match="with_blank"):
        plot_predictions(example["X"], with_blank=0)              # a flag, not the blank's index
    drawn = plot_example("CTC-A", example, multilabel=False)
    assert drawn["E"].shape == (14, 9)
    drawn = plot_example("strong", {**example, "X": example["X"][:, 1:]}, multilabel=False)
    np.testing.assert_array_equal(drawn["E"], reference_alignment(example["strong"]))
    table = {"CTC-A": {"f_min": 0.2, "f_median": 0.5, "f_max": 0.6}, "SDTW-E": {"f_min": 0.7, "f_median": 0.8,
                                                                                "f_max": 0.9}}
    runs = plot_runs(table, paper={"CTC-A": 0.81})
    assert [bar.get_height() for bar in runs["bars"]] == [0.5, 0.8]
    assert runs["paper"] is not None


def test_plot_runs_draws_the_papers_best_run_as_a_bound_not_a_median():
    table = {c: {"f_min": 0.7, "f_median": 0.8, "f_max": 0.9} for c in ("CTC-A", "CTC-B", "SDTW-E-W")}
    runs = plot_runs(table, paper=FIG_11_QUOTED, paper_best_above=FIG_11_BEST_ABOVE)
    np.testing.assert_array_equal(runs["paper"].get_xydata(), [[0, FIG_11_QUOTED["CTC-A"]]])
    np.testing.assert_array_equal(runs["paper_best"].get_xydata(), [[2, FIG_11_BEST_ABOVE["SDTW-E-W"]]])
    assert runs["paper"].get_marker() == "x" and runs["paper_best"].get_marker() == "^"
    assert "best run" in runs["paper_best"].get_label()
    assert plot_runs(table, ax=plt.figure().gca())["paper_best"] is None


def test_plot_versus_paper_puts_our_bar_beside_the_papers():
    paper = paper_mtd()
    ours = {"CTC-A": {"runs": 1, "accuracy_mean": 0.1, "accuracy_best": 0.1},
            "EM": {"runs": 3, "accuracy_mean": 0.5, "accuracy_best": 0.6}}
    fig, ax = plt.subplots()
    drawn = plot_versus_paper(ours, "accuracy_mean", paper, ax=ax, best="accuracy_best", ylabel="accuracy")
    assert [bar.get_height() for bar in drawn["ours"]] == [0.1, 0.5]
    assert [bar.get_height() for bar in drawn["paper"]] == [paper[c]["accuracy_mean"] for c in ("CTC-A", "EM")]
    assert drawn["ours"][0].get_x() < drawn["paper"][0].get_x()            # ours on the left of each pair
    # the best run: on both of the paper's bars, on ours only where there is more than one run
    assert sorted(y for _, y in drawn["best"].get_xydata()) == sorted([0.6, 0.574, 0.657])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["CTC-A", "EM"] and ax.get_ylabel() == "accuracy"
    alone = plot_versus_paper(ours, "accuracy_mean", None, ax=plt.figure().gca())
    assert alone["paper"] is None and alone["best"] is None


def test_plot_ddtw_result_shows_D_E_and_H():
    C = np.random.default_rng(0).random((5, 3))
    result = ddtw_edu.ddtw(C, **sdtw_config(5, 3, "SDTW-E")._asdict())
    drawn = plot_ddtw_result(result, labels=["a", "b", "c"])
    for artists, matrix in zip(drawn, (result.D, result.E, result.H)):
        np.testing.assert_allclose(artists["image"].get_array(), matrix.T)      # n along x
    assert [t.get_text() for t in artists["image"].axes.get_yticklabels()] == ["a", "b", "c"]


def test_widgets_redraw_for_the_chosen_settings():
    C = np.random.default_rng(1).random((5, 3))

    def problem(config):
        return C, sdtw_config(5, 3, config), ["a", "b", "c"]

    widget = explore_configurations(problem, configs=("SDTW-D", "SDTW-E"))
    first_png = widget.image.value
    assert first_png[:8] == b"\x89PNG\r\n\x1a\n"
    widget.controls["config"].value = "SDTW-E"            # each change redraws through observe
    widget.controls["w_h"].value = 0.5
    widget.controls["gamma"].value = 0.1
    shown = widget.figure.axes[1].images[0].get_array()
    expected = ddtw_edu.ddtw(C, **set_horizontal_weight(sdtw_config(5, 3, "SDTW-E"), 0.5)._asdict(), gamma=0.1)
    np.testing.assert_allclose(shown, expected.E.T)
    assert widget.image.value != first_png
    assert not plt.get_fignums(), "the explorer leaves a figure open (the notebook would show it twice)"

    example, _ = melody_example()
    widget = explore_predictions({"CTC-A": [example], "CTC-B": [example]}, multilabel=False)
    widget.controls["config"].value = "CTC-B"
    assert widget.figure.axes[0].get_title().startswith("CTC-B")
    widget.controls["config"].value = "CTC-A"
    assert widget.figure.axes[0].get_title().startswith("CTC-A")
    with pytest.raises(ValueError, match="examples must hold"):
        explore_predictions({}, multilabel=False)


def test_widgets_use_no_output_widget():
    """An Output widget makes a headless executor (nbclient) wait for the cell's reply until its timeout."""
    from ipywidgets import Output

    C = np.random.default_rng(1).random((5, 3))
    widget = explore_configurations(lambda config: (C, sdtw_config(5, 3, config), ["a", "b", "c"]),
                                    configs=("SDTW-D", "SDTW-E"))

    def descendants(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from descendants(child)

    assert not [w for w in descendants(widget) if isinstance(w, Output)]
