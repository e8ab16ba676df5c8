"""Score parsing from music21's bundled corpus: chorale voices, phrases, melody groups, Lindenbaum."""
import numpy as np
import pytest

pytest.importorskip("music21")
from music21 import chord, expressions, meter, note, stream, tie  # noqa: E402

from ddtw_edu.data import scores  # noqa: E402

CHORALE = "bach/bwv269.mxl"        # Aus meines Herzens Grunde (Riemenschneider 1)
O_HAUPT = "bach/bwv244.54.mxl"     # St Matthew Passion, "O Haupt voll Blut und Wunden"
BEFIEHL = "bach/bwv270.mxl"        # "Befiehl du deine Wege", same tune (Hassler, "Herzlich tut mich verlangen")
BEFIEHL_272 = "bach/bwv272.mxl"    # same title, a different first phrase


def _is_sorted(notes):
    order = np.lexsort((notes[:, 2], notes[:, 0]))
    return np.array_equal(order, np.arange(len(notes)))


def test_list_chorales_is_deterministic_and_natural_order():
    paths = scores.list_chorales()
    assert paths == scores.list_chorales()
    assert 380 <= len(paths) <= 420
    assert all(p.startswith("bach/bwv") for p in paths)
    assert len(set(paths)) == len(paths)
    assert paths.index("bach/bwv2.6.mxl") < paths.index("bach/bwv10.7.mxl") < paths.index("bach/bwv269.mxl")
    assert "bach/bwv846.mxl" not in paths          # the C major prelude is no chorale
    assert CHORALE in paths and O_HAUPT in paths


def test_chorale_voices_four_parts_with_plausible_ranges():
    voices = scores.chorale_voices(CHORALE)
    assert list(voices) == ["soprano", "alto", "tenor", "bass"]
    ranges = {"soprano": (57, 84), "alto": (50, 76), "tenor": (45, 72), "bass": (33, 67)}
    means = []
    for name, notes in voices.items():
        assert notes.dtype == np.float64 and notes.ndim == 2 and notes.shape[1] == 3 and len(notes) > 20
        assert _is_sorted(notes)
        assert (notes[:, 1] > notes[:, 0]).all()
        assert (notes[1:, 0] >= notes[:-1, 1] - 1e-9).all()     # each voice is monophonic
        low, high = ranges[name]
        assert low <= notes[:, 2].min() and notes[:, 2].max() <= high
        means.append(notes[:, 2].mean())
    assert means == sorted(means, reverse=True)                   # S above A above T above B


def test_part_notes_merges_ties_drops_rests_and_grace_notes():
    part = stream.Part()
    m1 = stream.Measure(number=1)
    m1.append(meter.TimeSignature("4/4"))
    m1.append(note.Note("C4", quarterLength=1))
    m1.append(note.Rest(quarterLength=1))
    m1.append(note.Note("D4").getGrace())
    first = note.Note("E4", quarterLength=2)
    first.tie = tie.Tie("start")
    first.expressions.append(expressions.Fermata())            # fermata inside a tie chain
    m1.append(first)
    m2 = stream.Measure(number=2)
    second = note.Note("E4", quarterLength=1)
    second.tie = tie.Tie("stop")
    m2.append(second)
    m2.append(note.Note("E4", quarterLength=1))                  # repeated, not tied: separate
    m2.append(chord.Chord(["C4", "G4"], quarterLength=2))
    part.append([m1, m2])

    expected = [[0, 1, 60], [2, 5, 64], [5, 6, 64], [6, 8, 60], [6, 8, 67]]
    np.testing.assert_array_equal(scores.part_notes(part), expected)
    assert scores._phrase_ends(part) == [5.0]                    # the tie's end, not the fermata note's


def test_chorale_phrases_cover_the_piece_in_order():
    phrases = scores.chorale_phrases(CHORALE)
    voices = scores.chorale_voices(CHORALE)
    end = max(v[:, 1].max() for v in voices.values())
    assert len(phrases) == 6
    assert phrases[0][0] == 0.0 and phrases[-1][1] == end
    for (a, b), (c, _) in zip(phrases[:-1], phrases[1:]):
        assert a < b == c
    soprano_ends = set(voices["soprano"][:, 1])
    assert all(b in soprano_ends for _, b in phrases)            # every phrase ends with a soprano note


def test_melody_id_groups_one_tune_under_different_titles():
    assert scores.chorale_title(O_HAUPT) != scores.chorale_title(BEFIEHL)
    assert scores.chorale_melody_id(O_HAUPT) == scores.chorale_melody_id(BEFIEHL) == "m:+5-2-2-1-2+2"
    assert scores.chorale_melody_id(CHORALE) != scores.chorale_melody_id(O_HAUPT)
    assert scores.chorale_title(CHORALE) == "Aus meines Herzens Grunde"


def test_group_chorales_by_melody_joins_key_and_title_links():
    paths = [BEFIEHL_272, CHORALE, BEFIEHL, O_HAUPT]
    groups = scores.group_chorales_by_melody(paths)
    assert groups[O_HAUPT] == groups[BEFIEHL] == groups[BEFIEHL_272]   # key link and title link
    assert groups[CHORALE] != groups[O_HAUPT]
    assert groups == scores.group_chorales_by_melody(paths[::-1])        # independent of the order
    with pytest.raises(ValueError, match="min_steps"):
        scores.group_chorales_by_melody(paths, min_steps=-1)


def test_lindenbaum_has_voice_and_piano():
    parts = scores.lindenbaum_parts()
    assert set(parts) == {"voice", "piano"}
    voice, piano = parts["voice"], parts["piano"]
    assert _is_sorted(voice) and _is_sorted(piano)
    assert len(voice) > 150 and len(piano) > 1000
    assert (voice[1:, 0] >= voice[:-1, 1] - 1e-9).all()          # the sung line is monophonic
    assert 55 <= voice[:, 2].min() and voice[:, 2].max() <= 80
    assert piano[:, 2].min() < voice[:, 2].min()                  # the piano goes lower than the voice
    assert piano[:, 1].max() == 246.0                             # 82 measures of 3/4


def test_bad_paths_raise_value_error():
    with pytest.raises(ValueError, match="path"):
        scores.chorale_voices("bach/no_such_chorale")
    with pytest.raises(ValueError, match="soprano"):
        scores.chorale_voices("bach/bwv846.mxl")
    with pytest.raises(ValueError, match="path"):
        scores.chorale_phrases(12)
