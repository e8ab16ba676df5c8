"""Validate an MTD or SWD folder and summarise it (``python -m ddtw_edu.data check PATH``).

Loading runs every format check of :mod:`ddtw_edu.data.mtd` and :mod:`ddtw_edu.data.swd`, so a
folder that loads is well formed; the first problem found is reported with its file and line.
"""
import sys
from pathlib import Path

from . import mtd, swd
from .formats import DataFormatError


def detect_layout(path):
    """``"mtd"`` or ``"swd"``, from the folders found under ``path``."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"path {path} is not a folder")
    if (path / mtd.FOLDERS["meta"][0]).is_dir():
        return "mtd"
    if (path / swd.NOTE_FOLDER).is_dir():
        return "swd"
    raise ValueError(f"path {path} is neither an MTD root (with {mtd.FOLDERS['meta'][0]}/) "
                     f"nor an SWD root (with {swd.NOTE_FOLDER.as_posix()}/)")


def audio_duration(path):
    """Length of an audio file in seconds (read with soundfile)."""
    import soundfile

    try:
        return soundfile.info(str(path)).duration
    except RuntimeError as exc:
        raise DataFormatError(path, None, f"cannot read audio: {exc}") from None


def format_duration(seconds):
    """``83.4`` -> ``"0:01:23 (83.4 s)"``."""
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d} ({seconds:.1f} s)"


def _duration_lines(items, note_end):
    """Total duration from the audio where present, else from the last note end."""
    with_audio = [item for item in items if item.audio_path is not None]
    total = sum(audio_duration(item.audio_path) if item.audio_path is not None else note_end(item)
                for item in items)
    source = ("from the audio" if len(with_audio) == len(items) else
              "from the note ends (no audio)" if not with_audio else
              f"from the audio for {len(with_audio)} items, the note ends otherwise")
    return [f"  audio files:    {len(with_audio)}",
            f"  total duration: {format_duration(total)}, {source}"]


def summarize_mtd(root, splits=None, overview=None):
    """Summary lines of an MTD root; ``splits``/``overview`` default to what lies in the root."""
    root = Path(root)
    themes = mtd.load_mtd(root)
    notes = sum(len(t.aligned_notes) for t in themes)
    lines = [f"MTD data set at {root}",
             f"  themes:         {len(themes)}",
             f"  notes:          {notes} (aligned notes; "
             f"{sum(t.transposition != 0 for t in themes)} themes with MidiTransposition != 0)"]
    lines += _duration_lines(themes, lambda t: float((t.aligned_notes[:, 0] + t.aligned_notes[:, 1]).max(initial=0)))
    if overview is None and (root / "MTD.csv").is_file():
        overview = root / "MTD.csv"
    if overview is not None:
        rows = mtd.read_mtd_overview(overview)
        listed = {row["MIDI_EDM"][:-len(".mid")] for row in rows}
        lines.append(f"  MTD.csv:        {len(rows)} rows; {sum(t.stem in listed for t in themes)} "
                     f"of the {len(themes)} themes listed")
    if splits is not None or mtd.find_mtd_split_folder(root) is not None:
        folds = mtd.read_mtd_splits(root=root, folder=splits)
        sizes = ", ".join(f"{k}: {len(stems)}" for k, stems in folds.items())
        lines.append(f"  split files:    {len(folds)} folds ({sizes} themes)")
        if all(k in folds for ks in mtd.MTD_SPLIT_PAPER.values() for k in ks):
            parts = mtd.split_themes(themes, folds)
            lines.append("  paper split:    " + ", ".join(f"{p} {len(v)}" for p, v in parts.items())
                         + " themes of this folder")
    return lines


def summarize_swd(root):
    """Summary lines of an SWD root."""
    items = swd.load_swd(root)
    instruments = sorted({i for item in items for i in item.instruments})
    lines = [f"SWD data set at {root}",
             f"  recordings:     {len(items)} ({len({i.song for i in items})} songs, "
             f"performances {' '.join(sorted({i.performance for i in items}))})",
             f"  notes:          {sum(len(i.notes) for i in items)} ({', '.join(instruments)})"]
    lines += _duration_lines(items, lambda i: float(i.notes[:, 1].max(initial=0)))
    parts = swd.split_items(items)
    lines.append("  paper split:    " + ", ".join(f"{p} {len(v)}" for p, v in parts.items()) + " recordings")
    return lines


def run_check(path, splits=None, overview=None, out=None, err=None):
    """Check the data folder ``path`` and print its summary.

    Returns
    -------
    int
        0 if everything loads, 1 (with the error message on ``err``) otherwise.
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        layout = detect_layout(path)
        if layout == "swd" and (splits is not None or overview is not None):
            raise ValueError("--splits and --overview apply to MTD folders only")
        lines = summarize_mtd(path, splits, overview) if layout == "mtd" else summarize_swd(path)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=err)
        return 1
    print("\n".join(lines), file=out)
    return 0
