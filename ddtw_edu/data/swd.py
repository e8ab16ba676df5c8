"""Schubert Winterreise Dataset (SWD): note annotations in the official format, and splits.

SWD (Weiß et al., ACM JOCCH 2021) has the 24 songs of Schubert's *Winterreise* (D 911) in nine
performances. One recording is named by a stem ``Schubert_D911-<NN>_<PERF>``, song NN in 01..24
and a performance ID such as ``HU33``; under the data set root::

    01_RawData/audio_wav/<stem>.wav                audio (optional here)
    02_Annotations/ann_audio_note/<stem>.csv       note annotations in audio time

A note file is ``;``-separated with CRLF line ends and the header
``start;end;pitch;pitchclass;instrument``. Times are seconds with 4 decimals (the second
column is the *end* time, not a duration), pitchclass = pitch mod 12 and the instrument is
quoted (``"piano"``, ``"voice"``).
"""
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .formats import (DataFormatError, check_header, parse_float, parse_pitch, read_lines, split_row,
                      to_integer_pitches, unquote, write_text)

NOTE_COLUMNS = ("start", "end", "pitch", "pitchclass", "instrument")
NOTE_FOLDER = Path("02_Annotations") / "ann_audio_note"
AUDIO_FOLDER = Path("01_RawData") / "audio_wav"
SWD_SONGS = tuple(range(1, 25))
SWD_PERFORMANCES = ("AL98", "FI55", "FI66", "FI80", "HU33", "OL06", "QU98", "SC06", "TR99")

# The dDTW paper's split (as in Weiß & Peeters, ISMIR 2021): disjoint by performance, all songs.
SWD_SPLIT_PAPER = {"train": ["AL98", "FI55", "FI80", "OL06", "QU98"], "val": ["FI66", "TR99"],
                   "test": ["HU33", "SC06"]}

# Performances whose audio can be obtained openly. Based on the SWD README's licence section:
# SC06 (Scarlata/Denk) is published by the Isabella Stewart Gardner Museum under CC BY 3.0, and
# the README calls all other sources of the data set public domain, which for audio fits HU33
# (Hüsch, 1933). The other seven are commercial CD recordings. We believe the v2.0 archive
# ships audio for these two only, but did not check its file list here.
SWD_PUBLIC_PERFORMANCES = ("HU33", "SC06")


def _stems(performances, songs):
    return [f"Schubert_D911-{song:02d}_{perf}" for song in songs for perf in performances]


# With only two performances, a split by performance cannot have three parts, so this one is
# disjoint by song instead (songs 1-13 / 14-16 / 17-24, the song split of Weiß et al.'s
# cross-version studies), over the public performances only.
SWD_SPLIT_PUBLIC = {"train": _stems(SWD_PUBLIC_PERFORMANCES, range(1, 14)),
                    "val": _stems(SWD_PUBLIC_PERFORMANCES, range(14, 17)),
                    "test": _stems(SWD_PUBLIC_PERFORMANCES, range(17, 25))}

_STEM = re.compile(r"Schubert_D911-(\d{2})_([A-Z]{2}\d{2})")


@dataclass
class SWDItem:
    """One SWD recording: a song in one performance, with its note annotations.

    Attributes
    ----------
    song : int
        Song number 1..24 (the NN of ``D911-NN``).
    performance : str
        Performance ID, e.g. ``"HU33"``.
    stem : str
        ``Schubert_D911-<NN>_<PERF>``.
    notes : ndarray, shape (K, 3)
        Rows [start_seconds, end_seconds, midi_pitch] in file order (sorted by start).
    instruments : tuple of str, length K
        Instrument of each note (``"piano"`` or ``"voice"`` in SWD), unquoted.
    audio_path : Path or None
        ``01_RawData/audio_wav/<stem>.wav`` if it exists.
    """
    song: int
    performance: str
    stem: str
    notes: np.ndarray
    instruments: tuple
    audio_path: Path = None


def parse_swd_stem(stem):
    """``"Schubert_D911-05_HU33"`` -> ``(5, "HU33")``; ValueError naming ``stem`` otherwise."""
    m = _STEM.fullmatch(stem)
    if m is None or not 1 <= int(m.group(1)) <= 24:
        raise ValueError(f"stem must look like 'Schubert_D911-<01..24>_<PERF>', got {stem!r}")
    return int(m.group(1)), m.group(2)


def read_swd_notes(path):
    """Read an ``ann_audio_note`` CSV.

    Returns
    -------
    notes : ndarray, shape (K, 3)
        [start, end, pitch] per row, file order.
    instruments : tuple of str, length K
    """
    lines = read_lines(path)
    check_header(path, lines, NOTE_COLUMNS)
    rows, instruments = [], []
    for line_no, line in enumerate(lines[1:], 2):
        fields = split_row(path, line_no, line, 5)
        start, end = (parse_float(path, line_no, column, text) for column, text in zip(NOTE_COLUMNS[:2], fields))
        pitch = parse_pitch(path, line_no, "pitch", fields[2])
        try:
            pitchclass = int(fields[3])
        except ValueError:
            raise DataFormatError(path, line_no, f"non-numeric value {fields[3]!r} in column 'pitchclass'") from None
        if start < 0:
            raise DataFormatError(path, line_no, f"negative start {fields[0]}")
        if end < start:
            raise DataFormatError(path, line_no, f"end {fields[1]} is before start {fields[0]}")
        if pitchclass != pitch % 12:
            raise DataFormatError(path, line_no, f"pitchclass {pitchclass} does not match pitch {pitch} "
                                                 f"(pitch mod 12 = {pitch % 12})")
        instrument = unquote(fields[4])
        if not instrument or '"' in instrument:
            raise DataFormatError(path, line_no, f"bad instrument {fields[4]!r}, expected e.g. \"piano\"")
        rows.append((start, end, pitch))
        instruments.append(instrument)
    return np.array(rows, dtype=np.float64).reshape(-1, 3), tuple(instruments)


def write_swd_notes(path, notes, instruments):
    """Write an ``ann_audio_note`` CSV exactly as SWD does (CRLF, 4-decimal times, quoted instrument).

    Parameters
    ----------
    notes : array_like, shape (K, 3)
        [start, end, pitch] rows, written in the given order.
    instruments : sequence of str, length K
    """
    X = np.asarray(notes, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 3:
        raise ValueError(f"notes must have shape (K, 3) [start, end, pitch], got {X.shape}")
    if not np.isfinite(X).all() or (X[:, 0] < 0).any() or (X[:, 1] < X[:, 0]).any():
        raise ValueError("notes must be finite with 0 <= start <= end")
    pitches = to_integer_pitches(X, 2, "notes")
    instruments = list(instruments)
    if len(instruments) != len(X) or any(not isinstance(i, str) or not i or '"' in i or ";" in i
                                         for i in instruments):
        raise ValueError(f"instruments must be {len(X)} non-empty strings without quotes or ';'")
    rows = [f'{start:.4f};{end:.4f};{pitch};{pitch % 12};"{instrument}"'
            for (start, end, _), pitch, instrument in zip(X.tolist(), pitches, instruments)]
    return write_text(path, "\n".join([";".join(NOTE_COLUMNS)] + rows) + "\n", newline="\r\n")


def load_swd_item(root, stem):
    """Load one recording's notes (and find its audio) under an SWD root."""
    path = Path(root) / NOTE_FOLDER / f"{stem}.csv"
    try:
        song, performance = parse_swd_stem(stem)
    except ValueError:
        raise DataFormatError(path, None, "file name must look like Schubert_D911-<NN>_<PERF>.csv") from None
    notes, instruments = read_swd_notes(path)
    audio = Path(root) / AUDIO_FOLDER / f"{stem}.wav"
    return SWDItem(song=song, performance=performance, stem=stem, notes=notes, instruments=instruments,
                   audio_path=audio if audio.is_file() else None)


def load_swd(root):
    """Load every note annotation under an SWD root, sorted by stem.

    Parameters
    ----------
    root : str or Path
        Folder holding ``02_Annotations/ann_audio_note`` (and optionally ``01_RawData/audio_wav``).

    Returns
    -------
    items : list of SWDItem
    """
    folder = Path(root) / NOTE_FOLDER
    if not folder.is_dir():
        raise FileNotFoundError(f"{root} is not an SWD root: it has no {NOTE_FOLDER} folder")
    return [load_swd_item(root, p.stem) for p in sorted(folder.glob("*.csv"))]


def write_swd_item(root, item):
    """Write the note file of ``item`` under an SWD root (audio is not touched)."""
    return write_swd_notes(Path(root) / NOTE_FOLDER / f"{item.stem}.csv", item.notes, item.instruments)


def split_items(items, split=SWD_SPLIT_PAPER):
    """Group SWD items into named parts.

    Parameters
    ----------
    items : iterable of SWDItem
    split : dict of str to list of str
        Each entry names a performance ID (``"HU33"``: all its songs) or one stem
        (``"Schubert_D911-05_HU33"``). Default :data:`SWD_SPLIT_PAPER`; see also
        :data:`SWD_SPLIT_PUBLIC`.

    Returns
    -------
    dict of str to list of SWDItem
        Same keys as ``split``; items named by no part are left out.
    """
    part_of = {}
    for part, keys in split.items():
        for key in keys:
            if key in part_of:
                raise ValueError(f"split puts {key!r} in both {part_of[key]!r} and {part!r}")
            part_of[key] = part
    result = {part: [] for part in split}
    for item in items:
        parts = {part_of[key] for key in (item.stem, item.performance) if key in part_of}
        if len(parts) > 1:
            raise ValueError(f"split puts {item.stem} in several parts: {sorted(parts)}")
        if parts:
            result[parts.pop()].append(item)
    return result
