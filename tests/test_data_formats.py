"""MTD and SWD files: writers reproduce the official bytes, readers name the file and line of any fault.

Golden files under tests/golden are small invented themes and recordings in the official formats.
A few real MTD and SWD annotation files, which this repository must not contain (the data sets'
licences), are read from the folder named by $DDTW_EDU_REALDATA (default: ``realdata`` in the
``shared`` folder beside the checkout, where the project's machines keep them), never copied;
tests that need them skip when the folder is absent.
"""
import io
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ddtw_edu.data import DataFormatError, download, mtd, swd
from ddtw_edu.data.__main__ import main

GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_MTD, GOLDEN_SWD = GOLDEN / "mtd", GOLDEN / "swd"
REALDATA = Path(os.environ.get("DDTW_EDU_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata"))
needs_realdata = pytest.mark.skipif(
    not REALDATA.is_dir(), reason="needs a few real MTD/SWD annotation files, which this repository does not ship: "
                                  "set DDTW_EDU_REALDATA to a folder with them (real MTD/ and SWD/ layouts)")
A, B = "MTD9999_Test_BWV0000-01", "MTD9998_Test_Op001-2-1"   # golden themes: A transposed by -12
HU33 = "Schubert_D911-01_HU33"


def read_write(path):
    """(reader, writer) for a data file, by its folder or name."""
    path = Path(path)
    kinds = {
        "data_META": (mtd.read_mtd_metadata, mtd.write_mtd_metadata),
        "data_EDM-alig_CSV": (mtd.read_mtd_notes, mtd.write_mtd_aligned_notes),
        "data_EDM-corr_CSV": (mtd.read_mtd_notes, mtd.write_mtd_score_notes),
        "data_ALIGNMENT": (mtd.read_mtd_alignment, mtd.write_mtd_alignment),
        "MTD_splits": (mtd.read_mtd_split_file, mtd.write_mtd_split_file),
        "ann_audio_note": (swd.read_swd_notes, lambda p, x: swd.write_swd_notes(p, *x)),
    }
    if path.name == "MTD.csv":
        return mtd.read_mtd_overview, mtd.write_mtd_overview
    return kinds[path.parent.name]


def data_files(root):
    return sorted(p for p in Path(root).rglob("*") if p.is_file() and p.suffix in (".csv", ".json"))


def assert_round_trip(path, tmp_path):
    read, write = read_write(path)
    out = tmp_path / path.name
    write(out, read(path))
    assert out.read_bytes() == path.read_bytes(), path


# ----------------------------------------------------------------------------- writers and round trips

def test_mtd_writers_reproduce_golden_bytes(tmp_path):
    metadata = {"MTDID": "9999", "BMID": "B9999", "EDMID": "9999", "ComposerID": "Test", "ComposerBirth": "1900",
                "ComposerDeath": "2000", "WorkID": "BWV0000-01", "PerformanceID": "Tester",
                "CollectionID": "Composer/Test_Collection", "MusicBrainzID": "00000000-0000-0000-0000-000000000000",
                "LabelID": "XX", "WCMID": "0", "WorkTitle": "Prüfstück, no 1", "ThemeLabelBM": "",
                "ThemeInstruments": "Violin", "WorkInstruments": "Violin, Strings", "Ensemble": "Concerto",
                "Polyphony": "Polyphon", "NameCD": "001", "NameTrack": "Track01", "StartTime": "00:01",
                "EndTime": "00:03", "MidiTransposition": "-12", "Comment": ""}
    d = 0.5 - 1 / 480   # corr durations: inter-onset interval minus one tick
    theme = mtd.MTDTheme(
        stem=A, metadata=dict(reversed(metadata.items())),   # the writer restores the official key order
        score_notes=[[0.0, d, 72], [0.5, d, 72], [1.0, d, 72], [1.5, d, 74]],
        aligned_notes=[[0.1, 0.49791666666666673, 72], [0.61234, 0.4856900000000001, 72],
                       [1.10002, 0.42791666666666667, 72], [1.53001, 0.5179166666666668, 74]],
        alignment=[[0, 0.1], [0.5, 0.61234], [1, 1.10002], [1.5, 1.53001], [2 - 1 / 480, 2.05]])
    paths = mtd.write_mtd_theme(tmp_path, theme)
    for kind in ("meta", "alig", "corr", "alignment"):
        golden = mtd.get_mtd_paths(GOLDEN_MTD, A)[kind]
        assert paths[kind].read_bytes() == golden.read_bytes(), kind
    assert not paths["meta"].read_bytes().endswith(b"\n")
    mtd.write_mtd_split_file(tmp_path / "split.csv", [A, B])
    assert (tmp_path / "split.csv").read_bytes() == (GOLDEN_MTD / "MTD_splits" / "MTD_split5-1.csv").read_bytes()


def test_swd_writer_reproduces_golden_bytes(tmp_path):
    notes = [[0.5, 1.25, 50], [0.5, 1.25, 62], [1.25, 1.75, 65], [1.75, 2.25, 65], [2.25, 3.0, 69]]
    out = swd.write_swd_notes(tmp_path / f"{HU33}.csv", notes, ["piano"] * 2 + ["voice"] * 3)
    golden = GOLDEN_SWD / swd.NOTE_FOLDER / f"{HU33}.csv"
    assert out.read_bytes() == golden.read_bytes()
    assert out.read_bytes().count(b"\r\n") == 6 and b'"voice"' in out.read_bytes()


@pytest.mark.parametrize("path", data_files(GOLDEN), ids=lambda p: p.relative_to(GOLDEN).as_posix())
def test_golden_round_trip_is_byte_identical(path, tmp_path):
    assert_round_trip(path, tmp_path)


@needs_realdata
def test_real_sample_round_trip_is_byte_identical(tmp_path):
    files = data_files(REALDATA)
    assert len(files) == 16
    for path in files:
        assert_round_trip(path, tmp_path)


# ----------------------------------------------------------------------------- notes and transposition

def test_transposition_is_added_to_aligned_pitches():
    theme_a, theme_b = (mtd.load_mtd_theme(GOLDEN_MTD, stem) for stem in (A, B))
    assert theme_a.transposition == -12 and theme_b.transposition == 0
    np.testing.assert_array_equal(theme_a.aligned_notes[:, 2], [72, 72, 72, 74])   # files are not transposed
    np.testing.assert_array_equal(theme_a.notes[:, 2], [60, 60, 60, 62])
    np.testing.assert_array_equal(theme_b.notes[:, 2], [67, 65, 64])
    np.testing.assert_allclose(theme_b.notes[:, :2], [[0.25, 0.9984375], [1.375, 1.7484375], [1.75, 2.4984375]])
    assert theme_a.notes.dtype == np.float64 and theme_a.notes.shape == (4, 3)


def test_notes_are_sorted_by_start_then_pitch_and_never_merged():
    theme = mtd.load_mtd_theme(GOLDEN_MTD, A)
    assert len(theme.notes) == 4   # three repeated 72s stay three notes
    theme.aligned_notes = np.array([[1.0, 0.5, 70], [0.0, 0.5, 67], [0.0, 0.5, 64], [0.0, 0.5, 64]])
    np.testing.assert_array_equal(theme.notes, [[0, 0.5, 52], [0, 0.5, 52], [0, 0.5, 55], [1, 1.5, 58]])


@needs_realdata
def test_real_repeated_notes_stay_separate():
    themes = {t.stem: t for t in mtd.load_mtd(REALDATA / "MTD")}
    notes = themes["MTD0167_Bach_BWV1065-01"].notes
    assert notes.shape == (31, 3)
    assert (notes[:6, 2] == 76).all()
    assert np.sum(np.diff(notes[:, 2]) == 0) == 16
    bach = themes["MTD0116_Bach_BWV1046-01"]
    np.testing.assert_array_equal(bach.notes[:, 2], bach.aligned_notes[:, 2] - 1)   # MidiTransposition -1
    assert bach.audio_path is None and len(bach.alignment) == len(bach.notes) + 1


def test_parse_mtd_time():
    assert mtd.parse_mtd_time("00:00.5") == 0.5
    assert mtd.parse_mtd_time("1:23.0") == 83.0
    with pytest.raises(ValueError, match="text must look like"):
        mtd.parse_mtd_time("83")


# ----------------------------------------------------------------------------- splits

def test_mtd_split_files_have_no_header(tmp_path):
    folds = mtd.read_mtd_splits(root=GOLDEN_MTD)   # found in root/MTD_splits
    assert folds == {1: [A, B], 2: ["MTD9997_Test_Absent"]}   # line 1 is a theme, not a header
    for k, stems in folds.items():
        mtd.write_mtd_split_file(tmp_path / f"MTD_split5-{k}.csv", stems)
    assert mtd.read_mtd_splits(root=tmp_path) == folds   # found in the root itself
    assert mtd.read_mtd_splits(folder=GOLDEN_MTD / "MTD_splits") == folds
    parts = mtd.split_themes(mtd.load_mtd(GOLDEN_MTD), folds, parts={"train": (1,), "test": (2,)})
    assert [t.stem for t in parts["train"]] == [B, A] and parts["test"] == []
    with pytest.raises(FileNotFoundError, match="pass folder="):
        mtd.read_mtd_splits(root=GOLDEN_SWD)


def test_mtd_paper_split_uses_folds_123_4_5(tmp_path):
    for k in range(1, 6):
        mtd.write_mtd_split_file(tmp_path / mtd.SPLIT_FOLDER / f"MTD_split5-{k}.csv", [f"MTD000{k}_C_W"])
    parts = mtd.split_themes([f"MTD000{k}_C_W" for k in range(1, 6)], mtd.read_mtd_splits(tmp_path))
    assert parts == {"train": ["MTD0001_C_W", "MTD0002_C_W", "MTD0003_C_W"], "val": ["MTD0004_C_W"],
                     "test": ["MTD0005_C_W"]}
    with pytest.raises(ValueError, match="both"):
        mtd.split_themes([], mtd.read_mtd_splits(tmp_path), parts={"a": (1,), "b": (1,)})


@needs_realdata
def test_real_mtd_splits():
    folds = mtd.read_mtd_splits(folder=REALDATA / "MTD_splits")
    assert [len(v) for v in folds.values()] == [559, 377, 377, 377, 377]
    assert folds[3][0] == "MTD0116_Bach_BWV1046-01"
    rows = mtd.read_mtd_overview(REALDATA / "MTD.csv")
    assert {s + ".mid" for v in folds.values() for s in v} == {row["MIDI_EDM"] for row in rows}
    assert rows[0]["MTDID"] == "0116" and all(isinstance(v, str) for v in rows[0].values())
    assert list(rows[0]) == list(mtd.OVERVIEW_COLUMNS)
    parts = mtd.split_themes(mtd.load_mtd(REALDATA / "MTD"), folds)
    assert [t.stem for t in parts["train"]] == ["MTD0116_Bach_BWV1046-01", "MTD0167_Bach_BWV1065-01"]


def test_swd_splits_by_performance():
    items = swd.load_swd(GOLDEN_SWD)
    stems = lambda part: [i.stem for i in part]
    paper = swd.split_items(items)
    assert stems(paper["train"]) == ["Schubert_D911-01_AL98"]
    assert stems(paper["val"]) == ["Schubert_D911-01_FI66"]
    assert stems(paper["test"]) == [HU33, "Schubert_D911-17_SC06"]
    public = swd.split_items(items, swd.SWD_SPLIT_PUBLIC)
    assert stems(public["train"]) == [HU33] and stems(public["test"]) == ["Schubert_D911-17_SC06"]
    with pytest.raises(ValueError, match="both"):
        swd.split_items(items, {"a": ["HU33"], "b": ["HU33"]})
    with pytest.raises(ValueError, match="several parts"):
        swd.split_items(items, {"a": ["HU33"], "b": [HU33]})


def test_swd_items():
    item = swd.load_swd(GOLDEN_SWD)[2]
    assert (item.song, item.performance, item.stem, item.audio_path) == (1, "HU33", HU33, None)
    assert item.notes.dtype == np.float64 and item.notes.shape == (5, 3)
    assert item.instruments == ("piano", "piano", "voice", "voice", "voice")
    assert np.sum(np.diff(item.notes[:, 2]) == 0) == 1   # the repeated voice note stays two notes
    with pytest.raises(ValueError, match="stem must look like"):
        swd.parse_swd_stem("Schubert_D911-25_HU33")


@needs_realdata
def test_real_swd_notes():
    items = {i.performance: i for i in swd.load_swd(REALDATA / "SWD")}
    hu33, sc06 = items["HU33"], items["SC06"]
    assert len(hu33.notes) == 943 and hu33.instruments.count("voice") == 193
    np.testing.assert_array_equal(hu33.notes[0], [0.28, 0.4325, 62])
    assert sc06.notes[:, 1].max() == 177.85 and sc06.song == 23
    assert [i.performance for i in swd.split_items(items.values())["test"]] == ["HU33", "SC06"]


# ----------------------------------------------------------------------------- malformed input

def edit(path, old, new, count=1):
    text = path.read_bytes().decode()
    assert old in text, (path, old)
    path.write_bytes(text.replace(old, new, count).encode())


MTD_CASES = [  # (folder, stem, old text, new text, line, message)
    ("data_EDM-alig_CSV", A, "Start;Duration;Pitch", "Start;Duration", 1, "missing column 'Pitch'"),
    ("data_EDM-alig_CSV", A, "Start;Duration;Pitch", "Start,Duration,Pitch", 1, "wrong separator ','"),
    ("data_EDM-alig_CSV", A, "0.61234;0.4856900000000001;72", "0.61234,0.4856900000000001,72", 3,
     "wrong separator ','"),
    ("data_EDM-alig_CSV", A, "1.10002;", "1.1OOO2;", 4, "non-numeric value '1.1OOO2' in column 'Start'"),
    ("data_EDM-alig_CSV", A, ";0.4856900000000001;", ";-0.48569;", 3, "negative Duration"),
    ("data_EDM-alig_CSV", A, "74\n", "74\n2.1;0.1;74\n", 6, "without a counterpart: 5 aligned notes, 4"),
    ("data_EDM-alig_CSV", A, "0.5179166666666668;74", "0.5179166666666668;75", 5, "pitch differs"),
    ("data_EDM-corr_CSV", B, "0.9979166666666667;64", "0.9979166666666667;64.0", 4, "integer MIDI pitch"),
    ("data_EDM-corr_CSV", B, "0.0;", "0.0;0.9;", 2, "expected 3 fields"),
    ("data_ALIGNMENT", B, "2.00000;1.75000", "2.00000;1.25000", 4, "must not decrease"),
    ("data_META", A, '"WCMID": "0",', '"WCMID": \'0\',', 13, "bad JSON: Expecting value"),
    ("data_META", A, '    "MidiTransposition": "-12",\n', "", 1, "missing key(s) 'MidiTransposition'"),
    ("data_META", A, '"MidiTransposition": "-12"', '"MidiTransposition": -12', 24, "must be a string"),
    ("data_META", A, '"MidiTransposition": "-12"', '"MidiTransposition": "-1.5"', 24, "integer string"),
    ("data_META", A, '"Comment": ""', '"Comment": "", "Remark": ""', 25, "unknown key 'Remark'"),
    ("data_META", B, '"MTDID": "9998"', '"MTDID": "9997"', 2, "does not match the file name"),
]
SWD_CASES = [  # (stem, old text, new text, line, message)
    (HU33, "start;end;pitch;pitchclass;instrument", "start;end;pitch;pitchclass", 1, "missing column 'instrument'"),
    (HU33, "start;end;pitch;pitchclass;instrument", "start,end,pitch,pitchclass,instrument", 1, "wrong separator"),
    (HU33, '1.2500;1.7500;65;5;"voice"', '1.2500,1.7500,65,5,"voice"', 4, "wrong separator ','"),
    (HU33, "1.7500;2.2500;", "1.7500;1.2500;", 5, "end 1.2500 is before start 1.7500"),
    (HU33, "2.2500;3.0000;69;9;", "2.2500;3.0000;69;8;", 6, "pitchclass 8 does not match pitch 69"),
    (HU33, "0.5000;1.2500;62;2;", "0.5000;1.2500;sixty;2;", 3, "integer MIDI pitch"),
    (HU33, "2.2500;3.0000;", "2.2500;3.0s;", 6, "non-numeric value '3.0s' in column 'end'"),
]


def check_error(exc, path, line, message):
    text = str(exc.value)
    assert f"{path}, line {line}:" in text and message in text, text
    assert exc.value.path == path and exc.value.line == line


@pytest.mark.parametrize("folder, stem, old, new, line, message", MTD_CASES, ids=[c[-1] for c in MTD_CASES])
def test_malformed_mtd_names_file_and_line(tmp_path, capsys, folder, stem, old, new, line, message):
    root = shutil.copytree(GOLDEN_MTD, tmp_path / "mtd")
    path = root / folder / (stem + (".json" if folder == "data_META" else ".csv"))
    edit(path, old, new)
    with pytest.raises(DataFormatError) as exc:
        mtd.load_mtd(root)
    check_error(exc, path, line, message)
    assert main(["check", str(root)]) == 1
    assert f"{path}, line {line}:" in capsys.readouterr().err


@pytest.mark.parametrize("stem, old, new, line, message", SWD_CASES, ids=[c[-1] for c in SWD_CASES])
def test_malformed_swd_names_file_and_line(tmp_path, capsys, stem, old, new, line, message):
    root = shutil.copytree(GOLDEN_SWD, tmp_path / "swd")
    path = root / swd.NOTE_FOLDER / f"{stem}.csv"
    edit(path, old, new)
    with pytest.raises(DataFormatError) as exc:
        swd.load_swd(root)
    check_error(exc, path, line, message)
    assert main(["check", str(root)]) == 1
    assert f"{path}, line {line}:" in capsys.readouterr().err


def test_malformed_split_overview_and_missing_files(tmp_path):
    root = shutil.copytree(GOLDEN_MTD, tmp_path / "mtd")
    split = root / "MTD_splits" / "MTD_split5-2.csv"
    split.write_text(f"{A}.mid\n")
    with pytest.raises(DataFormatError, match=r"MTD_split5-2.csv, line 1: theme .* already in fold 1"):
        mtd.read_mtd_splits(root)
    split.write_text("MTD9997_Test_Absent;x\n")
    with pytest.raises(DataFormatError, match=r"MTD_split5-2.csv, line 1: expected one MIDI file name"):
        mtd.read_mtd_splits(root)
    edit(root / "MTD.csv", "Track02;00:00.5;00:03;0;;;", "Track02;00:00.5;00:03;0;;")
    with pytest.raises(DataFormatError, match=r"MTD.csv, line 2: expected 31 fields"):
        mtd.read_mtd_overview(root / "MTD.csv")
    (root / "data_ALIGNMENT" / f"{B}.csv").unlink()
    with pytest.raises(DataFormatError, match=f"missing data_ALIGNMENT file of theme {B}"):
        mtd.load_mtd(root)
    (root / "swd.csv").write_bytes(b"\xff\xfe")
    with pytest.raises(DataFormatError, match="line 1: not valid UTF-8"):
        swd.read_swd_notes(root / "swd.csv")


def test_writers_reject_bad_input(tmp_path):
    metadata = mtd.read_mtd_metadata(mtd.get_mtd_paths(GOLDEN_MTD, A)["meta"])
    with pytest.raises(ValueError, match="metadata must have exactly the 24 MTD keys"):
        mtd.write_mtd_metadata(tmp_path / "m.json", {k: v for k, v in metadata.items() if k != "Comment"})
    with pytest.raises(ValueError, match="metadata values must be strings"):
        mtd.write_mtd_metadata(tmp_path / "m.json", {**metadata, "MTDID": 9999})
    with pytest.raises(ValueError, match="notes must have shape"):
        mtd.write_mtd_aligned_notes(tmp_path / "n.csv", np.zeros((2, 2)))
    with pytest.raises(ValueError, match="notes must hold integer MIDI pitches"):
        mtd.write_mtd_score_notes(tmp_path / "n.csv", [[0.0, 0.5, 60.5]])
    with pytest.raises(ValueError, match="instruments must be 1 non-empty strings"):
        swd.write_swd_notes(tmp_path / "s.csv", [[0.0, 0.5, 60]], [])
    with pytest.raises(ValueError, match="0 <= start <= end"):
        swd.write_swd_notes(tmp_path / "s.csv", [[1.0, 0.5, 60]], ["piano"])


# ----------------------------------------------------------------------------- check command

def test_check_golden_folders(capsys):
    assert main(["check", str(GOLDEN_MTD)]) == 0
    out = capsys.readouterr().out
    assert "themes:         2" in out and "notes:          7" in out and "MTD.csv:        2 rows" in out
    assert "split files:    2 folds" in out and "0:00:05 (4.5 s), from the note ends" in out
    assert main(["check", str(GOLDEN_SWD)]) == 0
    out = capsys.readouterr().out
    assert "recordings:     4" in out and "notes:          13" in out and "train 1, val 1, test 2" in out


def test_check_uses_audio_duration_when_present(tmp_path, capsys):
    soundfile = pytest.importorskip("soundfile")
    root = shutil.copytree(GOLDEN_SWD, tmp_path / "swd")
    (root / swd.AUDIO_FOLDER).mkdir(parents=True)
    soundfile.write(str(root / swd.AUDIO_FOLDER / f"{HU33}.wav"), np.zeros(8000 * 10), 8000)
    assert swd.load_swd(root)[2].audio_path == root / swd.AUDIO_FOLDER / f"{HU33}.wav"
    assert main(["check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "audio files:    1" in out and "(18.5 s), from the audio for 1 items" in out   # 10 s + 8.5 s of notes


def test_check_rejects_other_folders(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 1
    assert "neither an MTD root" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "absent")]) == 1
    assert "is not a folder" in capsys.readouterr().err


def test_check_runs_as_module():
    done = subprocess.run([sys.executable, "-m", "ddtw_edu.data", "check", str(GOLDEN_SWD)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("SWD data set at")


@needs_realdata
def test_check_real_samples(capsys):
    assert main(["check", str(REALDATA / "MTD"), "--splits", str(REALDATA / "MTD_splits"),
                 "--overview", str(REALDATA / "MTD.csv")]) == 0
    out = capsys.readouterr().out
    assert "themes:         2" in out and "audio files:    0" in out and "2067 rows; 2 of the 2" in out
    assert "5 folds (1: 559, 2: 377" in out and "train 2, val 0, test 0" in out
    assert main(["check", str(REALDATA / "SWD")]) == 0
    assert "notes:          1487" in capsys.readouterr().out


# ----------------------------------------------------------------------------- download helper (no network)

def fake_urlopen(payload):
    def urlopen(url, timeout=None):
        return io.BytesIO(payload)
    return urlopen


def test_download_offline_message(tmp_path, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("Temporary failure in name resolution")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(ConnectionError, match="Are you offline?.*zenodo.org/record/5139893"):
        download.download_dataset("swd", tmp_path)
    assert list(tmp_path.iterdir()) == []   # no partial file left behind


def test_download_without_network(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="name must be one of"):
        download.download_dataset("maestro", tmp_path)
    with pytest.raises(ValueError, match="download it by hand from https://www.audiolabs-erlangen.de"):
        download.download_dataset("mtd", tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.write(GOLDEN_SWD / swd.NOTE_FOLDER / f"{HU33}.csv", f"SWD_v2/{swd.NOTE_FOLDER.as_posix()}/{HU33}.csv")
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(buffer.getvalue()))
    with pytest.raises(ValueError, match="checksum mismatch"):
        download.download_dataset("swd", tmp_path / "a", md5="0" * 32)
    root = download.download_dataset("swd", tmp_path / "b")
    assert root == tmp_path / "b" / "SWD_v2" and [i.stem for i in swd.load_swd(root)] == [HU33]
    assert download.download_dataset("swd", tmp_path / "b") == root   # reused, not fetched again
