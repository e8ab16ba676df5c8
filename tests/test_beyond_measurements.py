"""Chapter 9's measurements: the shape of trained soft alignments, and the published results they ship in."""
import numpy as np
import pytest

from ddtw_edu.bruteforce import enumerate_paths
from ddtw_edu.experiments import run as run_module
from ddtw_edu.experiments.alignments import alignment_shape
from ddtw_edu.experiments.report import report_title, summarize_mtd, write_report
from ddtw_edu.experiments.run import BEYOND_MEASUREMENTS, RESUME_KEYS, _write_results, load_results, published_beyond
from ddtw_edu.configs import ctc_config, extended_labels, sdtw_config
from ddtw_edu.parameters import check_problem


def _example(rng, N=7, K=13):
    """Probabilities X (N, K) (K = 13: blank in channel 0), and an item whose notes are C, E, C (labels 1, 5, 1)."""
    strong = np.zeros((N, 12))
    strong[:3, 0], strong[3:5, 4], strong[5:, 0] = 1, 1, 1
    X = rng.dirichlet(np.ones(K), size=N)
    return X, {"strong": strong, "ctc": np.array([1, 5, 1])}


def _usable_by_enumeration(blocks, N, M):
    """Cells on at least one valid path, from the list of all paths (independent of reachability.py)."""
    _, steps, W, start, end, _ = check_problem(np.zeros((N, M)), *blocks)
    usable = np.zeros((N, M), dtype=bool)
    for path in enumerate_paths(N, M, steps, W, start, end):
        for n, m, _ in path:
            usable[n, m] = True
    return usable


@pytest.mark.parametrize("config", ["CTC-A", "CTC-B", "SDTW-E", "SDTW-D"])
def test_alignment_shape_follows_the_minimum(config):
    rng = np.random.default_rng(0)
    examples = [_example(rng, K=13 if config.startswith("CTC") else 12) for _ in range(3)]
    X = [x for x, _ in examples]
    items = [item for _, item in examples]
    soft = alignment_shape(config, X, items, False, gamma=1.0, minimum="softmin")
    warm = alignment_shape(config, X, items, False, gamma=10.0, minimum="softmin")
    hard = alignment_shape(config, X, items, False, minimum="hardmin")
    sparse = alignment_shape(config, X, items, False, gamma=1.0, minimum="sparsemin")
    # softmin weighs every valid path: at a high temperature every usable cell keeps a sizeable E (a few
    # dozen paths here), and some mass is off the best path; a lower temperature concentrates E
    assert warm["alignment_negligible_share"] == 0
    assert warm["alignment_off_path"] > soft["alignment_off_path"] > 0
    assert soft["alignment_negligible_share"] < 0.5
    # hardmin: E is the best path; the zero share is 1 - (cells of a path) / (usable cells)
    assert hard["alignment_off_path"] == 0
    N = len(X[0])
    if config.startswith("CTC"):
        M = len(extended_labels(items[0]["ctc"]))
        blocks = ctc_config(items[0]["ctc"], N, config)
    else:
        M = 3                                          # weak targets C, E, C
        blocks = sdtw_config(N, M, config)
    usable = _usable_by_enumeration(blocks, N, M)
    if config in ("CTC-A", "SDTW-D"):                 # one cell per frame on every path
        assert hard["alignment_negligible_share"] == pytest.approx(1 - N / usable.sum())
    # sparsemin lies between the two
    assert 0 <= sparse["alignment_off_path"] <= soft["alignment_off_path"] + 1e-12
    assert hard["alignment_negligible_share"] >= sparse["alignment_negligible_share"] >= 0


def test_alignment_shape_skips_items_without_a_valid_path():
    rng = np.random.default_rng(1)
    X_ok, item_ok = _example(rng)
    X_short = rng.dirichlet(np.ones(13), size=2)       # CTC-A needs 3 frames for C, E, C
    item_short = {"strong": np.eye(12)[[0, 4]], "ctc": np.array([1, 5, 1])}
    assert alignment_shape("CTC-A", [X_short], [item_short], False) == {"alignment_negligible_share": None,
                                                                        "alignment_off_path": None}
    assert (alignment_shape("CTC-A", [X_ok, X_short], [item_ok, item_short], False)
            == alignment_shape("CTC-A", [X_ok], [item_ok], False))


def test_alignment_shape_refuses_configurations_without_an_alignment():
    rng = np.random.default_rng(2)
    X, item = _example(rng)
    with pytest.raises(ValueError, match="config"):
        alignment_shape("EM", [X], [item], False)


def test_summarize_mtd_averages_the_alignment_shape_and_time():
    rows = [{"config": "SDTW-E", "run": k, "accuracy": 0.5, "best_val_loss": 1.0 + k, "top1": 0, "top10": 0,
             "top50": 0, "mrr": 0, "ler_greedy": 0.5, "ler_beam": 0.5, "alignment_negligible_share": 0.2 * k,
             "alignment_off_path": 0.1 * k, "train_seconds": 60.0 * (k + 1)} for k in range(3)]
    table = summarize_mtd(rows)["SDTW-E"]
    assert table["alignment_negligible_share_mean"] == pytest.approx(0.2)
    assert table["alignment_off_path_mean"] == pytest.approx(0.1)
    assert table["train_seconds_mean"] == pytest.approx(120.0)


# --- published_beyond: what chapter 9 reads -------------------------------------------------------------

SETTINGS = {"task": "mtd", "data": "generated mtd small (seed 0)", "data_size": "small", "model_size": "small",
            "gamma": 1.0, "seed": 0, "epochs": 15, "batch_size": 8, "protocol": "table1", "minimum": "softmin",
            "device": "cpu"}


def _folder(root, name, settings, configs):
    folder = root / name
    folder.mkdir()
    _write_results(folder, settings, [{"config": c, "run": 0, "accuracy": 0.5} for c in configs])


@pytest.fixture
def published(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "PUBLISHED", tmp_path)
    _folder(tmp_path, "mtd-small", SETTINGS, ["CTC-A", "CTC-B", "SDTW-E", "strong"])
    return tmp_path


def test_published_beyond_takes_the_references_from_the_table1_rerun(published):
    _folder(published, "mtd-onsets", SETTINGS, ["SDTW-E-ONSET"])
    _folder(published, "mtd-hardmin", dict(SETTINGS, minimum="hardmin"), ["CTC-A", "SDTW-E"])
    assert published_beyond("onsets") is None                   # its references are not shipped yet
    assert published_beyond("softmin-gamma1") is None
    _folder(published, "mtd-softmin-gamma1", SETTINGS, ["CTC-A", "SDTW-E"])
    settings, rows = published_beyond("onsets")
    assert sorted(row["config"] for row in rows) == ["CTC-A", "SDTW-E", "SDTW-E-ONSET"]
    assert sorted(row["config"] for row in published_beyond("softmin-gamma1")[1]) == ["CTC-A", "SDTW-E"]
    assert published_beyond("hardmin")[0]["minimum"] == "hardmin"
    assert published_beyond("sparsemin-gamma1") is None          # not shipped


@pytest.mark.parametrize("key", [k for k in RESUME_KEYS if k != "task"])
@pytest.mark.parametrize("name, changed_folder", [("sparsemin-gamma1", "sparsemin-gamma1"),
                                                  ("onsets", "softmin-gamma1")])
def test_published_beyond_refuses_results_with_other_settings(published, key, name, changed_folder):
    minimum, gamma = BEYOND_MEASUREMENTS[changed_folder]
    changed = dict(SETTINGS, minimum=minimum, gamma=gamma)
    changed[key] = {"minimum": "hardmin", "gamma": 3.0, "seed": 1, "epochs": 6, "batch_size": 4}.get(key, "other")
    _folder(published, f"mtd-{changed_folder}", changed, ["CTC-A"])
    if name == "onsets":
        _folder(published, "mtd-onsets", SETTINGS, ["SDTW-E-ONSET"])
    with pytest.raises(ValueError, match=f"mtd-{changed_folder} differ from the Table I rerun in {key}"):
        published_beyond(name)


def test_published_beyond_names_its_measurements(published):
    with pytest.raises(ValueError, match="name must be one of"):
        published_beyond("softmin")
    _folder(published, "mtd-softmin-gamma1", SETTINGS, ["CTC-A", "SDTW-E"])
    (published / "mtd-small" / "results.json").unlink()
    assert published_beyond("softmin-gamma1") is None


def test_report_title_names_a_minimum_other_than_the_papers():
    assert "minimum" not in report_title(SETTINGS)
    assert report_title(dict(SETTINGS, minimum="hardmin")).endswith("protocol table1, minimum hardmin, device cpu")
    assert "minimum softmin (gamma 0.1)" in report_title(dict(SETTINGS, gamma=0.1))
    assert "minimum sparsemin (gamma 1)" in report_title(dict(SETTINGS, minimum="sparsemin"))


@pytest.mark.parametrize("name", BEYOND_MEASUREMENTS)
def test_the_shipped_beyond_measurements_match_the_table1_rerun(name, tmp_path):
    """What rerun_beyond.sh made: the settings of the Table I rerun, the configurations it trains, its tables."""
    folder = run_module.PUBLISHED / f"mtd-{name}"
    if not (folder / "results.json").is_file():
        pytest.skip(f"the package ships no {name} results yet")
    settings, rows = published_beyond(name)            # raises if the settings differ from the Table I rerun's
    own = load_results(folder)[1]
    expected = {"SDTW-E-ONSET"} if name == "onsets" else {"CTC-A", "SDTW-E"}
    assert {row["config"] for row in own} == expected
    assert all(row["epochs"] <= settings["epochs"] and 0 <= row["accuracy"] <= 1 for row in own)
    if name != "onsets":                               # the alignment shape of every run, for chapter 9
        assert all(0 <= row["alignment_negligible_share"] <= 1 for row in own)
    assert (folder / "tables.md").read_text().strip() == write_report(folder, tmp_path).strip()


def test_the_shipped_references_are_runs_of_the_table1_rerun():
    """The references were trained by the Table I rerun (ahead of its other configurations): their runs
    that the published Table I results also hold are the same networks, with the same scores."""
    found = published_beyond("softmin-gamma1")
    if found is None:
        pytest.skip("the package ships no references yet")
    table1 = {(row["config"], row["run"]): row for row in load_results(run_module.published_results("mtd"))[1]}
    shared = [row for row in found[1] if (row["config"], row["run"]) in table1]
    assert {row["config"] for row in shared} == {"CTC-A", "SDTW-E"}
    for row in shared:
        reference = table1[row["config"], row["run"]]
        for key in ("accuracy", "ler_greedy", "best_val_loss", "epochs"):
            assert row[key] == reference[key], (row["config"], row["run"], key)


def test_the_time_estimate_uses_the_measurement_of_the_same_minimum(tmp_path, monkeypatch):
    """A dry run of rerun_beyond.sh's commands is timed by the published runs of its minimum and configurations."""
    monkeypatch.setattr(run_module, "PUBLISHED", tmp_path)

    def timed(name, settings, seconds):
        (tmp_path / name).mkdir()
        _write_results(tmp_path / name, settings, [{"config": c, "run": 0, "epochs": 15, "epoch_seconds": s}
                                                   for c, s in seconds.items()])

    timed("mtd-small", SETTINGS, {"CTC-A": 10.0, "SDTW-E": 11.0})
    timed("mtd-hardmin", dict(SETTINGS, minimum="hardmin"), {"CTC-A": 30.0, "SDTW-E": 31.0})
    timed("mtd-onsets", SETTINGS, {"SDTW-E-ONSET": 20.0})

    def per_epoch(**options):
        plan = run_module.plan_experiment("mtd", tmp_path / "out", configs=["CTC-A", "SDTW-E-ONSET"],
                                          data_size="tiny", device="cpu", **options)
        return {c: seconds for c, (seconds, _) in run_module.estimate_seconds(plan)["per_config"].items()}

    assert per_epoch() == {"CTC-A": 10.0, "SDTW-E-ONSET": 20.0}
    assert per_epoch(minimum="hardmin") == {"CTC-A": 30.0, "SDTW-E-ONSET": 20.0}
    assert per_epoch(minimum="softmin", gamma=0.1) == {"CTC-A": 10.0, "SDTW-E-ONSET": 20.0}   # not shipped
    assert not (tmp_path / "out").exists()
