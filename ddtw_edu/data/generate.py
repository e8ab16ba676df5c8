"""The default data sets: MTD- and SWD-like folders generated from music21's bundled scores.

Nothing is downloaded and no data set file is shipped. The scores come with
music21 (Bach chorales; Schubert's "Der Lindenbaum", Winterreise No. 5), the
audio is additive synthesis (:mod:`.synthesis`) under random smooth tempo
curves, and the annotations are written in exactly the official layouts
(:mod:`.mtd`, :mod:`.swd`), so that the same loaders serve the default and
the real data. The strong alignment is exact: it is the tempo curve.

Recording conditions (generator version 2, :data:`GENERATOR_VERSION`): every
performance gets its own ensemble and room, so that the data is not much
easier than real recordings. Per performance: a random timbre per voice
(:func:`.synthesis.random_timbre`: sustained or struck, bright or dull, the
melody sometimes with vibrato), random voice levels, a slow random level curve
per voice (:func:`.synthesis.level_curve`), a tuning offset (the features
assume A4 = 440 Hz), a room (:func:`.synthesis.reverberate`: exponentially
decaying noise of random RT60, random wet/dry mix), additive noise at a random
SNR (:func:`.synthesis.add_noise`, white to pink) and a random output level.
The ranges are :data:`MTD_CONDITIONS` and :data:`SWD_CONDITIONS`.

MTD-like: one theme per chorale, the soprano melody of its first phrases: as
many as it takes for :data:`THEME_NOTES` notes (mostly two), in a quarter of
the themes one more. The whole chorale is performed once (the soprano as the melody: a
level only slightly above the other voices, 0.9-1.3 times theirs, and a
timbre of its own); that performance is ``full_AUDIO/<theme stem>.wav`` (an
addition to the MTD layout: the retrieval database), and the theme's excerpt in
``audio_wav/`` is cut from it at StartTime-EndTime, as MTD's excerpts are cut
from recordings. ``full_AUDIO/`` also holds *distractors*,
``full_AUDIO/distractor_Bach_<work>.wav``: full performances of further
chorales, of tunes that no theme of the set has, with no theme, no annotation and
no entry in MTD.csv or the split files; they only enlarge the retrieval database
(:data:`MTD_DISTRACTORS` of them: 60 themes + 50 distractors = 110 documents for
``small``). 5 split files group the chorales by melody
(:func:`.scores.group_chorales_by_melody`), so no tune is in two folds. Some
themes get ``MidiTransposition`` -12 or -1 (their files then hold the pitches 12
or 1 semitones higher than sounding, as in MTD).

SWD-like: "Der Lindenbaum" (song 5) in the nine performances of the paper's
split, each with its own tempo, key, tuning, timbres, levels, room and noise;
``full`` adds 23 chorales as further songs (soprano as "voice", lower voices as
"piano").

Folders and versions: :func:`default_dataset` keeps generated sets in
``<root>/<dataset>-<size>-seed<seed>-v<GENERATOR_VERSION>`` (:func:`dataset_folder`)
and marks a finished one with a file that names the generator version, so a set
made by an older generator is never reused. Everything is deterministic in
(size, seed) and the generator version (the number of worker processes does
not matter).

Book: chapter 7, "The data"; chapter 8, "The data, cut into segments".
"""
import json
from pathlib import Path

import numpy as np
import soundfile

from .features import SR
from .mtd import FOLDERS, META_KEYS, OVERVIEW_COLUMNS, SPLIT_FOLDER, MTDTheme, write_mtd_overview, \
    write_mtd_split_file, write_mtd_theme
from .scores import chorale_melody_id, chorale_phrases, chorale_title, chorale_voices, group_chorales_by_melody, \
    groups_of_shared_names, list_chorales, lindenbaum_parts
from .swd import AUDIO_FOLDER, NOTE_FOLDER, SWD_PERFORMANCES
from .synthesis import Timbre, add_noise, apply_tempo, level_curve, random_timbre, reverberate, synthesize, \
    tempo_curve
from .workers import map_jobs

#: Version of the generator; bumped whenever the generated data changes (part of the folder name).
GENERATOR_VERSION = 2
DATASETS = ("mtd", "swd")
SIZES = ("tiny", "small", "full")
MTD_CHORALES = {"tiny": 10, "small": 60, "full": None}        # None: all of list_chorales()
MTD_DISTRACTORS = {"tiny": 3, "small": 50, "full": 0}         # extra full recordings in full_AUDIO/ (retrieval)
SWD_BEATS = {"tiny": 24, "small": None, "full": None}         # None: the whole song
FULL_FOLDER = "full_AUDIO"
DISTRACTOR_PREFIX = "distractor_"                             # full_AUDIO/distractor_*.wav: no theme
THEME_NOTES = 12                  # a theme spans the first phrases up to at least this many notes
SCORE_SECONDS_PER_BEAT = 0.5      # corr files count score time at 120 quarter notes per minute
CORR_GAP = 1 / 480                # official corr durations end 1/480 before the next onset
PIANO = Timbre(n_harmonics=8, rolloff=1.3, decay=2.5, damping=0.8, release=0.1)
VOICE = Timbre(n_harmonics=10, rolloff=0.9, decay=0.2, damping=0.1, attack=0.04, release=0.08)
#: Ranges (low, high) of the random recording conditions of an MTD-like performance, drawn uniformly.
MTD_CONDITIONS = {
    "melody_gain": (0.9, 1.3),        # the melody's level relative to the accompaniment's
    "voice_gain": (0.75, 1.0),        # each accompanying voice's level
    "level_db": (1.0, 4.0),           # standard deviation of each voice's slow level curve (dB)
    "tuning_cents": (-30.0, 30.0),    # the whole performance (features assume A4 = 440 Hz)
    "rt60": (0.3, 2.0),               # room: reverberation time (s)
    "wet": (0.1, 0.5),                # room: share of the reverberant signal
    "snr_db": (10.0, 35.0),           # additive noise
    "noise_color": (0.0, 1.5),        # 0 white, 1 pink
    "peak": (0.25, 0.9),              # output level (peak)
}
#: The same for an SWD-like performance (voice and piano).
SWD_CONDITIONS = {
    "voice_gain": (1.0, 1.5),
    "level_db": (1.0, 3.0),
    "tuning_cents": (-30.0, 30.0),
    "rt60": (0.3, 1.8),
    "wet": (0.1, 0.45),
    "snr_db": (15.0, 35.0),
    "noise_color": (0.0, 1.5),
    "peak": (0.3, 0.9),
}
_COMPLETE = ".ddtw_edu_complete.json"


def default_data_root():
    """Where generated data sets live: ``$DDTW_EDU_DATA`` or ``~/.cache/ddtw_edu/data``."""
    import os
    return Path(os.environ.get("DDTW_EDU_DATA", Path.home() / ".cache" / "ddtw_edu" / "data"))


def dataset_folder(dataset, size="small", seed=0, root=None):
    """Where :func:`default_dataset` keeps a generated set: ``root / f"{dataset}-{size}-seed{seed}-v{version}"``.

    ``version`` is :data:`GENERATOR_VERSION`; ``root`` defaults to :func:`default_data_root`.
    """
    _check_choice(dataset, DATASETS, "dataset")
    _check_choice(size, SIZES, "size")
    return Path(root or default_data_root()) / f"{dataset}-{size}-seed{seed}-v{GENERATOR_VERSION}"


def is_complete(folder):
    """Whether ``folder`` holds a generated set that this generator version finished."""
    try:
        made = json.loads((Path(folder) / _COMPLETE).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(made, dict) and made.get("generator") == GENERATOR_VERSION


def default_dataset(dataset, size="small", seed=0, root=None, progress=True):
    """The folder of a generated data set, generating it on first use.

    Book: chapter 7, "The data"; chapter 8, "The data, cut into segments".

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
        :func:`dataset_folder` (``root / f"{dataset}-{size}-seed{seed}-v{GENERATOR_VERSION}"``), complete.
        Sets of older generator versions (other folder names) are not reused.
    """
    out = dataset_folder(dataset, size, seed, root)
    if not is_complete(out):
        make_dataset(dataset, size, out, seed, progress)
    return out


def make_dataset(dataset, size, out, seed=0, progress=True, workers=None):
    """Write a generated data set into ``out`` (official layout) and mark it complete.

    ``workers`` processes generate the items (default: one per core, see
    :func:`.workers.default_workers`); the result does not depend on it. The
    completion marker ``.ddtw_edu_complete.json`` names dataset, size, seed and
    generator version.
    """
    _check_choice(dataset, DATASETS, "dataset")
    _check_choice(size, SIZES, "size")
    out = Path(out)
    (make_mtd if dataset == "mtd" else make_swd)(out, size, seed, progress, workers)
    (out / _COMPLETE).write_text(json.dumps({"dataset": dataset, "size": size, "seed": seed,
                                             "generator": GENERATOR_VERSION}))
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


def _draw(rng, conditions, key):
    low, high = conditions[key]
    return float(rng.uniform(low, high))


def perform(parts, rng, timbres, gains, conditions, duration):
    """A performance of several parts (notes in seconds) under random recording conditions.

    Each part is rendered with its timbre and gain (:func:`.synthesis.synthesize`, all
    parts with one random tuning offset) and shaped by a slow random level curve; the
    mixture goes through a random room and gets noise at a random SNR, and is scaled to
    a random peak. ``conditions`` gives the ranges (:data:`MTD_CONDITIONS` or
    :data:`SWD_CONDITIONS`; keys tuning_cents, level_db, rt60, wet, snr_db, noise_color
    and peak).

    Returns
    -------
    audio : ndarray, shape (round(duration * SR),), float32
    """
    tuning = _draw(rng, conditions, "tuning_cents")
    L = int(round(duration * SR))
    mix = np.zeros(L)
    for part, timbre, gain in zip(parts, timbres, gains):
        voice = synthesize(part, rng=rng, timbre=timbre, gains=[gain], tuning_cents=tuning, duration=duration,
                           peak=None)
        mix += voice * level_curve(L, rng, depth_db=_draw(rng, conditions, "level_db"))
    mix = reverberate(mix, _draw(rng, conditions, "rt60"), _draw(rng, conditions, "wet"), rng)
    mix = add_noise(mix, _draw(rng, conditions, "snr_db"), rng, color=_draw(rng, conditions, "noise_color"))
    peak = _draw(rng, conditions, "peak")
    top = np.abs(mix).max(initial=0.0)
    return (mix * (peak / top if top > 0 else 1.0)).astype(np.float32)


def _perform_chorale(seconds, rng, duration):
    """A performance of a chorale's four voices (in seconds) with the soprano as the melody.

    The melody gets a timbre of its own (with vibrato half of the time) and a level of
    0.9-1.3 (:data:`MTD_CONDITIONS`); the accompaniment is one instrument for all three
    lower voices (half of the time) or three different ones.
    """
    melody = random_timbre(rng, vibrato=bool(rng.random() < 0.5))
    if rng.random() < 0.5:
        accompaniment = [random_timbre(rng)] * 3
    else:
        accompaniment = [random_timbre(rng) for _ in range(3)]
    gains = [_draw(rng, MTD_CONDITIONS, "melody_gain")] + [_draw(rng, MTD_CONDITIONS, "voice_gain") for _ in range(3)]
    parts = [seconds[v] for v in ("soprano", "alto", "tenor", "bass")]
    return perform(parts, rng, [melody] + accompaniment, gains, MTD_CONDITIONS, duration)


def _chorale_seconds(voices, rng):
    """The voices of a chorale under a random tempo curve: (tempo curve, voices in seconds, end in seconds)."""
    n_beats = max(v[:, 1].max() for v in voices.values())
    curve = tempo_curve(n_beats, rng, bpm_range=(60.0, 100.0))
    seconds = {name: apply_tempo(notes, curve) for name, notes in voices.items()}
    return curve, seconds, max(float(v[:, 1].max()) for v in seconds.values())


def mtd_theme(path, index, rng, score=None):
    """Generate one MTD-like theme from a chorale.

    The whole chorale is performed once (:func:`perform`); the excerpt is cut from
    that performance between the theme's StartTime and EndTime.

    ``score``: the chorale's ``(chorale_voices(path), chorale_phrases(path))`` if
    already parsed.

    Returns
    -------
    theme : MTDTheme
        Annotations (audio_path unset).
    excerpt, full : ndarray
        Audio of the excerpt and of the whole chorale's performance (``excerpt`` is
        ``full[round(start * SR):][:round((end - start) * SR)]``).
    sounding : ndarray, shape (K, 3)
        The theme's notes as they sound in the excerpt [start, end, pitch] (the truth
        that the loaders must give back as ``theme.notes``).
    """
    voices, phrases = (chorale_voices(path), chorale_phrases(path)) if score is None else score
    count = 1
    while count < len(phrases) and len(_theme_notes(voices["soprano"], 0.0, phrases[count - 1][1])) < THEME_NOTES:
        count += 1
    count = min(count + int(rng.random() < 0.25), len(phrases))
    b0, b1 = phrases[0][0], phrases[count - 1][1]
    theme_beats = _theme_notes(voices["soprano"], b0, b1)
    curve, seconds, last = _chorale_seconds(voices, rng)
    theme = apply_tempo(theme_beats, curve)
    start = round(max(0.0, theme[0, 0] - rng.uniform(0.2, 1.0)), 2)
    end = round(theme[-1, 1] + rng.uniform(0.2, 1.0), 2)
    full = _perform_chorale(seconds, rng, duration=max(last, end) + 1.0)
    first = int(round(start * SR))
    excerpt = full[first: first + int(round((end - start) * SR))]

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


def _folds(paths, stems, rng, n_folds=5, tunes=None):
    """Split themes into folds so that chorales sharing a melody share a fold.

    ``tunes``: each path's :func:`_tune` where known (saves parsing the scores again).
    """
    groups = group_chorales_by_melody(paths) if tunes is None else _tune_groups(paths, tunes)
    labels = sorted(set(groups.values()))
    fold_of = {label: i % n_folds + 1 for i, label in enumerate(rng.permutation(labels))}
    folds = {k: [] for k in range(1, n_folds + 1)}
    for path, stem in zip(paths, stems):
        folds[fold_of[groups[path]]].append(stem)
    return folds


def _tune(path, voices=None, phrases=None):
    """How :func:`.scores.group_chorales_by_melody` sees a chorale: (melody key, names that link it).

    The key is :func:`.scores.chorale_melody_id`, computed here from the chorale's
    ``voices`` and ``phrases`` if given (the same rule: quarter notes and longer of the
    first soprano phrase, repeated pitches merged, steps in semitones), so the score is
    not parsed again. The names are the normalized title and, if it has at least 4
    steps, the key.
    """
    from .scores import _normalize_title

    if voices is None:
        key = chorale_melody_id(path)
    else:
        soprano = voices["soprano"]
        notes = soprano[(soprano[:, 0] < phrases[0][1]) & (soprano[:, 1] - soprano[:, 0] >= 1.0)]
        pitches = notes[:, 2].astype(int)
        if len(pitches):
            pitches = pitches[np.r_[True, np.diff(pitches) != 0]]
        key = "m:" + "".join(f"{int(step):+d}" for step in np.diff(pitches))
    title = chorale_title(path)
    names = {"t:" + _normalize_title(title)} if title else set()
    if key.count("+") + key.count("-") >= 4:          # group_chorales_by_melody's min_steps
        names.add(key)
    return key, names


def _tune_groups(paths, tunes):
    """:func:`.scores.group_chorales_by_melody` of ``paths`` from their :func:`_tune` (no parsing)."""
    tune_of = dict(zip(paths, tunes))
    return groups_of_shared_names({p: tune[1] for p, tune in tune_of.items()},
                                  {p: tune[0] for p, tune in tune_of.items()})


def mtd_distractor(path, rng):
    """A full performance of a chorale that only serves as a distractor in the retrieval database.

    Performed as the themes' chorales are (:func:`mtd_theme`), with a tempo curve and
    recording conditions of its own.
    """
    _, seconds, last = _chorale_seconds(chorale_voices(path), rng)
    return _perform_chorale(seconds, rng, duration=last + 1.0)


def distractor_name(path):
    """File stem of a distractor in ``full_AUDIO/``: ``bach/bwv18.5-lz.mxl`` -> ``distractor_Bach_BWV18.5-lz``."""
    return f"{DISTRACTOR_PREFIX}Bach_{_work_id(path)}"


def _write_mtd_theme_files(out, path, index, seed):
    """Generate theme ``index`` from chorale ``path`` and write its files (one worker job).

    Returns the theme and its tune (:func:`_tune`).
    """
    voices, phrases = chorale_voices(path), chorale_phrases(path)
    theme, excerpt, full, _ = mtd_theme(path, index, np.random.default_rng([seed, 1, index]), (voices, phrases))
    write_mtd_theme(out, theme)
    _write_audio(out / FOLDERS["audio"][0] / f"{theme.stem}.wav", excerpt)
    _write_audio(out / FULL_FOLDER / f"{theme.stem}.wav", full)
    return theme, _tune(path, voices, phrases)


def _write_mtd_distractor(out, path, number, seed):
    """Generate the distractor of chorale ``path`` (``number``: its place in list_chorales) and write it."""
    audio = mtd_distractor(path, np.random.default_rng([seed, 4, number]))
    _write_audio(out / FULL_FOLDER / f"{distractor_name(path)}.wav", audio)


def _choose_distractors(candidates, taken, count, workers):
    """The first ``count`` candidates whose tune names are neither in ``taken`` nor another chosen one's."""
    chosen, taken, first = [], set(taken), 0
    while len(chosen) < count and first < len(candidates):
        batch = candidates[first: first + (count - len(chosen)) * 5 // 4 + 1]     # a few spare for rejects
        first += len(batch)
        for path, (_, names) in zip(batch, map_jobs(_tune, [(p,) for p in batch], workers, progress=False)):
            if len(chosen) < count and not names & taken:
                chosen.append(path)
                taken |= names
    return chosen


def make_mtd(out, size="small", seed=0, progress=True, workers=None):
    """Write an MTD-like data set (see the module docstring) into ``out``, themes in ``workers`` processes."""
    _check_choice(size, SIZES, "size")
    chorales = list_chorales()
    order = np.random.default_rng([seed, 0]).permutation(len(chorales))
    n = MTD_CHORALES[size] or len(chorales)
    paths = [chorales[i] for i in sorted(order[:n])]
    out = Path(out)
    made = map_jobs(_write_mtd_theme_files, [(out, path, index, seed) for index, path in enumerate(paths)],
                    workers, desc=f"MTD-like {size}", progress=progress)
    themes, tunes = [theme for theme, _ in made], [tune for _, tune in made]
    taken = set().union(*(names for _, names in tunes))
    distractors = _choose_distractors([chorales[i] for i in order[n:]], taken, MTD_DISTRACTORS[size], workers)
    number = {path: i for i, path in enumerate(chorales)}
    map_jobs(_write_mtd_distractor, [(out, path, number[path], seed) for path in distractors], workers,
             desc=f"MTD-like {size} distractors", progress=progress)
    write_mtd_overview(out / "MTD.csv", [_overview_row(t) for t in themes])
    folds = _folds(paths, [t.stem for t in themes], np.random.default_rng([seed, 2]), tunes=tunes)
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
    """One performance of a song: random tempo, key, tuning, timbres, levels, room and noise.

    The voice gets a sung timbre around :data:`VOICE` (brightness, vibrato of 15-45
    cents), the piano one around :data:`PIANO`; the recording conditions are drawn from
    :data:`SWD_CONDITIONS` (:func:`perform`).

    Returns
    -------
    audio : ndarray
    notes : ndarray, shape (K, 3)
        Sounding notes [start, end, pitch], sorted by start then pitch.
    instruments : list of str
    """
    transposition = int(rng.choice([-2, -1, 0, 0, 1, 2]))
    center = rng.uniform(55.0, 80.0)
    n_beats = max(notes[:, 1].max() for notes in parts.values())
    curve = tempo_curve(n_beats, rng, bpm_range=(0.85 * center, 1.15 * center))
    seconds = {name: apply_tempo(notes, curve) + [0, 0, transposition] for name, notes in parts.items()}
    voice = Timbre(n_harmonics=int(rng.integers(7, 13)), rolloff=VOICE.rolloff * rng.uniform(0.75, 1.3),
                   decay=VOICE.decay * rng.uniform(0.5, 1.5), damping=VOICE.damping * rng.uniform(0.5, 2.0),
                   attack=VOICE.attack * rng.uniform(0.5, 1.5), release=VOICE.release,
                   vibrato_cents=rng.uniform(15.0, 45.0), vibrato_rate=rng.uniform(4.5, 6.5))
    piano = Timbre(n_harmonics=int(rng.integers(6, 11)), rolloff=PIANO.rolloff * rng.uniform(0.8, 1.25),
                   decay=PIANO.decay * rng.uniform(0.6, 1.4), damping=PIANO.damping * rng.uniform(0.6, 1.5),
                   attack=PIANO.attack, release=PIANO.release * rng.uniform(0.8, 2.0))
    gains = [_draw(rng, SWD_CONDITIONS, "voice_gain"), 1.0]
    duration = max(float(n[:, 1].max()) for n in seconds.values()) + 1.0
    audio = perform([seconds["voice"], seconds["piano"]], rng, [voice, piano], gains, SWD_CONDITIONS, duration)
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
