"""Musical Theme Dataset (MTD): read and write its files exactly as the official release does.

MTD (Zalkow, Balke, Arifi-Müller, Müller, TISMIR 2020) holds 2067 short themes, each an audio
excerpt plus symbolic notes aligned to it. One theme is named by a stem such as
``MTD0116_Bach_BWV1046-01`` (``MTD<4 digits>_<ComposerID>_<WorkID>``; the work ID may contain
``-``) and has one file in each folder of the data set root::

    data_AUDIO/<stem>.wav           audio excerpt (optional here)
    data_META/<stem>.json           24 metadata keys, all values strings
    data_EDM-alig_CSV/<stem>.csv    notes aligned to the audio: Start;Duration;Pitch (seconds)
    data_EDM-corr_CSV/<stem>.csv    the same notes in score time, quoted header
    data_ALIGNMENT/<stem>.csv       anchors "MID";"WAV": score time -> audio time

Pitches in both note files are *not* transposed: the sounding pitch is
``Pitch + int(MidiTransposition)`` (see :attr:`MTDTheme.notes`). Beside the official folders,
the dDTW paper's code uses ``MTD.csv`` (an overview table, 31 columns) and five split files
``MTD_split5-<k>.csv`` (one ``.mid`` name per line, no header), read here too.

The writers reproduce the official bytes: JSON with 4-space indent, keys in the official
order, non-ASCII escaped, no final newline; the alig header unquoted and floats in Python
``repr`` (``2.4586900000000003``); the corr and ALIGNMENT headers quoted; alignment values
with 5 decimals; LF line ends and a final newline in every CSV.
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .formats import (DataFormatError, check_header, parse_float, parse_pitch, read_lines, split_row,
                      to_integer_pitches, write_text)

META_KEYS = ("MTDID", "BMID", "EDMID", "ComposerID", "ComposerBirth", "ComposerDeath", "WorkID",
             "PerformanceID", "CollectionID", "MusicBrainzID", "LabelID", "WCMID", "WorkTitle",
             "ThemeLabelBM", "ThemeInstruments", "WorkInstruments", "Ensemble", "Polyphony", "NameCD",
             "NameTrack", "StartTime", "EndTime", "MidiTransposition", "Comment")
OVERVIEW_COLUMNS = ("MTDID", "IMG_original", "IMG_cleaned", "MIDI_EDM", "WAV_MTD", "WAV_WCM", "BMID", "EDMID",
                    "ComposerID", "ComposerBirth", "ComposerDeath", "WorkID", "PerformanceID", "CollectionID",
                    "MusicBrainzID", "LabelID", "WCMID", "WorkTitle", "ThemeLabelBM", "ThemeInstruments",
                    "WorkInstruments", "Ensemble", "Polyphony", "NameCD", "NameTrack", "StartTime", "EndTime",
                    "MidiTransposition", "Comment1", "Comment2", "Comment3")
NOTE_COLUMNS = ("Start", "Duration", "Pitch")
ALIGNMENT_COLUMNS = ("MID", "WAV")
FOLDERS = {"audio": ("data_AUDIO", ".wav"), "meta": ("data_META", ".json"),
           "alig": ("data_EDM-alig_CSV", ".csv"), "corr": ("data_EDM-corr_CSV", ".csv"),
           "alignment": ("data_ALIGNMENT", ".csv")}
# The dDTW paper trains on folds 1-3, validates on 4 and tests on 5 (dDTW_CTC, trainScript.py).
MTD_SPLIT_PAPER = {"train": (1, 2, 3), "val": (4,), "test": (5,)}
SPLIT_FOLDER = "MTD_splits"

_STEM = re.compile(r"MTD(\d{4})_([^_]+)_(.+)")
_SPLIT_FILE = re.compile(r"MTD_split5-(\d+)\.csv")


@dataclass
class MTDTheme:
    """One MTD theme: metadata, score notes, aligned notes, alignment anchors, audio.

    Attributes
    ----------
    stem : str
        File stem shared by all files of the theme, e.g. ``MTD0116_Bach_BWV1046-01``.
    metadata : dict of str to str
        The 24 keys of ``data_META`` in the official order (:data:`META_KEYS`).
    score_notes : ndarray, shape (K, 3)
        ``data_EDM-corr_CSV``: [start, duration, pitch] in score time, pitch not transposed.
    aligned_notes : ndarray, shape (K, 3)
        ``data_EDM-alig_CSV``: [start, duration, pitch], seconds in the excerpt, not transposed.
    alignment : ndarray, shape (L, 2)
        ``data_ALIGNMENT``: [score time, audio time] anchors; L = K + 1 in the official files.
    audio_path : Path or None
        ``data_AUDIO/<stem>.wav`` if it exists.
    """
    stem: str
    metadata: dict
    score_notes: np.ndarray
    aligned_notes: np.ndarray
    alignment: np.ndarray
    audio_path: Path = None

    @property
    def transposition(self):
        """``int(MidiTransposition)``: semitones to add to the file pitches."""
        return int(self.metadata["MidiTransposition"])

    @property
    def notes(self):
        """Sounding notes in the audio: float64 array (K, 3) of [start_seconds, end_seconds, midi_pitch].

        The aligned notes with MidiTransposition added, sorted by start and then pitch (stable).
        Repeated notes of equal pitch stay separate rows; nothing is merged.
        """
        X = np.asarray(self.aligned_notes, dtype=np.float64).reshape(-1, 3)
        start, end, pitch = X[:, 0], X[:, 0] + X[:, 1], X[:, 2] + self.transposition
        order = np.lexsort((pitch, start))
        return np.stack([start, end, pitch], axis=1)[order]


# ----------------------------------------------------------------------------- data_META JSON

class _Pairs(list):
    """Key-value pairs of one JSON object, in file order (keeps duplicates visible)."""


def _key_line(text, key, last=False):
    """1-based line of ``"key":`` in a JSON text (the last one if ``last``), or 1."""
    hits = [n for n, line in enumerate(text.split("\n"), 1) if f'"{key}":' in line]
    return (hits[-1] if last else hits[0]) if hits else 1


def read_mtd_metadata(path):
    """Read a ``data_META/<stem>.json`` file.

    Returns
    -------
    metadata : dict of str to str
        The 24 keys of :data:`META_KEYS`, in that order.
    """
    lines = read_lines(path)  # checks UTF-8
    text = "\n".join(lines)
    try:
        obj = json.loads(text, object_pairs_hook=_Pairs)
    except json.JSONDecodeError as exc:
        raise DataFormatError(path, exc.lineno, f"bad JSON: {exc.msg}") from None
    if not isinstance(obj, _Pairs):
        raise DataFormatError(path, 1, "expected one JSON object {...}")
    metadata = {}
    for key, value in obj:
        if key not in META_KEYS:
            raise DataFormatError(path, _key_line(text, key), f"unknown key {key!r}")
        if key in metadata:
            raise DataFormatError(path, _key_line(text, key, last=True), f"duplicate key {key!r}")
        if not isinstance(value, str):
            raise DataFormatError(path, _key_line(text, key), f"value of {key!r} must be a string, got {value!r}")
        metadata[key] = value
    missing = [key for key in META_KEYS if key not in metadata]
    if missing:
        raise DataFormatError(path, 1, f"missing key(s) {', '.join(map(repr, missing))}")
    if not re.fullmatch(r"-?\d+", metadata["MidiTransposition"]):
        raise DataFormatError(path, _key_line(text, "MidiTransposition"),
                              f"MidiTransposition must be an integer string, got {metadata['MidiTransposition']!r}")
    return {key: metadata[key] for key in META_KEYS}


def write_mtd_metadata(path, metadata):
    """Write ``metadata`` as the official ``data_META`` JSON (4-space indent, no final newline)."""
    if set(metadata) != set(META_KEYS):
        missing = sorted(set(META_KEYS) - set(metadata))
        extra = sorted(set(metadata) - set(META_KEYS))
        raise ValueError(f"metadata must have exactly the 24 MTD keys; missing {missing}, unknown {extra}")
    bad = [key for key in META_KEYS if not isinstance(metadata[key], str)]
    if bad:
        raise ValueError(f"metadata values must be strings, not for {bad}")
    if not re.fullmatch(r"-?\d+", metadata["MidiTransposition"]):
        raise ValueError("metadata['MidiTransposition'] must be an integer string, "
                         f"got {metadata['MidiTransposition']!r}")
    return write_text(path, json.dumps({key: metadata[key] for key in META_KEYS}, indent=4))


# ----------------------------------------------------------------------------- note and alignment CSVs

def read_mtd_notes(path):
    """Read a ``data_EDM-alig_CSV`` or ``data_EDM-corr_CSV`` file (header quoted or not).

    Returns
    -------
    notes : ndarray, shape (K, 3)
        Rows [start, duration, pitch] in file order; pitch as in the file (not transposed).
    """
    lines = read_lines(path)
    check_header(path, lines, NOTE_COLUMNS)
    rows = []
    for line_no, line in enumerate(lines[1:], 2):
        fields = split_row(path, line_no, line, 3)
        start, duration = (parse_float(path, line_no, column, text)
                           for column, text in zip(NOTE_COLUMNS[:2], fields))
        pitch = parse_pitch(path, line_no, "Pitch", fields[2])
        if start < 0:
            raise DataFormatError(path, line_no, f"negative Start {fields[0]}")
        if duration < 0:
            raise DataFormatError(path, line_no, f"negative Duration {fields[1]}: the note ends before it starts")
        rows.append((start, duration, pitch))
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


def _note_lines(notes, name, quoted):
    X = np.asarray(notes, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 3:
        raise ValueError(f"{name} must have shape (K, 3) [start, duration, pitch], got {X.shape}")
    if not np.isfinite(X).all() or (X[:, :2] < 0).any():
        raise ValueError(f"{name} must hold finite, non-negative starts and durations")
    pitches = to_integer_pitches(X, 2, name)
    header = ";".join(f'"{column}"' if quoted else column for column in NOTE_COLUMNS)
    rows = [f"{start!r};{duration!r};{pitch}" for (start, duration, _), pitch in zip(X.tolist(), pitches)]
    return "\n".join([header] + rows) + "\n"


def write_mtd_aligned_notes(path, notes):
    """Write ``data_EDM-alig_CSV``: unquoted header ``Start;Duration;Pitch``, floats in ``repr``."""
    return write_text(path, _note_lines(notes, "notes", quoted=False))


def write_mtd_score_notes(path, notes):
    """Write ``data_EDM-corr_CSV``: quoted header ``"Start";"Duration";"Pitch"``, floats in ``repr``."""
    return write_text(path, _note_lines(notes, "notes", quoted=True))


def read_mtd_alignment(path):
    """Read a ``data_ALIGNMENT`` file: (L, 2) rows [score time, audio time], both non-decreasing."""
    lines = read_lines(path)
    check_header(path, lines, ALIGNMENT_COLUMNS)
    rows = []
    for line_no, line in enumerate(lines[1:], 2):
        row = tuple(parse_float(path, line_no, column, text)
                    for column, text in zip(ALIGNMENT_COLUMNS, split_row(path, line_no, line, 2)))
        if rows and (row[0] < rows[-1][0] or row[1] < rows[-1][1]):
            raise DataFormatError(path, line_no, "alignment anchors must not decrease (MID and WAV)")
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(-1, 2)


def write_mtd_alignment(path, alignment):
    """Write ``data_ALIGNMENT``: quoted header ``"MID";"WAV"``, values with 5 decimals."""
    A = np.asarray(alignment, dtype=np.float64)
    if A.ndim != 2 or A.shape[1] != 2 or not np.isfinite(A).all():
        raise ValueError(f"alignment must be a finite array of shape (L, 2), got shape {A.shape}")
    rows = [f"{mid:.5f};{wav:.5f}" for mid, wav in A.tolist()]
    return write_text(path, "\n".join(['"MID";"WAV"'] + rows) + "\n")


# ----------------------------------------------------------------------------- MTD.csv overview

def read_mtd_overview(path):
    """Read ``MTD.csv``: one dict per theme, all 31 values as strings, columns and rows in file order."""
    lines = read_lines(path)
    check_header(path, lines, OVERVIEW_COLUMNS)
    return [dict(zip(OVERVIEW_COLUMNS, split_row(path, line_no, line, len(OVERVIEW_COLUMNS))))
            for line_no, line in enumerate(lines[1:], 2)]


def write_mtd_overview(path, rows):
    """Write ``MTD.csv``: unquoted ``;``-separated header and rows, UTF-8, LF, final newline."""
    lines = [";".join(OVERVIEW_COLUMNS)]
    for i, row in enumerate(rows):
        if list(row) != list(OVERVIEW_COLUMNS):
            raise ValueError(f"rows[{i}] must have exactly the 31 MTD.csv columns in order")
        values = list(row.values())
        if any(not isinstance(v, str) or ";" in v or "\n" in v or "\r" in v for v in values):
            raise ValueError(f"rows[{i}] values must be strings without ';' or line breaks")
        lines.append(";".join(values))
    return write_text(path, "\n".join(lines) + "\n")


# ----------------------------------------------------------------------------- split files

def read_mtd_split_file(path):
    """Theme stems of one ``MTD_split5-<k>.csv`` (one ``<stem>.mid`` per line).

    There is no header: line 1 is a theme. (The authors read these files with
    ``pandas.read_csv``, which took line 1 as a header and so dropped one theme per fold;
    we keep it.)
    """
    stems = []
    for line_no, line in enumerate(read_lines(path), 1):
        if not line.endswith(".mid") or ";" in line or "," in line or len(line) == 4:
            raise DataFormatError(path, line_no, f"expected one MIDI file name '<stem>.mid' per line, got {line!r}")
        stems.append(line[:-4])
    return stems


def write_mtd_split_file(path, stems):
    """Write one split file: ``<stem>.mid`` per line, no header, LF, final newline."""
    stems = list(stems)
    if any(not isinstance(s, str) or not s or "\n" in s for s in stems):
        raise ValueError("stems must be non-empty strings without line breaks")
    return write_text(path, "".join(f"{stem}.mid\n" for stem in stems))


def find_mtd_split_folder(root):
    """The folder holding ``MTD_split5-<k>.csv``: ``root`` itself or ``root/MTD_splits``; None if neither."""
    for folder in (Path(root), Path(root) / SPLIT_FOLDER):
        if any(_SPLIT_FILE.fullmatch(p.name) for p in folder.glob("MTD_split5-*.csv")):
            return folder
    return None


def read_mtd_splits(root=None, folder=None, header=False):
    """Read all split files: ``{k: [stems]}`` for the files ``MTD_split5-<k>.csv``, sorted by k.

    Parameters
    ----------
    root : str or Path, optional
        MTD root; the split files are looked up in ``root`` and then ``root/MTD_splits``.
    folder : str or Path, optional
        The folder holding the split files (overrides ``root``).
    header : bool
        Read line 1 of every file as a header and drop its theme, as the
        authors' code does (``protocol="authors"``, :mod:`ddtw_edu.protocols`).
    """
    if folder is None:
        if root is None:
            raise ValueError("read_mtd_splits needs root or folder")
        folder = find_mtd_split_folder(root)
        if folder is None:
            raise FileNotFoundError(f"no MTD_split5-<k>.csv files in {root} or {Path(root) / SPLIT_FOLDER}; "
                                    "pass folder= to point at them")
    files = {int(m.group(1)): p for p in Path(folder).glob("MTD_split5-*.csv")
             if (m := _SPLIT_FILE.fullmatch(p.name))}
    if not files:
        raise FileNotFoundError(f"no MTD_split5-<k>.csv files in {folder}")
    folds, seen = {}, {}
    for k in sorted(files):
        folds[k] = read_mtd_split_file(files[k])[1 if header else 0:]
        for line_no, stem in enumerate(folds[k], 2 if header else 1):
            if stem in seen:
                raise DataFormatError(files[k], line_no, f"theme {stem} is already in fold {seen[stem]}")
            seen[stem] = k
    return folds


def split_themes(themes, folds, parts=MTD_SPLIT_PAPER):
    """Group themes (or stems) into named parts, e.g. train/val/test, by their fold.

    Parameters
    ----------
    themes : iterable of MTDTheme or str
    folds : dict of int to list of str
        From :func:`read_mtd_splits`.
    parts : dict of str to tuple of int
        Which folds form which part; default :data:`MTD_SPLIT_PAPER` (train 1-3, val 4, test 5).

    Returns
    -------
    dict of str to list
        Same keys as ``parts``; themes in no listed fold are left out.
    """
    part_of_fold = {}
    for part, ks in parts.items():
        for k in ks:
            if k not in folds:
                raise ValueError(f"parts[{part!r}] names fold {k}, but folds has only {sorted(folds)}")
            if k in part_of_fold:
                raise ValueError(f"parts puts fold {k} in both {part_of_fold[k]!r} and {part!r}")
            part_of_fold[k] = part
    fold_of = {stem: k for k, stems in folds.items() for stem in stems}
    result = {part: [] for part in parts}
    for theme in themes:
        k = fold_of.get(getattr(theme, "stem", theme))
        if k in part_of_fold:
            result[part_of_fold[k]].append(theme)
    return result


# ----------------------------------------------------------------------------- whole themes and data sets

def parse_mtd_time(text):
    """``"00:00.5"`` or ``"1:23.0"`` (minutes:seconds, as in StartTime/EndTime) -> seconds."""
    m = re.fullmatch(r"(\d+):(\d{2}(?:\.\d+)?)", text)
    if m is None:
        raise ValueError(f"text must look like 'mm:ss' or 'mm:ss.f', got {text!r}")
    return 60 * int(m.group(1)) + float(m.group(2))


def get_mtd_paths(root, stem):
    """The five file paths of theme ``stem`` under an MTD root, by kind (audio, meta, alig, corr, alignment)."""
    return {kind: Path(root) / folder / f"{stem}{ext}" for kind, (folder, ext) in FOLDERS.items()}


def load_mtd_theme(root, stem):
    """Load one theme; every file except the audio must exist and the two note files must agree."""
    paths = get_mtd_paths(root, stem)
    for kind in ("meta", "alig", "corr", "alignment"):
        if not paths[kind].is_file():
            raise DataFormatError(paths[kind], None, f"missing {FOLDERS[kind][0]} file of theme {stem}")
    m = _STEM.fullmatch(stem)
    if m is None:
        raise DataFormatError(paths["meta"], None, "file name must look like MTD<4 digits>_<ComposerID>_<WorkID>")
    metadata = read_mtd_metadata(paths["meta"])
    if metadata["MTDID"] != m.group(1):
        raise DataFormatError(paths["meta"], _key_line("\n".join(read_lines(paths["meta"])), "MTDID"),
                              f"MTDID {metadata['MTDID']!r} does not match the file name {stem}")
    score, aligned = read_mtd_notes(paths["corr"]), read_mtd_notes(paths["alig"])
    corr = FOLDERS["corr"][0]
    if len(aligned) != len(score):
        longer = paths["alig"] if len(aligned) > len(score) else paths["corr"]
        raise DataFormatError(longer, min(len(aligned), len(score)) + 2,
                              f"note without a counterpart: {len(aligned)} aligned notes, {len(score)} in {corr}")
    differ = np.flatnonzero(aligned[:, 2] != score[:, 2])
    if differ.size:
        raise DataFormatError(paths["alig"], int(differ[0]) + 2, f"pitch differs from the score notes in {corr}")
    return MTDTheme(stem=stem, metadata=metadata, score_notes=score, aligned_notes=aligned,
                    alignment=read_mtd_alignment(paths["alignment"]),
                    audio_path=paths["audio"] if paths["audio"].is_file() else None)


def list_mtd_stems(root):
    """Sorted stems that have any of the four annotation files under an MTD root."""
    stems = set()
    for kind in ("meta", "alig", "corr", "alignment"):
        folder, ext = FOLDERS[kind]
        stems.update(p.name[:-len(ext)] for p in (Path(root) / folder).glob(f"*{ext}"))
    return sorted(stems)


def load_mtd(root):
    """Load every theme under an MTD root, sorted by stem.

    Parameters
    ----------
    root : str or Path
        Folder holding ``data_META``, ``data_EDM-alig_CSV``, ``data_EDM-corr_CSV``,
        ``data_ALIGNMENT`` and optionally ``data_AUDIO``.

    Returns
    -------
    themes : list of MTDTheme
    """
    root = Path(root)
    if not (root / FOLDERS["meta"][0]).is_dir():
        raise FileNotFoundError(f"{root} is not an MTD root: it has no {FOLDERS['meta'][0]} folder")
    return [load_mtd_theme(root, stem) for stem in list_mtd_stems(root)]


def write_mtd_theme(root, theme):
    """Write the four annotation files of ``theme`` under ``root`` (audio is not touched)."""
    paths = get_mtd_paths(root, theme.stem)
    write_mtd_metadata(paths["meta"], theme.metadata)
    write_mtd_aligned_notes(paths["alig"], theme.aligned_notes)
    write_mtd_score_notes(paths["corr"], theme.score_notes)
    write_mtd_alignment(paths["alignment"], theme.alignment)
    return paths
