"""The generated default data sets: official layouts, exact round trip, splits, determinism."""
import json

import numpy as np
import pytest
import soundfile

from ddtw_edu.data import load_mtd, load_swd, read_mtd_splits, split_items
from ddtw_edu.data.__main__ import main as data_cli
from ddtw_edu.data.generate import (DISTRACTOR_PREFIX, FULL_FOLDER, GENERATOR_VERSION, MTD_CHORALES,
                                    MTD_DISTRACTORS, dataset_folder, default_dataset, format_mtd_time,
                                    is_complete, make_dataset, mtd_theme, swd_recording, swd_songs)
from ddtw_edu.data.features import SR
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


# ----------------------------------------------------------------------------- generator version 2

def test_excerpt_is_cut_from_the_full_performance_and_theme_generation_is_deterministic():
    path = list_chorales()[7]
    theme, excerpt, full, sounding = mtd_theme(path, 2, np.random.default_rng([0, 1, 2]))
    start = parse_mtd_time(theme.metadata["StartTime"])
    first = round(start * SR)
    np.testing.assert_array_equal(excerpt, full[first: first + len(excerpt)])
    assert len(full) / SR > parse_mtd_time(theme.metadata["EndTime"])
    again = mtd_theme(path, 2, np.random.default_rng([0, 1, 2]))
    np.testing.assert_array_equal(again[1], excerpt)
    np.testing.assert_array_equal(again[2], full)
    np.testing.assert_array_equal(again[3], sounding)
    other = mtd_theme(path, 2, np.random.default_rng([1, 1, 2]))[2]
    assert not np.array_equal(other[: len(full)], full[: len(other)])      # another seed, another performance


def test_full_audio_holds_every_theme_and_distractors_of_new_tunes(mtd_root):
    from ddtw_edu.data.generate import _tune, distractor_name

    themes = load_mtd(mtd_root)
    files = sorted(p.stem for p in (mtd_root / FULL_FOLDER).glob("*.wav"))
    distractors = [f for f in files if f.startswith(DISTRACTOR_PREFIX)]
    assert len(distractors) == MTD_DISTRACTORS["tiny"]
    assert sorted(set(files) - set(distractors)) == sorted(t.stem for t in themes)
    overview = (mtd_root / "MTD.csv").read_text()
    assert not any(d in overview for d in distractors)                 # no theme, no annotation
    theme_paths = [t.metadata["Comment"].split(" from ")[1] for t in themes]
    theme_tunes = set().union(*(_tune(p)[1] for p in theme_paths))
    by_name = {distractor_name(p): p for p in list_chorales()}
    for d in distractors:
        assert not _tune(by_name[d])[1] & theme_tunes                  # a tune that no theme has


def test_small_set_has_a_retrieval_database_of_at_least_100_recordings():
    assert MTD_CHORALES["small"] + MTD_DISTRACTORS["small"] >= 100     # full_AUDIO/: themes plus distractors
    assert MTD_DISTRACTORS["small"] <= len(list_chorales()) - MTD_CHORALES["small"]


def test_folders_and_completion_markers_name_the_generator_version(tmp_path, mtd_root):
    assert dataset_folder("mtd", "small", 0, tmp_path) == tmp_path / f"mtd-small-seed0-v{GENERATOR_VERSION}"
    assert GENERATOR_VERSION >= 2
    made = json.loads((mtd_root / ".ddtw_edu_complete.json").read_text())
    assert made == {"dataset": "mtd", "size": "tiny", "seed": 0, "generator": GENERATOR_VERSION}
    assert is_complete(mtd_root)
    old = tmp_path / "old"
    old.mkdir()
    (old / ".ddtw_edu_complete.json").write_text(json.dumps({"dataset": "mtd", "size": "tiny", "seed": 0}))
    assert not is_complete(old) and not is_complete(tmp_path / "missing")   # version 1 sets are not reused


def test_recordings_differ_in_level_and_carry_noise(mtd_root, swd_root):
    peaks = [np.abs(soundfile.read(p)[0]).max() for p in sorted((mtd_root / FULL_FOLDER).glob("*.wav"))]
    assert max(peaks) / min(peaks) > 1.3                               # random output levels
    audio, _ = soundfile.read(next((swd_root / "01_RawData" / "audio_wav").glob("*.wav")))
    assert np.abs(audio[-SR // 4:]).max() > 0                          # noise (and the room) after the last note


def test_retrieval_database_puts_each_querys_own_recording_at_its_index(mtd_root, monkeypatch, tmp_path):
    import ddtw_edu.experiments.data as experiment_data
    from ddtw_edu.experiments.data import retrieval_database, retrieval_documents

    themes = load_mtd(mtd_root)
    test_names = [themes[4].stem, themes[1].stem, themes[7].stem]           # any order of queries
    listed = retrieval_documents(mtd_root, test_names)
    assert [name for name, _ in listed[:3]] == test_names
    assert all(path == mtd_root / FULL_FOLDER / f"{name}.wav" for name, path in listed)
    assert len(listed) == len(themes) + MTD_DISTRACTORS["tiny"] == len(list((mtd_root / FULL_FOLDER).glob("*.wav")))
    assert len({name for name, _ in listed}) == len(listed)                # every recording once

    # features stand-in: the file name's length as a (1, 1, 1) array (no HCQT in this test)
    monkeypatch.setattr(experiment_data, "cached_hcqt", lambda path, *a, **k: np.full((1, 1, 1), len(str(path))))
    monkeypatch.setattr(experiment_data, "is_hcqt_cached", lambda *a, **k: True)
    items = [{"name": name, "weak": np.eye(12)[[0, 4, 7]], "features": None} for name in test_names]
    queries, documents = retrieval_database(mtd_root, items, tmp_path)
    assert len(queries) == 3 and [d["name"] for d in documents] == [name for name, _ in listed]
    for q, item in enumerate(items):
        assert documents[q]["name"] == item["name"]                       # query q's relevant document is q

    # a folder without full recordings (the real MTD): the test excerpts only, in query order
    bare = tmp_path / "bare"
    bare.mkdir()
    items = [{"name": name, "weak": np.eye(12)[[0, 0]], "features": np.full((1, 1, 1), q)}
             for q, name in enumerate(test_names)]
    assert retrieval_documents(bare, test_names) == [(name, None) for name in test_names]
    _, documents = retrieval_database(bare, items)
    assert [int(d["features"][0, 0, 0]) for d in documents] == [0, 1, 2]


def test_tunes_from_parsed_voices_group_as_group_chorales_by_melody_does():
    from ddtw_edu.data.generate import _tune, _tune_groups
    from ddtw_edu.data.scores import chorale_melody_id, chorale_phrases, chorale_voices

    chorales = list_chorales()
    paths = chorales[:12] + [p for p in chorales if "bwv244.15" in p or "bwv244.17" in p or "bwv244.54" in p]
    tunes = [_tune(p, chorale_voices(p), chorale_phrases(p)) for p in paths]
    assert [key for key, _ in tunes] == [chorale_melody_id(p) for p in paths]
    groups = _tune_groups(paths, tunes)
    assert groups == group_chorales_by_melody(paths)
    assert len(set(groups.values())) < len(paths)                       # some of them share a tune
