"""The experiment runner, its evaluation and report (ddtw_edu.experiments), on the generated tiny data."""
import json

import numpy as np
import pytest

from ddtw_edu.experiments import decode, load_examples, load_results, published_results, run_experiment
from ddtw_edu.experiments.__main__ import main
from ddtw_edu.experiments.paper_results import TABLE_III
from ddtw_edu.experiments.report import format_table, summarize_mtd, summarize_swd, write_report
from ddtw_edu.experiments.run import N_EXAMPLES
from ddtw_edu.models import build_model, count_parameters
from ddtw_edu.training import TRAINING_CONFIGS, uses_blank


@pytest.fixture(scope="module")
def mtd_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("mtd") / "results"
    run_experiment("mtd", out, configs=["CTC-A", "SDTW-D"], data_size="tiny", epochs=1, device="cpu",
                   progress=False)
    return out


def test_mtd_run_writes_one_row_per_config_with_sane_metrics(mtd_results):
    settings, rows = load_results(mtd_results)
    assert settings["task"] == "mtd" and settings["model_size"] == "small" and settings["epochs"] == 1
    assert [(r["config"], r["run"]) for r in rows] == [("CTC-A", 0), ("SDTW-D", 0)]
    for row, blank in zip(rows, (True, False)):
        assert row["parameters"] == count_parameters(build_model("mtd", blank=blank, size="small"))
        for metric in ("accuracy", "top1", "top10", "top50", "mrr"):
            assert 0.0 <= row[metric] <= 1.0
        assert row["ler_greedy"] >= 0 and row["ler_beam"] >= 0
        assert row["epochs"] == 1 and 0 < row["loss_share"] < 1
    examples = load_examples(mtd_results / "examples" / "CTC-A-run0.npz")
    assert examples[0]["X"].shape[1] == 13 and examples[0]["X"].shape[0] == examples[0]["strong"].shape[0]
    np.testing.assert_allclose(examples[0]["X"].sum(axis=1), 1.0, rtol=1e-5)       # softmax rows
    assert load_examples(mtd_results / "examples" / "SDTW-D-run0.npz")[0]["X"].shape[1] == 12
    assert (mtd_results / "models" / "CTC-A-run0.pt").is_file()
    assert not (mtd_results / "checkpoints" / "CTC-A-run0.pt").exists()          # removed once done


def test_a_second_call_resumes_and_refuses_other_settings(mtd_results):
    before = json.loads((mtd_results / "results.json").read_text())["rows"]
    rows = run_experiment("mtd", mtd_results, configs=["CTC-A", "SDTW-D", "strong"], data_size="tiny", epochs=1,
                          device="cpu", progress=False)
    assert rows[:2] == before and rows[2]["config"] == "strong"                  # the first two were kept
    with pytest.raises(ValueError, match="model_size"):
        run_experiment("mtd", mtd_results, configs=["CTC-A"], data_size="tiny", epochs=1, model_size="paper",
                       device="cpu", progress=False)


def test_report_prints_the_tables_beside_the_paper(mtd_results, capsys):
    assert main(["report", str(mtd_results)]) == 0
    text = capsys.readouterr().out
    assert "Table III" in text and "Table IV" in text
    assert f"{TABLE_III['CTC-A'][0]:.3f}" in text                                  # the paper's column
    assert (mtd_results / "tables.md").read_text().strip() == text.strip()
    assert (mtd_results / "table_mtd.csv").read_text().startswith("config,runs,accuracy_mean")


def test_swd_run_evaluates_precision_recall_and_f(tmp_path):
    rows = run_experiment("swd", tmp_path / "swd", configs=["SDTW-E-W"], data_size="tiny", epochs=1,
                          device="cpu", progress=False)
    assert len(rows) == 1
    for metric in ("precision", "recall", "f_measure"):
        assert 0.0 <= rows[0][metric] <= 1.0
    example = load_examples(tmp_path / "swd" / "examples" / "SDTW-E-W-run0.npz")[0]
    assert example["X"].shape == example["strong"].shape == (min(430, example["X"].shape[0]), 12)
    assert "Fig. 11" in write_report(tmp_path / "swd")


def test_summaries_follow_the_papers_conventions():
    rows = [{"config": "SDTW-E", "run": k, "accuracy": a, "best_val_loss": v, "top1": t, "top10": t, "top50": t,
             "mrr": t, "ler_greedy": g, "ler_beam": 2 * g}
            for k, (a, v, t, g) in enumerate([(0.5, 3.0, 0.1, 0.4), (0.7, 1.0, 0.9, 0.3), (0.6, 2.0, 0.5, 0.2)])]
    table = summarize_mtd(rows)["SDTW-E"]
    assert table["accuracy_mean"] == pytest.approx(0.6) and table["accuracy_best"] == 0.7
    assert table["top1"] == 0.9                               # retrieval of the lowest validation loss
    assert table["ler_greedy_mean"] == pytest.approx(0.3) and table["ler_greedy_best"] == 0.2
    assert table["ler_beam_best"] == pytest.approx(0.4)
    swd = summarize_swd([{"config": "CTC-A", "f_measure": f, "precision": 0.5, "recall": 0.5}
                         for f in (0.2, 0.9, 0.4)])["CTC-A"]
    assert (swd["f_min"], swd["f_median"], swd["f_max"]) == (0.2, 0.4, 0.9)
    assert "| SDTW-E | 3 | 0.600 |" in format_table(summarize_mtd(rows), ["accuracy_mean"])


def test_decode_maps_channels_to_pitch_classes():
    eye = np.eye(13) * 0.9 + 0.1 / 13
    X = eye[[1, 1, 0, 1, 3, 3]]                       # C C blank C D D with the blank in channel 0
    assert decode(X, blank=True) == ([0, 0, 2], [0, 0, 2])
    # without a blank channel the blank frame's flat row goes to channel 0 (C) and merges with its neighbours
    assert decode(X[:, 1:] / X[:, 1:].sum(1, keepdims=True), blank=False)[0] == [0, 2]


def test_bad_arguments_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="config must be one of"):
        run_experiment("mtd", tmp_path, configs=["CTC-Z"], progress=False)
    with pytest.raises(ValueError, match="runs must be"):
        run_experiment("mtd", tmp_path, runs=0, progress=False)
    with pytest.raises(ValueError, match="device must be"):
        run_experiment("mtd", tmp_path, device="tpu", progress=False)
    with pytest.raises(ValueError, match="task must be one of"):
        run_experiment("asr", tmp_path, progress=False)
    with pytest.raises(ValueError, match="data must be an existing"):
        run_experiment("swd", tmp_path, data=tmp_path / "missing", progress=False)


@pytest.mark.parametrize("task", ["mtd", "swd"])
def test_the_published_reruns_are_complete_and_consistent(task, tmp_path):
    folder = published_results(task)
    assert folder is not None, f"the package ships no published {task} rerun"
    settings, rows = load_results(folder)
    assert (settings["task"], settings["data_size"], settings["model_size"]) == (task, "small", "small")
    assert sorted(row["config"] for row in rows) == sorted(TRAINING_CONFIGS)
    for row in rows:
        examples = load_examples(folder / "examples" / f"{row['config']}-run{row['run']}.npz")
        assert len(examples) == min(N_EXAMPLES, settings["items"]["test"])
        assert all(example["X"].shape[1] == 12 + uses_blank(row["config"]) for example in examples)
        assert row["loss_share"] < 0.5                          # the network, not the loss, dominates an epoch
    # the shipped tables are what the report command makes of the shipped rows
    assert (folder / "tables.md").read_text().strip() == write_report(folder, tmp_path).strip()
