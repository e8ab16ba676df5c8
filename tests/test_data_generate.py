"""The generated default data sets: official layouts, exact round trip, splits, determinism."""
import numpy as np
import pytest
import soundfile

from ddtw_edu.data import load_mtd, load_swd, read_mtd_splits, split_items
from ddtw_edu.data.__main__ import main as data_cli
from ddtw_edu.data.generate import (FULL_FOLDER, default_dataset, format_mtd_time, make_dataset, mtd_theme,
                                    swd_recording, swd_songs)
from ddtw_edu.data.mtd import parse_mtd_time
from ddtw_edu.data.scores import group_chorales_by_melody, list_chorales
from ddtw_edu.data.targets import compute_targets


@pytest.fixture(scope="module")
def mtd_root(tmp_path_factory):
    return make_dataset("mtd", "tiny", tmp_path_factory.mktemp("mtd"), seed=0, progress=False)


@pytest.fixture(scope="module")
def swd_root(tmp_path_factory):
    return make_dataset("swd", "tiny", tmp_path_factory.mktemp("swd"), seed=0, progress=False)


def test_mtd_round_trip_gives_back_the_synthesized_theme_exactly(mtd_root):
    themes = load_mtd(mtd_root)
    assert len(themes) == 10
    for index, theme in enumerate(themes):
        path = theme.metadata["Comment"].split(" from ")[1]
        _, excerpt, _, sounding = mtd_theme(path, index, np.random.default_rng([0, 1, index]))
        np.testing.assert_array_equal(theme.notes, sounding)          # repr floats: exact
        audio, sr = soundfile.read(theme.audio_path)
        assert sr == 22050 and abs(len(audio) - len(excerpt)) <= 1
        duration = parse_mtd_time(theme.metadata["EndTime"]) - parse_mtd_time(theme.metadata["StartTime"])
        assert abs(len(audio) / sr - duration) < 1e-3
        assert theme.alignment[-1, 1] == pytest.approx(duration)
        assert (mtd_root / FULL_FOLDER / f"{theme.stem}.wav").exists()
    assert {t.transposition for t in themes} >= {0, -12}               # the transposition path is used


def test_mtd_targets_from_loaded_files_equal_targets_from_the_generator(mtd_root):
    theme = load_mtd(mtd_root)[3]
    path = theme.metadata["Comment"].split(" from ")[1]
    _, _, _, sounding = mtd_theme(path, 3, np.random.default_rng([0, 1, 3]))
    N = 200
    ours = compute_targets(theme.notes, N, 22050, 896, polyphonic=False)
    truth = compute_targets(sounding, N, 22050, 896, polyphonic=False)
    for key in truth:
        np.testing.assert_array_equal(ours[key], truth[key])


def test_mtd_folds_partition_the_themes_and_keep_melodies_together(mtd_root):
    themes = load_mtd(mtd_root)
    folds = read_mtd_splits(mtd_root)
    assert sorted(folds) == [1, 2, 3, 4, 5]
    stems = [s for k in folds for s in folds[k]]
    assert sorted(stems) == sorted(t.stem for t in themes)               # disjoint and complete
    paths = {t.stem: t.metadata["Comment"].split(" from ")[1] for t in themes}
    groups = group_chorales_by_melody(list(paths.values()))
    fold_of_group = {}
    for k, fold in folds.items():
        for stem in fold:
            assert fold_of_group.setdefault(groups[paths[stem]], k) == k


def test_swd_recordings_follow_the_paper_split_and_round_trip(swd_root):
    items = load_swd(swd_root)
    assert len(items) == 9
    parts = split_items(items)
    assert {k: len(v) for k, v in parts.items()} == {"train": 5, "val": 2, "test": 2}
    song = swd_songs("tiny")[0][1]
    for p, item in enumerate(items):
        _, notes, instruments = swd_recording(song, np.random.default_rng([0, 3, 5, p]))
        np.testing.assert_allclose(item.notes, notes, atol=5e-5)       # files keep 4 decimals
        assert list(item.instruments) == instruments
        assert item.audio_path is not None
    tempi = [item.notes[-1, 1] for item in items]
    assert max(tempi) / min(tempi) > 1.1                                 # performances differ in tempo


def test_generation_is_deterministic_and_default_dataset_reuses_it(tmp_path):
    a = default_dataset("swd", "tiny", seed=1, root=tmp_path, progress=False)     # one worker per core
    b = make_dataset("swd", "tiny", tmp_path / "again", seed=1, progress=False, workers=1)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes()
    stamp = (a / files[0]).stat().st_mtime_ns
    assert default_dataset("swd", "tiny", seed=1, root=tmp_path, progress=False) == a
    assert (a / files[0]).stat().st_mtime_ns == stamp                    # not generated again


def test_make_and_check_command_line(tmp_path, capsys):
    assert data_cli(["make", "--dataset", "swd", "--size", "tiny", "--out", str(tmp_path / "s"), "--seed", "2"]) == 0
    assert data_cli(["check", str(tmp_path / "s")]) == 0
    assert "recordings:     9" in capsys.readouterr().out


def test_mtd_time_format_matches_the_official_style():
    assert format_mtd_time(1.0) == "00:01"
    assert format_mtd_time(0.5) == "00:00.5"
    assert format_mtd_time(67.25) == "01:07.25"
    for seconds in (0.0, 0.5, 9.99, 61.2, 125.07):
        assert parse_mtd_time(format_mtd_time(seconds)) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", [{"dataset": "xyz"}, {"size": "huge"}])
def test_bad_choices_name_the_argument(tmp_path, bad):
    kwargs = {"dataset": "mtd", "size": "tiny", **bad}
    with pytest.raises(ValueError, match=next(iter(bad))):
        make_dataset(kwargs["dataset"], kwargs["size"], tmp_path)


def test_every_listed_chorale_has_a_work_id_without_underscores():
    from ddtw_edu.data.generate import _work_id
    assert all("_" not in _work_id(p) for p in list_chorales())


def test_sequences_feed_the_losses_through_the_padded_batch(mtd_root, swd_root, tmp_path):
    import torch

    import ddtw_edu
    from ddtw_edu.data.batching import SequenceDataset
    from ddtw_edu.data.sequences import TIME_AXES, mtd_sequences, swd_sequences

    items = mtd_sequences(mtd_root, folds=[1], cache_dir=tmp_path, progress=False)
    assert len(items) == len(read_mtd_splits(mtd_root)[1])
    dataset = SequenceDataset(items, time_axes=TIME_AXES)
    batch = dataset.collate([dataset[i] for i in range(len(dataset))])
    B, _, _, N = batch["features"].shape
    assert batch["features"].shape[1:3] == (6, 216)
    # a stand-in network output: the strong targets themselves as probabilities (plus a blank)
    probs = 0.9 * torch.cat([torch.zeros(B, N, 1), batch["strong"]], dim=2) + 0.1 / 13
    log_probs = probs.log().transpose(0, 1)
    loss = ddtw_edu.ctc_loss(log_probs, batch["ctc"], batch["input_lengths"], batch["target_lengths"]["ctc"],
                             reduction="none")
    assert torch.isfinite(loss).all()
    swd = swd_sequences(swd_root, part="test", cache_dir=tmp_path, progress=False)
    assert [i["name"][-4:] for i in swd] == ["HU33", "SC06"]
    assert swd[0]["features"].shape[:2] == (6, 216) and swd[0]["strong"].shape[1] == 12
