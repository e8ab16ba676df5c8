"""Score-time notes from the scores bundled with music21: Bach chorales and "Der Lindenbaum".

This module is the symbolic half of the generated data set (paper Sec. VII-B: MTD-like
themes; Sec. VII-C: SWD-like songs). It only reads scores: it renders nothing, keeps no
cache of its own and downloads nothing (music21 ships its corpus inside the package).

Conventions
-----------
- Notes in score time are a float64 array of shape (K, 3) with rows
  [start_beat, end_beat, midi_pitch], where one beat is one quarter note and beat 0 is the
  start of the first (possibly incomplete) measure. Rows are sorted by start, then pitch.
- Tied notes are merged into one note; repeated equal pitches that are not tied stay
  separate notes. Rests are omitted. Grace notes (zero duration) are dropped. A chord in a
  part gives one note per pitch. Unpitched notes (e.g. timpani without pitch) are dropped.
- Repeat signs are not expanded: a score is rendered as written, once, in reading order.

Corpus paths are strings such as ``"bach/bwv269.mxl"``, as accepted by
``music21.corpus.parse``. Every call parses its score again: about 0.1-0.5 s for a chorale
the first time, about 0.04 s later, because music21 itself stores pickled parses in its
scratch folder (by default the system's temporary folder, e.g. ``/tmp/music21``).
"""
import os
import re
import unicodedata
from pathlib import Path

import numpy as np

#: The four vocal parts of a chorale, top to bottom.
VOICES = ("soprano", "alto", "tenor", "bass")

# Files under music21's ``corpus/bach`` that ``list_chorales`` leaves out, with the reason.
# (Checked against music21 9.9; a name missing from a later corpus is simply not listed.)
_EXCLUDED = {
    "bwv846.mxl": "not a chorale: Prelude in C major (WTC I) for keyboard",
    "bwv27.6.mxl": "five voices (two soprano parts)",
    "bwv227.3.mxl": "five voices (two soprano parts)",
    # No fermata in the soprano, so no phrases to cut themes from:
    "bwv1.6.mxl": "no soprano fermata", "bwv8.6.mxl": "no soprano fermata",
    "bwv79.3.mxl": "no soprano fermata", "bwv112.5.mxl": "no soprano fermata",
    "bwv137.5.mxl": "no soprano fermata", "bwv161.6.mxl": "no soprano fermata",
    "bwv229.2.mxl": "no soprano fermata", "bwv248.23-2.mxl": "no soprano fermata",
    "bwv248.42-4.mxl": "no soprano fermata", "bwv248.64-6.mxl": "no soprano fermata",
}

_CHORALE_FILE = re.compile(r"^bwv[0-9].*\.(mxl|xml|krn)$")


# ----------------------------------------------------------------------------- parsing

def _parse(path):
    """A music21 Score from a corpus path ("bach/bwv269.mxl") or a file on disk."""
    from music21 import converter, corpus  # music21 is slow to import: only when needed

    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a corpus path or a file path (str), got {path!r}")
    if Path(path).is_file():
        return converter.parse(str(path))
    try:
        return corpus.parse(str(path))
    except Exception as err:  # music21 raises its own CorpusException (and others)
        raise ValueError(f"path {str(path)!r} is neither a file nor a music21 corpus work: {err}") from None


def _notes_array(rows):
    """Rows [start, end, pitch] -> float64 (K, 3) sorted by start, then pitch."""
    notes = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
    return notes[np.lexsort((notes[:, 2], notes[:, 0]))]


def part_notes(part):
    """Notes in beats of one music21 part (ties merged, rests and grace notes omitted).

    Parameters
    ----------
    part : music21.stream.Part

    Returns
    -------
    notes : ndarray, shape (K, 3)
        Rows [start_beat, end_beat, midi_pitch], sorted by start, then pitch.
    """
    rows = []
    for n in part.stripTies().flatten().notes:
        length = float(n.quarterLength)
        if n.duration.isGrace or length <= 0:
            continue
        start = float(n.offset)
        for pitch in getattr(n, "pitches", ()):   # a Note has one pitch, a Chord several, Unpitched none
            rows.append((start, start + length, pitch.midi))
    return _notes_array(rows)


def _part_label(part):
    """First word of a part's name, lower case: "Soprano\\rOboe 1,2" -> "soprano"."""
    name = part.partName or part.id or ""
    words = str(name).split()
    return words[0].lower() if words else ""


def _vocal_parts(score, path):
    """Dict voice -> music21 part for the four vocal parts of a chorale score."""
    parts = list(score.parts)
    found = {}
    for part in parts:
        label = _part_label(part)
        if label in VOICES:
            if label in found:
                raise ValueError(f"path {path!r}: more than one {label} part; not a four-voice chorale")
            found[label] = part
    if len(found) == 4:
        return found
    if not found and len(parts) == 4:
        # Humdrum (**kern) files name their spines, not their voices; parts come top to bottom.
        return dict(zip(VOICES, parts))
    raise ValueError(f"path {path!r}: cannot find the parts {VOICES} (found {sorted(found)} "
                     f"among {[_part_label(p) for p in parts]})")


# ----------------------------------------------------------------------------- chorales

def _natural_key(name):
    """Sort key "bwv10.7.mxl" -> ((10, 7), name), so bwv2 sorts before bwv10."""
    return tuple(int(x) for x in re.findall(r"\d+", name)), name


def list_chorales():
    """Corpus paths of the Bach chorales bundled with music21, in natural BWV order.

    Every file ``bach/bwv*.mxl|xml|krn`` of music21's corpus is listed, except the few in
    ``_EXCLUDED`` (a keyboard prelude, two five-voice chorales, and chorales without a
    fermata in the soprano). Some entries are versions of the same chorale (for example
    ``bwv18.5-lz.mxl`` and ``bwv18.5-w.mxl``); :func:`chorale_melody_id` puts them in one
    group. Listing does not parse anything.

    Returns
    -------
    paths : list of str
        For example ``["bach/bwv2.6.mxl", ..., "bach/bwv438.mxl"]``; 400 entries with music21 9.9.
    """
    from music21 import corpus

    folder = Path(corpus.__file__).parent / "bach"
    names = [p.name for p in folder.iterdir() if _CHORALE_FILE.match(p.name) and p.name not in _EXCLUDED]
    return ["bach/" + name for name in sorted(names, key=_natural_key)]


def chorale_voices(path):
    """The four vocal parts of a chorale as notes in beats.

    Parameters
    ----------
    path : str
        Corpus path (an entry of :func:`list_chorales`) or a score file on disk.

    Returns
    -------
    voices : dict of str -> ndarray, shape (K_v, 3)
        Keys ``"soprano", "alto", "tenor", "bass"`` (in that order); rows
        [start_beat, end_beat, midi_pitch]. Instrumental parts of cantata chorales
        (horns, trumpets, continuo, ...) are ignored.

    Raises
    ------
    ValueError
        If the score does not have exactly one soprano, alto, tenor and bass part.
    """
    parts = _vocal_parts(_parse(path), path)
    return {voice: part_notes(parts[voice]) for voice in VOICES}


def _phrase_ends(soprano_part):
    """End beats of the soprano notes (or rests) that carry a fermata, ties followed to their end."""
    from music21 import expressions

    tied = part_notes(soprano_part)              # merged notes: a fermata inside a tie ends with the tie
    ends = []
    for n in soprano_part.flatten().notesAndRests:
        if any(isinstance(e, expressions.Fermata) for e in n.expressions) and n.quarterLength > 0:
            end = float(n.offset + n.quarterLength)
            inside = (tied[:, 0] < end) & (end < tied[:, 1])
            ends.append(float(tied[inside, 1].max()) if inside.any() else end)
    return sorted(set(ends))


def _phrases_of(parts):
    """Phrase intervals from the vocal parts (see :func:`chorale_phrases`)."""
    total = max(float(part_notes(p)[:, 1].max(initial=0.0)) for p in parts.values())
    bounds = [0.0] + [t for t in _phrase_ends(parts["soprano"]) if 0.0 < t < total] + [total]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def chorale_phrases(path):
    """Phrases of a chorale as beat intervals, split at the fermatas of the soprano.

    Rule: every soprano note (or rest) with a fermata closes a phrase at its end (at the
    end of its tie chain if it is tied on). Phrase k runs from the end of phrase k - 1
    (beat 0 for the first) to the end of its fermata note. So the phrases are contiguous,
    in score order, and together cover [0, T], T = the end of the last vocal note; the
    upbeat of the next phrase belongs to the next phrase. Music after the last fermata
    forms a last phrase; a fermata on the final note adds no empty phrase. Fermatas in
    the lower voices are ignored (they coincide with the soprano's in these chorales).

    Parameters
    ----------
    path : str
        Corpus path or score file.

    Returns
    -------
    phrases : list of (float, float)
        (start_beat, end_beat) pairs with start < end; ``phrases[0][0] == 0``,
        ``phrases[k][1] == phrases[k + 1][0]``. A chorale without a soprano fermata is
        one phrase.
    """
    return _phrases_of(_vocal_parts(_parse(path), path))


# ----------------------------------------------------------------------------- melodies

def _first_phrase_steps(soprano_part):
    """Melodic skeleton of the first soprano phrase: successive pitch steps in semitones.

    Notes shorter than a quarter (passing and neighbour notes that Bach adds in some
    harmonizations) are dropped, then repeated pitches are merged.
    """
    notes = part_notes(soprano_part)
    ends = _phrase_ends(soprano_part)
    end = ends[0] if ends else np.inf
    notes = notes[(notes[:, 0] < end) & (notes[:, 1] - notes[:, 0] >= 1.0)]
    pitches = notes[:, 2].astype(int)
    if len(pitches):
        pitches = pitches[np.r_[True, np.diff(pitches) != 0]]
    return np.diff(pitches)


def chorale_melody_id(path):
    """A key shared by chorales that harmonize the same hymn tune (computed from the music).

    music21's metadata names no tune: its chorale lists give the text incipit, which differs
    between hymns sung to one tune ("O Haupt voll Blut und Wunden", "Befiehl du deine Wege"
    and "Herzlich tut mich verlangen" are one melody), and a BWV number says nothing about
    the tune. So the key is the melodic skeleton of the first soprano phrase (up to the
    first fermata): drop notes shorter than a quarter, merge repeated pitches, and write the
    successive steps in semitones. It is transposition-invariant (Bach sets one tune in
    many keys), rhythm-invariant (he sets it in 4/4 and 3/4), and equal for two versions of
    one harmonization.

    Limits: different tunes with the same first-phrase skeleton share a key (mostly short
    skeletons; harmless for grouped folds, a group only gets larger), and a harmonization
    that alters the skeleton (a changed or added quarter note) gets a key of its own. Use
    :func:`group_chorales_by_melody` for folds: it also joins chorales with the same title.

    Parameters
    ----------
    path : str
        Corpus path or score file.

    Returns
    -------
    key : str
        "m:" followed by the signed steps, e.g. ``"m:+5-2-2-1-2+2"`` for the first phrase
        of "Herzlich tut mich verlangen"; ``"m:"`` for a phrase on one pitch.
    """
    steps = _first_phrase_steps(_vocal_parts(_parse(path), path)["soprano"])
    return "m:" + "".join(f"{int(s):+d}" for s in steps)


def _bwv_of(path):
    """"bach/bwv153.1-a.mxl" -> "153.1" (the version suffix after "-" dropped), or None."""
    match = re.match(r"bwv([0-9]+(?:\.[0-9]+)?)", Path(str(path)).name)
    return match.group(1) if match else None


def _normalize_title(title):
    """Lower-case ASCII letters and single spaces: "Freu’ dich sehr" -> "freu dich sehr"."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z ]", " ", text).split())


def chorale_title(path):
    """The chorale's title from music21's chorale lists (Riemenschneider, Baerenreiter), or None.

    The title is the hymn text's incipit, e.g. "Aus meines Herzens Grunde" for
    ``bach/bwv269.mxl``. Looked up by the BWV number in the file name; no parsing.
    """
    from music21.corpus import chorales

    bwv = _bwv_of(path)
    if bwv is None:
        return None
    for entry in chorales.ChoraleListRKBWV().byRiemenschneider.values():
        if str(entry["bwv"]) == bwv:
            return entry["title"]
    for entry in chorales.ChoraleList().byBWV.values():
        if str(entry["bwv"]) == bwv:
            return entry["title"]
    return None


def group_chorales_by_melody(paths, min_steps=4):
    """Group chorales by tune: same melody key or same title, joined transitively.

    Two chorales are in one group if their :func:`chorale_melody_id` keys are equal (only
    keys with at least ``min_steps`` steps count: shorter skeletons such as "m:+2-2" are
    shared by unrelated tunes) or their :func:`chorale_title` titles are equal after
    normalization (a title with two different first-phrase skeletons is still one tune,
    e.g. an ornamented setting). Groups are the connected components of these links, so
    for 5 folds grouped by melody no tune lands in two folds unless both its title and its
    first phrase differ. Over the whole corpus (music21 9.9) this gives about 180 groups
    of at most 12 chorales.

    Parameters
    ----------
    paths : sequence of str
        Corpus paths (each is parsed once).
    min_steps : int
        Minimum number of steps for a melody key to link chorales.

    Returns
    -------
    groups : dict of str -> str
        Path -> group label; the label is the melody key of the group's first member in
        natural BWV order, so it does not depend on the order of ``paths``.
    """
    if isinstance(min_steps, bool) or not isinstance(min_steps, (int, np.integer)) or min_steps < 0:
        raise ValueError(f"min_steps must be an integer >= 0, got {min_steps!r}")
    paths = list(dict.fromkeys(str(p) for p in paths))
    keys = {p: chorale_melody_id(p) for p in paths}
    names = {}
    for p in paths:
        title = chorale_title(p)
        names[p] = ["t:" + _normalize_title(title)] if title else []
        if len(re.findall(r"[+-]", keys[p])) >= min_steps:
            names[p].append(keys[p])
    return groups_of_shared_names(names, keys)


def groups_of_shared_names(names, keys):
    """Connected components of chorales that share a name, labelled by the key of their first member.

    Parameters
    ----------
    names : dict of str -> iterable of str
        Corpus path -> its names (a normalized title, a melody key); two chorales with a
        name in common are in one group, and groups are joined transitively.
    keys : dict of str -> str
        Corpus path -> the label it gives its group if it comes first in natural BWV order.

    Returns
    -------
    groups : dict of str -> str
        Path -> group label, independent of the order of ``names``.
    """
    paths = sorted(names, key=lambda p: _natural_key(Path(p).name))
    parent = {p: p for p in paths}
    order = {p: i for i, p in enumerate(paths)}

    def find(p):
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    links = {}
    for p in paths:
        for name in names[p]:
            root_a, root_b = find(p), find(links.setdefault(name, p))
            if root_a != root_b:   # the member earlier in BWV order stays the root
                parent[max(root_a, root_b, key=order.get)] = min(root_a, root_b, key=order.get)
    return {p: keys[find(p)] for p in paths}


# ----------------------------------------------------------------------------- Lindenbaum

def lindenbaum_parts():
    """Schubert, "Der Lindenbaum" (Winterreise D 911, No. 5) from music21's corpus, in beats.

    Returns
    -------
    parts : dict of str -> ndarray, shape (K, 3)
        ``"voice"``: the sung melody; ``"piano"``: both piano staves merged. Rows
        [start_beat, end_beat, midi_pitch] (one beat = one quarter note; the song is
        in 3/4, 82 measures, 246 beats).
    """
    score = _parse("schubert/Lindenbaum.xml")
    voice, piano = [], []
    for part in score.parts:
        (voice if _part_label(part) == "voice" else piano).append(part_notes(part))
    if len(voice) != 1 or not piano:
        raise ValueError("schubert/Lindenbaum.xml: expected one Voice part and piano staves")
    return {"voice": voice[0], "piano": _notes_array(np.concatenate(piano))}
