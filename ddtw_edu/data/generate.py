"""The default data sets: MTD- and SWD-like folders generated from music21's bundled scores.

Nothing is downloaded and no data set file is shipped. The scores come with
music21 (Bach chorales; Schubert's "Der Lindenbaum", Winterreise No. 5), the
audio is additive synthesis (:mod:`.synthesis`) under random smooth tempo
curves, and the annotations are written in exactly the official layouts
(:mod:`.mtd`, :mod:`.swd`), so that the same loaders serve the default and
the real data. The strong alignment is exact: it is the tempo curve.

MTD-like: one theme per chorale, the soprano melody of its first one or two
phrases; the excerpt audio is the four-voice texture with the melody brighter
and louder; the whole chorale, rendered plainly, goes to ``full_AUDIO/`` (an
addition to the MTD layout: the retrieval database); 5 split files group the
chorales by melody (:func:`.scores.group_chorales_by_melody`), so no tune is in
two folds. Some themes get ``MidiTransposition`` -12 or -1 (their files then
hold the pitches 12 or 1 semitones higher than sounding, as in MTD).

SWD-like: "Der Lindenbaum" (song 5) in the nine performances of the paper's
split, each with its own tempo, key, tuning and timbre; ``full`` adds 23
chorales as further songs (soprano as "voice", lower voices as "piano").

Everything is deterministic in (size, seed).
"""
import json
from pathlib import Path

import numpy as np
import soundfile

from .features import SR
from .mtd import FOLDERS, META_KEYS, OVERVIEW_COLUMNS, SPLIT_FOLDER, MTDTheme, write_mtd_overview, \
    write_mtd_split_file, write_mtd_theme
from .scores import chorale_phrases, chorale_title, chorale_voices, group_chorales_by_melody, list_chorales, \
    lindenbaum_parts
from .swd import AUDIO_FOLDER, NOTE_FOLDER, SWD_PERFORMANCES
from .synthesis import BRIGHT, Timbre, apply_tempo, synthesize, tempo_curve
from .workers import map_jobs

DATASETS = ("mtd", "swd")
SIZES = ("tiny", "small", "full")
MTD_CHORALES = {"tiny": 10, "small": 60, "full": None}        # None: all of list_chorales()
SWD_BEATS = {"tiny": 24, "small": None, "full": None}         # None: the whole song
FULL_FOLDER = "full_AUDIO"
SCORE_SECONDS_PER_BEAT = 0.5      # corr files count score time at 120 quarter notes per minute
CORR_GAP = 1 / 480                # official corr durations end 1/480 before the next onset
PIANO = Timbre(n_harmonics=8, rolloff=1.3, decay=2.5, damping=0.8, release=0.1)
VOICE = Timbre(n_harmonics=10, rolloff=0.9, decay=0.2, damping=0.1, attack=0.04, release=0.08)
_COMPLETE = ".ddtw_edu_complete.json"


def default_data_root():
    """Where generated data sets live: ``$DDTW_EDU_DATA`` or ``~/.cache/ddtw_edu/data``."""
    import os
    return Path(os.environ.get("DDTW_EDU_DATA", Path.home() / ".cache" / "ddtw_edu" / "data"))


def default_dataset(dataset, size="small", seed=0, root=None, progress=True):
    """The folder of a generated data set, generating it on first use.

    Parameters
    ----------
    dataset : {"mtd", "swd"}
    size : {"tiny", "small", "full"}
    seed : int
    root : str or Path, optional
        Parent folder (default :func:`default_data_root`).

    Returns
    -------
    Path
        ``root / f"{dataset}-{size}-seed{seed}"``, complete.
    """
    _check_choice(dataset, DATASETS, "dataset")
    _check_choice(size, SIZES, "size")
    out = Path(root or default_data_root()) / f"{dataset}-{size}-seed{seed}"
    if not (out / _COMPLETE).exists():
        make_dataset(dataset, size, out, seed, progress)
    return out


def make_dataset(dataset, size, out, seed=0, progress=True, workers=None):
    """Write a generated data set into ``out`` (official layout) and mark it complete.

    ``workers`` processes generate the items (default: one per core, see
    :func:`.workers.default_workers`); the result does not depend on it.
    """
    _check_choice(dataset, DATASETS, "dataset")
    _check_choice(size, SIZES, "size")
    out = Path(out)
    (make_mtd if dataset == "mtd" else make_swd)(out, size, seed, progress, workers)
    (out / _COMPLETE).write_text(json.dumps({"dataset": dataset, "size": size, "seed": seed}))
    return out


def _check_choice(value, choices, name):
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def _write_audio(path, audio):
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, audio, SR, subtype="PCM_16")


# ----------------------------------------------------------------------------- MTD-like

def format_mtd_time(seconds):
    """Seconds as MTD's ``mm:ss`` with decimals only where needed (``"00:00.5"``, ``"01:07"``)."""
    minutes, rest = divmod(round(float(seconds), 2), 60)
    whole = f"{int(rest):02d}"
    fraction = f"{rest - int(rest):.2f}"[1:].rstrip("0").rstrip(".")
    return f"{int(minutes):02d}:{whole}{fraction}"


def _work_id(path):
    """``bach/bwv18.5-lz.mxl`` -> ``BWV18.5-lz`` (no underscores, so the stem stays parseable)."""
    return "BWV" + Path(path).stem[3:].replace("_", "-")


def _theme_notes(soprano, b0, b1):
    """Soprano notes (beats) that start inside the phrase span [b0, b1)."""
    return soprano[(soprano[:, 0] >= b0 - 1e-9) & (soprano[:, 0] < b1 - 1e-9)]


def mtd_theme(path, index, rng):
    """Generate one MTD-like theme from a chorale.

    Returns
    -------
    theme : MTDTheme
        Annotations (audio_path unset).
    excerpt, full : ndarray
        Audio of the excerpt (melody bright and louder) and of the whole chorale.
    sounding : ndarray, shape (K, 3)
        The theme's notes as they sound in the excerpt [start, end, pitch] (the truth
        that the loaders must give back as ``theme.notes``).
    """
    voices = chorale_voices(path)
    phrases = chorale_phrases(path)
    b0, b1 = phrases[0][0], phrases[min(int(rng.integers(1, 3)), len(phrases)) - 1][1]
    theme_beats = _theme_notes(voices["soprano"], b0, b1)
    n_beats = max(v[:, 1].max() for v in voices.values())
    curve = tempo_curve(n_beats, rng, bpm_range=(60.0, 100.0))
    seconds = {name: apply_tempo(notes, curve) for name, notes in voices.items()}
    theme = apply_tempo(theme_beats, curve)
    start = round(max(0.0, theme[0, 0] - rng.uniform(0.2, 1.0)), 2)
    end = round(theme[-1, 1] + rng.uniform(0.2, 1.0), 2)

    parts = []
    for notes in seconds.values():                # every voice, cut to the excerpt window
        inside = notes[(notes[:, 1] > start) & (notes[:, 0] < end)].copy()
        inside[:, :2] = np.clip(inside[:, :2], start, end) - start
        parts.append(inside[inside[:, 1] > inside[:, 0]])
    excerpt = synthesize(parts, rng=rng, timbre=[BRIGHT, Timbre(), Timbre(), Timbre()], gains=[1.8, 1, 1, 1],
                         duration=end - start)
    full = synthesize(list(seconds.values()), rng=rng)

    transposition = int(rng.choice([0, 0, 0, -12, -1]))
    sounding = theme - [start, start, 0]
    aligned = np.stack([sounding[:, 0], sounding[:, 1] - sounding[:, 0], sounding[:, 2] - transposition], axis=1)
    score_start = (theme_beats[:, 0] - b0) * SCORE_SECONDS_PER_BEAT
    score_end = (theme_beats[:, 1] - b0) * SCORE_SECONDS_PER_BEAT
    score = np.stack([score_start, score_end - score_start - CORR_GAP, aligned[:, 2]], axis=1)
    alignment = np.concatenate([np.stack([score[:, 0], aligned[:, 0]], axis=1),
                                [[score[-1, 0] + score[-1, 1], end - start]]])
    mtd_id = f"{index + 1:04d}"
    work = _work_id(path)
    metadata = dict.fromkeys(META_KEYS, "")
    metadata.update(MTDID=mtd_id, BMID=mtd_id, EDMID=mtd_id, ComposerID="Bach", ComposerBirth="1685",
                    ComposerDeath="1750", WorkID=work, PerformanceID="Synthesized", CollectionID="ddtw-edu",
                    WorkTitle=chorale_title(path) or work, ThemeLabelBM="A", ThemeInstruments="Soprano",
                    WorkInstruments="Soprano, Alto, Tenor, Bass", Ensemble="Choir", Polyphony="Polyphonic",
                    StartTime=format_mtd_time(start), EndTime=format_mtd_time(end),
                    MidiTransposition=str(transposition), Comment=f"generated by ddtw_edu from {path}")
    theme = MTDTheme(f"MTD{mtd_id}_Bach_{work}", metadata, score, aligned, alignment)
    return theme, excerpt, full, sounding


def _overview_row(theme):
    meta = theme.metadata
    row = {column: meta.get(column, "") for column in OVERVIEW_COLUMNS}
    row.update(IMG_original="", IMG_cleaned="", MIDI_EDM=f"{theme.stem}.mid", WAV_MTD=f"{theme.stem}.wav",
               WAV_WCM=f"{theme.stem}.wav", Comment1=meta["Comment"], Comment2="", Comment3="")
    return row


def _folds(paths, stems, rng, n_folds=5):
    """Split themes into folds so that chorales sharing a melody share a fold."""
    groups = group_chorales_by_melody(paths)
    labels = sorted(set(groups.values()))
    fold_of = {label: i % n_folds + 1 for i, label in enumerate(rng.permutation(labels))}
    folds = {k: [] for k in range(1, n_folds + 1)}
    for path, stem in zip(paths, stems):
        folds[fold_of[groups[path]]].append(stem)
    return folds


def _write_mtd_theme_files(out, path, index, seed):
    """Generate theme ``index`` from chorale ``path`` and write its files (one worker job)."""
    theme, excerpt, full, _ = mtd_theme(path, index, np.random.default_rng([seed, 1, index]))
    write_mtd_theme(out, theme)
    _write_audio(out / FOLDERS["audio"][0] / f"{theme.stem}.wav", excerpt)
    _write_audio(out / FULL_FOLDER / f"{theme.stem}.wav", full)
    return theme


def make_mtd(out, size="small", seed=0, progress=True, workers=None):
    """Write an MTD-like data set (see the module docstring) into ``out``, themes in ``workers`` processes."""
    _check_choice(size, SIZES, "size")
    chorales = list_chorales()
    order = np.random.default_rng([seed, 0]).permutation(len(chorales))
    paths = [chorales[i] for i in sorted(order[: MTD_CHORALES[size] or len(chorales)])]
    out = Path(out)
    themes = map_jobs(_write_mtd_theme_files, [(out, path, index, seed) for index, path in enumerate(paths)],
                      workers, desc=f"MTD-like {size}", progress=progress)
    write_mtd_overview(out / "MTD.csv", [_overview_row(t) for t in themes])
    folds = _folds(paths, [t.stem for t in themes], np.random.default_rng([seed, 2]))
    for k, stems in folds.items():
        write_mtd_split_file(out / SPLIT_FOLDER / f"MTD_split5-{k}.csv", stems)
    return out


# ----------------------------------------------------------------------------- SWD-like

def swd_songs(size):
    """Songs of the SWD-like set: (song number, {"voice": notes, "piano": notes}) in beats."""
    songs = [(5, lindenbaum_parts())]
    if size == "full":
        chorales = list_chorales()
        numbers = [n for n in range(1, 25) if n != 5]
        for number, path in zip(numbers, chorales[:: max(1, len(chorales) // len(numbers))]):
            voices = chorale_voices(path)
            lower = np.concatenate([voices[v] for v in ("alto", "tenor", "bass")])
            songs.append((number, {"voice": voices["soprano"], "piano": lower[np.lexsort((lower[:, 2], lower[:, 0]))]}))
    limit = SWD_BEATS[size]
    if limit is not None:                        # cut every part at the limit
        cut = {}
        for name, notes in songs[0][1].items():
            notes = notes[notes[:, 0] < limit].copy()
            notes[:, 1] = np.minimum(notes[:, 1], limit)
            cut[name] = notes
        songs = [(songs[0][0], cut)]
    return songs


def swd_recording(parts, rng):
    """One performance of a song: random tempo, key, tuning and timbre.

    Returns
    -------
    audio : ndarray
    notes : ndarray, shape (K, 3)
        Sounding notes [start, end, pitch], sorted by start then pitch.
    instruments : list of str
    """
    transposition = int(rng.choice([-2, -1, 0, 0, 1, 2]))
    tuning = float(rng.uniform(-30.0, 30.0))
    center = rng.uniform(55.0, 80.0)
    n_beats = max(notes[:, 1].max() for notes in parts.values())
    curve = tempo_curve(n_beats, rng, bpm_range=(0.85 * center, 1.15 * center))
    seconds = {name: apply_tempo(notes, curve) + [0, 0, transposition] for name, notes in parts.items()}
    brightness = rng.uniform(0.8, 1.2)
    timbres = [Timbre(n_harmonics=VOICE.n_harmonics, rolloff=VOICE.rolloff * brightness, decay=VOICE.decay,
                      damping=VOICE.damping, attack=VOICE.attack, release=VOICE.release), PIANO]
    audio = synthesize([seconds["voice"], seconds["piano"]], rng=rng, timbre=timbres, gains=[1.4, 1.0],
                       tuning_cents=tuning)
    notes = np.concatenate([seconds["voice"], seconds["piano"]])
    instruments = np.array(["voice"] * len(seconds["voice"]) + ["piano"] * len(seconds["piano"]))
    order = np.lexsort((notes[:, 2], notes[:, 0]))
    return audio, notes[order], instruments[order].tolist()


def _write_swd_recording_files(out, number, parts, p, performance, seed):
    """Generate performance ``p`` of song ``number`` and write its files (one worker job)."""
    from .swd import write_swd_notes
    stem = f"Schubert_D911-{number:02d}_{performance}"
    audio, notes, instruments = swd_recording(parts, np.random.default_rng([seed, 3, number, p]))
    write_swd_notes(out / NOTE_FOLDER / f"{stem}.csv", notes, instruments)
    _write_audio(out / AUDIO_FOLDER / f"{stem}.wav", audio)


def make_swd(out, size="small", seed=0, progress=True, workers=None):
    """Write an SWD-like data set (see the module docstring) into ``out``, recordings in ``workers`` processes."""
    _check_choice(size, SIZES, "size")
    out = Path(out)
    jobs = [(out, number, parts, p, performance, seed) for number, parts in swd_songs(size)
            for p, performance in enumerate(SWD_PERFORMANCES)]
    map_jobs(_write_swd_recording_files, jobs, workers, desc=f"SWD-like {size}", progress=progress)
    return out
