"""Targets from note lists (ddtw_edu.data.targets), on hand-computed toy pieces.

Frames: sr = 4 Hz, hop = 1 sample, so frame n sits at t_n = n / 4 s, exact in
binary floating point: t = 0, .25, .5, .75, 1, 1.25, ...
Pitch classes: C = 0, D = 2, E = 4, F = 5, G = 7, A = 9.
"""
import numpy as np
import pytest

from ddtw_edu.data.targets import (check_notes, compute_targets, ctc_labels_from_notes, frame_times,
                                   mctc_targets_from_notes, merge_repeats, monophonic_notes,
                                   strong_melody_targets, strong_pitchclass_targets, stretch_targets,
                                   weak_targets_from_frames, weak_targets_from_notes)

SR, HOP = 4, 1
C, D, E, F, G, A = 0, 2, 4, 5, 7, 9
REST = -1

# D D D (repeated notes), E, rest, C (the last note); MIDI 62 = D4, 64 = E4, 72 = C5
MELODY = [[0.00, 0.50, 62],
          [0.50, 0.75, 62],
          [0.75, 1.00, 62],
          [1.00, 1.50, 64],
          [2.00, 2.50, 72]]


def one_hot_rows(classes, K=12):
    """(len, K) rows with a one at each class; REST gives an all-zero row."""
    Y = np.zeros((len(classes), K))
    for m, c in enumerate(classes):
        if c != REST:
            Y[m, c] = 1.0
    return Y


def multi_hot_rows(sets, K=12):
    Y = np.zeros((len(sets), K))
    for m, s in enumerate(sets):
        Y[m, list(s)] = 1.0
    return Y


# ----------------------------------------------------------------------------- frames

def test_frame_times_are_n_hop_over_sr():
    np.testing.assert_array_equal(frame_times(5, 22050, 512), np.arange(5) * 512 / 22050)
    np.testing.assert_array_equal(frame_times(4, SR, HOP), [0.0, 0.25, 0.5, 0.75])


def test_strong_melody_by_hand_keeps_last_note():
    Y = strong_melody_targets(MELODY, 12, SR, HOP)
    expected = one_hot_rows([D, D, D, D, E, E, REST, REST, C, C, REST, REST])
    np.testing.assert_array_equal(Y, expected)
    assert Y[8:10, C].all()      # the last note (the authors' code drops it)


def test_note_is_active_iff_start_le_t_lt_end():
    # start 0.3 lies between t_1 = .25 and t_2 = .5; end 1.0 = t_4 is excluded
    Y = strong_melody_targets([[0.3, 1.0, 60]], 6, SR, HOP)
    np.testing.assert_array_equal(Y[:, C], [0, 0, 1, 1, 0, 0])
    # a note covering no frame centre is absent
    assert strong_melody_targets([[0.3, 0.45, 60]], 6, SR, HOP).sum() == 0


def test_overlapping_melody_notes_later_start_wins():
    overlap = [[0.0, 1.0, 60], [0.5, 1.5, 64]]
    np.testing.assert_array_equal(strong_melody_targets(overlap, 6, SR, HOP),
                                  one_hot_rows([C, C, E, E, E, E]))
    nested = [[0.0, 2.0, 60], [0.5, 1.0, 64]]          # C does not resume after E
    np.testing.assert_array_equal(strong_melody_targets(nested, 8, SR, HOP),
                                  one_hot_rows([C, C, E, E, REST, REST, REST, REST]))
    same_onset = [[0.0, 1.0, 64], [0.0, 1.0, 60]]      # sorted by pitch: the higher (E) wins
    np.testing.assert_array_equal(strong_melody_targets(same_onset, 4, SR, HOP), one_hot_rows([E] * 4))
    np.testing.assert_array_equal(monophonic_notes(nested), [[0.0, 0.5, 60], [0.5, 1.0, 64]])


def test_strong_pitchclass_by_hand():
    notes = [[0.0, 1.0, 48],    # C3
             [0.0, 1.0, 60],    # C4, same pitch class: one entry
             [0.5, 1.5, 64],    # E4 enters while C sounds
             [1.0, 1.5, 67]]    # G4
    Y = strong_pitchclass_targets(notes, 8, SR, HOP)
    np.testing.assert_array_equal(Y, multi_hot_rows([{C}, {C}, {C, E}, {C, E}, {E, G}, {E, G}, set(), set()]))


# ----------------------------------------------------------------------------- weak and CTC

def test_repeated_notes_make_weak_shorter_than_ctc():
    Y = weak_targets_from_notes(MELODY)
    labels = ctc_labels_from_notes(MELODY)
    np.testing.assert_array_equal(Y, one_hot_rows([D, E, REST, C]))
    np.testing.assert_array_equal(labels, [D + 1, D + 1, D + 1, E + 1, C + 1])
    assert labels.dtype == np.int64
    # without the rest: weak (D, E) against CTC (D, D, E)
    legato = [[0.0, 0.5, 62], [0.5, 1.0, 62], [1.0, 1.5, 64]]
    assert len(weak_targets_from_notes(legato)) == 2 < len(ctc_labels_from_notes(legato)) == 3


def test_rests_are_all_zero_and_edges_differ_by_design():
    from_notes = weak_targets_from_notes(MELODY)
    assert not from_notes[2].any() and from_notes[[0, 1, 3]].sum(axis=1).tolist() == [1, 1, 1]
    # from frames: silent frames after the last note give a trailing rest ...
    from_frames = weak_targets_from_frames(strong_melody_targets(MELODY, 12, SR, HOP))
    np.testing.assert_array_equal(from_frames, one_hot_rows([D, E, REST, C, REST]))
    # ... and frames ending with the last note give the score's sequence
    np.testing.assert_array_equal(weak_targets_from_frames(strong_melody_targets(MELODY, 10, SR, HOP)),
                                  from_notes)
    # a leading silence is a rest in the frames, not in the score
    late = [[0.5, 1.0, 60]]
    np.testing.assert_array_equal(weak_targets_from_notes(late), one_hot_rows([C]))
    np.testing.assert_array_equal(weak_targets_from_frames(strong_melody_targets(late, 4, SR, HOP)),
                                  one_hot_rows([REST, C]))


def test_min_duration_ignores_tiny_gaps():
    notes = [[0.0, 1.0, 60], [1.0 + 1e-9, 2.0, 64], [2.1, 3.0, 67]]
    np.testing.assert_array_equal(weak_targets_from_notes(notes), one_hot_rows([C, E, REST, G]))
    np.testing.assert_array_equal(weak_targets_from_notes(notes, min_duration=0.2), one_hot_rows([C, E, G]))
    np.testing.assert_array_equal(weak_targets_from_notes(notes, min_duration=0.0),
                                  one_hot_rows([C, REST, E, REST, G]))


def test_polyphonic_sets_are_merged():
    notes = [[0.0, 1.0, 60], [0.0, 1.0, 64], [0.0, 1.0, 67],    # C major chord ...
             [0.0, 0.5, 76], [0.5, 1.0, 79],                    # ... under a voice E5, G5: same set {C, E, G}
             [1.0, 1.5, 65], [1.0, 1.5, 69], [1.0, 1.5, 72],    # F major chord {C, F, A}
             [2.0, 2.5, 60], [2.0, 2.5, 64], [2.0, 2.5, 67]]    # rest, then C major again
    expected = multi_hot_rows([{C, E, G}, {C, F, A}, set(), {C, E, G}])
    np.testing.assert_array_equal(weak_targets_from_notes(notes, polyphonic=True), expected)
    np.testing.assert_array_equal(weak_targets_from_frames(strong_pitchclass_targets(notes, 10, SR, HOP)),
                                  expected)
    staggered = [[0.0, 1.0, 60], [0.5, 1.5, 64]]
    np.testing.assert_array_equal(weak_targets_from_notes(staggered, polyphonic=True),
                                  multi_hot_rows([{C}, {C, E}, {E}]))
    # the monophonic reading of the same notes keeps one pitch class per note
    np.testing.assert_array_equal(weak_targets_from_notes(staggered), one_hot_rows([C, E]))


def test_mctc_targets_are_the_merged_weak_sequence():
    repeated_chord = [[0.0, 0.5, 60], [0.0, 0.5, 63], [0.5, 1.0, 60], [0.5, 1.0, 63], [1.0, 1.5, 62]]
    Y = mctc_targets_from_notes(repeated_chord)
    np.testing.assert_array_equal(Y, multi_hot_rows([{0, 3}, {D}]))
    np.testing.assert_array_equal(Y, weak_targets_from_notes(repeated_chord, polyphonic=True))


def test_merge_repeats_and_empty_inputs():
    np.testing.assert_array_equal(merge_repeats(np.array([1, 1, 2, 2, 1])), [1, 2, 1])
    np.testing.assert_array_equal(merge_repeats(np.ones((1, 12))), np.ones((1, 12)))
    assert weak_targets_from_notes(np.zeros((0, 3))).shape == (0, 12)
    assert ctc_labels_from_notes(np.zeros((0, 3))).shape == (0,)
    assert strong_pitchclass_targets(np.zeros((0, 3)), 3, SR, HOP).sum() == 0


def test_notes_are_sorted_by_start_then_pitch():
    shuffled = [MELODY[i] for i in (4, 1, 0, 3, 2)]
    np.testing.assert_array_equal(check_notes(shuffled), MELODY)
    np.testing.assert_array_equal(ctc_labels_from_notes(shuffled), ctc_labels_from_notes(MELODY))


# ----------------------------------------------------------------------------- stretching

def test_stretch_targets_by_hand():
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(stretch_targets(Y, 7), Y[[0, 0, 0, 1, 1, 2, 2]])
    np.testing.assert_array_equal(stretch_targets(Y, 3), Y)


@pytest.mark.parametrize("M", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("N", [1, 4, 7, 8, 13, 40])
def test_stretch_targets_covers_all_frames_in_order(M, N):
    index = stretch_targets(np.arange(M), N)
    assert index.shape == (N,) and index[0] == 0
    assert (np.diff(index) >= 0).all() and (np.diff(index) <= max(1, -(-M // N))).all()
    if N >= M:
        counts = np.bincount(index, minlength=M)
        assert index[-1] == M - 1 and set(counts) <= {N // M, -(-N // M)}


# ----------------------------------------------------------------------------- all targets

def test_compute_targets_melody():
    T = compute_targets(MELODY + [[3.5, 4.0, 65]], 12, SR, HOP)    # the last note starts after the frames
    assert set(T) == {"strong", "weak", "stretched", "ctc"}
    np.testing.assert_array_equal(T["strong"], strong_melody_targets(MELODY, 12, SR, HOP))
    np.testing.assert_array_equal(T["weak"], one_hot_rows([D, E, REST, C, REST]))
    np.testing.assert_array_equal(T["stretched"], stretch_targets(T["weak"], 12))
    np.testing.assert_array_equal(T["ctc"], [D + 1, D + 1, D + 1, E + 1, C + 1])   # F is in no frame


def test_compute_targets_polyphonic():
    notes = [[0.0, 1.0, 60], [0.5, 1.0, 64]]
    T = compute_targets(notes, 5, SR, HOP, polyphonic=True)
    assert "ctc" not in T
    np.testing.assert_array_equal(T["weak"], multi_hot_rows([{C}, {C, E}, set()]))
    assert T["strong"].shape == T["stretched"].shape == (5, 12)


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, match", [
    (lambda: frame_times(0, SR, HOP), "N must"),
    (lambda: frame_times(2.5, SR, HOP), "N must"),
    (lambda: frame_times(3, 0, HOP), "sr must"),
    (lambda: frame_times(3, SR, -1), "hop must"),
    (lambda: strong_melody_targets(MELODY, 4, SR, 0), "hop must"),
    (lambda: strong_melody_targets(np.zeros((2, 2)), 4, SR, HOP), r"notes must have shape \(K, 3\)"),
    (lambda: strong_pitchclass_targets([[1.0, 0.5, 60]], 4, SR, HOP), "end >= start"),
    (lambda: weak_targets_from_notes([[0.0, 0.5, -1]]), "non-negative integer"),
    (lambda: ctc_labels_from_notes([[0.0, 0.5, 60.5]]), "non-negative integer"),
    (lambda: ctc_labels_from_notes([[0.0, np.nan, 60]]), "finite"),
    (lambda: weak_targets_from_notes(MELODY, min_duration=-1), "min_duration"),
    (lambda: weak_targets_from_frames(np.zeros(3)), r"strong must have shape"),
    (lambda: stretch_targets(np.zeros((0, 12)), 4), "Y must"),
    (lambda: stretch_targets(np.zeros((2, 12)), 0), "N must"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
