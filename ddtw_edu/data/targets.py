"""Training targets from note lists: strong, weak, CTC and stretched (paper Sec. VI-VII).

Conventions (shared with the loaders of ``ddtw_edu.data``)
----------------------------------------------------------
- A piece's notes are a float array ``notes`` of shape (K, 3) with columns
  [start_seconds, end_seconds, midi_pitch]. Functions here sort them by start,
  then pitch; equal consecutive pitches stay separate notes.
- Frame n (0-based) sits at time t_n = n * hop / sr (librosa's centred
  frames). A note is active in frame n iff start <= t_n < end.
- Pitch class = midi_pitch mod 12, index 0 = C, ..., 11 = B. As a CTC class
  index it is shifted by one (1..12), because 0 is the blank of
  :func:`ddtw_edu.ctc_loss` (``blank=0``).

The targets
-----------
strong      (N, 12) frame-wise targets for the *strong* baseline (Sec. VII-A 4):
            one-hot main melody (MTD, Sec. VI-A, VII-B) or multi-hot pitch
            classes of all sounding notes (SWD, Sec. VI-B, VII-C).
weak        (M, 12) label sequence Y without timing (Sec. II-A; Figs. 6(a),
            8(a)): equal consecutive vectors merged, rests as all-zero vectors
            (Sec. VI-A: "we model rests as all-zero vectors"). SDTW aligns with
            Y (Sec. VII-A 2); multi-label CTC uses the same Y (Sec. VI-B).
ctc         (M',) single-label CTC classes, one per note, repeated notes kept
            (Sec. VII-B 3: only the blank can represent consecutive
            repetitions; CTC-C keeps a blank transit between them, Sec. VII-A 1).
            Rests are not labels: the blank covers them.
stretched   (N, 12) the weak sequence uniformly stretched to N frames, the
            initial targets of the EM baseline (Sec. VII-A 4).

Because repeated notes collapse in Y but not in the CTC labels, M <= M' + (number
of rests): a theme with repeated notes has a weak sequence shorter than its CTC
label sequence.

Edge rests. :func:`weak_targets_from_notes` builds Y from the score alone: it
runs from the first onset to the last offset, so it has no leading or trailing
rest (the paper's y_1 is the first note of the theme, Sec. VI-A).
:func:`weak_targets_from_frames` merges frame vectors, so silent frames before
the first or after the last note become a leading or trailing rest: the
alignment paths of Sec. VII-A must start at y_1 and end at y_M, so a silent
stretch of audio needs a symbol to align to. :func:`compute_targets`, the
training pipeline, uses the frame version, as the authors' code does.

Deliberate differences from the authors' code (github.com/groupmm/dDTW_CTC)
---------------------------------------------------------------------------
- Their MTD preprocessing (``02_preprocessing_targets.ipynb``) builds the frame
  targets from ``note_list[:-1]``: the last note of every theme is missing
  from the strong, weak and stretched targets (and that time becomes a rest),
  while the CTC labels keep it. Here every note, the last one included,
  appears in all targets.
- They mark frames ``int(start * fs) <= n < int(end * fs)`` (floor of the
  onset); here frame n is active iff start <= t_n < end (the centred-frame
  rule above), so an onset between two frames activates the later one.
- Their MTD CTC labels are pitch classes 0..11 with the blank at 12; here the
  blank is 0 and pitch class p is class p + 1 (``ddtw_edu.ctc_loss``).
- (Split files: their ``pd.read_csv`` of ``MTD_split5-*.csv`` reads the first
  theme of every split as a header row and drops it; split handling lives in
  the MTD loader, not here.)

Book: chapter 7, "The data"; chapter 8, "The data, cut into segments".
"""
import numpy as np

N_PITCH_CLASSES = 12


# ----------------------------------------------------------------------------- checks

def _check_count(N, name="N"):
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {N!r}")
    return int(N)


def _check_positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def check_notes(notes, name="notes"):
    """Validate a note list and return it as float64, sorted by start then pitch.

    Parameters
    ----------
    notes : array_like, shape (K, 3)
        Rows [start_seconds, end_seconds, midi_pitch]; K = 0 is allowed.

    Returns
    -------
    notes : ndarray, shape (K, 3), float64, sorted (a copy)
    """
    try:
        notes = np.array(notes, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array of shape (K, 3): {err}") from None
    if notes.ndim == 1 and notes.size == 0:
        notes = notes.reshape(0, 3)
    if notes.ndim != 2 or notes.shape[1] != 3:
        raise ValueError(f"{name} must have shape (K, 3) [start, end, pitch], got {notes.shape}")
    if not np.isfinite(notes).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    bad = np.flatnonzero(notes[:, 1] < notes[:, 0])
    if len(bad):
        raise ValueError(f"{name} must have end >= start; row {bad[0]} is {notes[bad[0]].tolist()}")
    pitch = notes[:, 2]
    bad = np.flatnonzero((pitch < 0) | (pitch != np.round(pitch)))
    if len(bad):
        raise ValueError(f"{name} must have non-negative integer MIDI pitches; row {bad[0]} has {pitch[bad[0]]}")
    return notes[np.lexsort((notes[:, 2], notes[:, 0]))]


def pitch_classes(notes):
    """Pitch class (0 = C, ..., 11 = B) of every row of a checked note list, shape (K,)."""
    return notes[:, 2].astype(np.int64) % N_PITCH_CLASSES


# ----------------------------------------------------------------------------- frames

def frame_times(N, sr, hop):
    """Times t_n = n * hop / sr of N centred frames (seconds).

    Parameters
    ----------
    N : int
        Number of frames (>= 1).
    sr : float
        Sampling rate in Hz (> 0).
    hop : float
        Hop size in samples (> 0).

    Returns
    -------
    t : ndarray, shape (N,)
    """
    N = _check_count(N)
    sr = _check_positive(sr, "sr")
    hop = _check_positive(hop, "hop")
    return np.arange(N) * hop / sr


def note_frame_ranges(notes, N, sr, hop):
    """Frames in which each note is active: ``first[k] <= n < last[k]``.

    A note is active in frame n iff start <= t_n < end (module docstring);
    ``first == last`` for a note that covers no frame centre.

    Parameters
    ----------
    notes : ndarray, shape (K, 3)
        A note list as returned by :func:`check_notes`.
    N, sr, hop
        As in :func:`frame_times`.

    Returns
    -------
    first, last : ndarray of int, shape (K,)
    """
    t = frame_times(N, sr, hop)
    first = np.searchsorted(t, notes[:, 0], side="left")    # first frame with t_n >= start
    last = np.searchsorted(t, notes[:, 1], side="left")     # first frame with t_n >= end
    return first, np.maximum(last, first)


def monophonic_notes(notes):
    """Make a melody monophonic: every note ends at the next onset at the latest.

    This is the authors' "ensure the theme is monophonic" correction: where
    notes overlap, the later-starting note wins, and an earlier note does not
    resume after a later one ends. Of notes with the same onset, the last row
    (the highest pitch, by the sort order) wins. Notes left with no duration
    are dropped.

    Parameters
    ----------
    notes : array_like, shape (K, 3)

    Returns
    -------
    notes : ndarray, shape (K', 3), K' <= K, with end_k <= start_{k+1}
    """
    notes = check_notes(notes)
    notes[:-1, 1] = np.minimum(notes[:-1, 1], notes[1:, 0])
    return notes[notes[:, 1] > notes[:, 0]]


# ----------------------------------------------------------------------------- strong targets

def _frames_from_ranges(notes, first, last, N):
    Y = np.zeros((N, N_PITCH_CLASSES))
    for pc, a, b in zip(pitch_classes(notes), first, last):
        Y[a:b, pc] = 1.0
    return Y


def strong_melody_targets(notes, N, sr, hop):
    """One-hot pitch class of the main melody in every frame (Sec. VI-A; *strong* in Sec. VII-A 4).

    The melody is first made monophonic (:func:`monophonic_notes`): in a frame
    where notes overlap, the later-starting note wins. Every note is kept,
    including the last one (the authors' code drops it, see module docstring).

    Parameters
    ----------
    notes : array_like, shape (K, 3)
        [start_seconds, end_seconds, midi_pitch] per note.
    N : int
        Number of feature frames.
    sr, hop : float
        Sampling rate (Hz) and hop size (samples); frame n is at n * hop / sr.

    Returns
    -------
    Y : ndarray, shape (N, 12)
        One-hot rows; an all-zero row is a rest (Sec. VI-A).
    """
    notes = monophonic_notes(notes)
    first, last = note_frame_ranges(notes, N, sr, hop)
    return _frames_from_ranges(notes, first, last, N)


def strong_pitchclass_targets(notes, N, sr, hop):
    """Multi-hot pitch classes of all notes active in every frame (Sec. VI-B, VII-C).

    Parameters
    ----------
    notes : array_like, shape (K, 3)
    N : int
    sr, hop : float
        As in :func:`strong_melody_targets`.

    Returns
    -------
    Y : ndarray, shape (N, 12)
        ``Y[n, p] = 1`` iff some note of pitch class p is active in frame n.
    """
    notes = check_notes(notes)
    first, last = note_frame_ranges(notes, N, sr, hop)
    return _frames_from_ranges(notes, first, last, N)


# ----------------------------------------------------------------------------- weak targets

def merge_repeats(Y):
    """Keep the first of every run of equal consecutive rows, shape (M, ...) -> (M', ...)."""
    Y = np.asarray(Y)
    if len(Y) == 0:
        return Y.copy()
    change = (Y[1:] != Y[:-1]).reshape(len(Y) - 1, int(np.prod(Y.shape[1:]))).any(axis=1)   # -1 fails for one row
    return Y[np.concatenate([[True], change])]


def weak_targets_from_frames(strong):
    """Weak label sequence Y from frame-wise targets: equal consecutive frames merged (Figs. 6, 8).

    This is how the authors derive weak targets (for MTD and SWD alike). Rests
    are all-zero rows and are kept, also at the beginning and the end; a note
    or rest that covers no frame centre does not appear.

    Parameters
    ----------
    strong : array_like, shape (N, K)
        One-hot or multi-hot frame vectors (e.g. :func:`strong_melody_targets`).

    Returns
    -------
    Y : ndarray, shape (M, K), M <= N
    """
    strong = np.asarray(strong, dtype=np.float64)
    if strong.ndim != 2:
        raise ValueError(f"strong must have shape (N, K), got {strong.shape}")
    return merge_repeats(strong)


def weak_targets_from_notes(notes, polyphonic=False, min_duration=1e-6):
    """Weak label sequence Y from a note list, without timing (Sec. II-A, VI; Figs. 6(a), 8(a)).

    The time from the first onset to the last offset is cut at every note
    onset and offset; each piece between consecutive events gets the set of
    pitch classes sounding in it (an empty set is a rest, an all-zero vector).
    Pieces of at most ``min_duration`` seconds are ignored (rounding of
    annotated times), then equal consecutive vectors are merged.

    - ``polyphonic=False`` (main melody, Sec. VI-A): the notes are first made
      monophonic (:func:`monophonic_notes`), so Y lists one pitch class per
      note in order; repeated notes collapse into one symbol, and a gap between
      notes longer than ``min_duration`` becomes a rest.
    - ``polyphonic=True`` (Sec. VI-B): Y is the sequence of distinct sets of
      sounding pitch classes, e.g. a chord re-struck with the same pitch
      classes stays one vector.

    Y has no leading or trailing rest: y_1 is the first note (Sec. VI-A).

    Parameters
    ----------
    notes : array_like, shape (K, 3)
    polyphonic : bool
    min_duration : float
        Seconds (>= 0); shorter pieces, e.g. tiny gaps between notes, are dropped.

    Returns
    -------
    Y : ndarray, shape (M, 12)
        One-hot (monophonic) or multi-hot rows; all-zero rows are rests.
    """
    if isinstance(min_duration, bool) or not isinstance(min_duration, (int, float, np.integer, np.floating)) \
            or not min_duration >= 0:
        raise ValueError(f"min_duration must be a number >= 0, got {min_duration!r}")
    notes = check_notes(notes) if polyphonic else monophonic_notes(notes)
    notes = notes[notes[:, 1] > notes[:, 0]]                 # a note of no duration never sounds
    if len(notes) == 0:
        return np.zeros((0, N_PITCH_CLASSES))
    events = np.unique(notes[:, :2])
    piece_start, piece_end = events[:-1], events[1:]
    keep = piece_end - piece_start > min_duration
    active = (notes[:, 0] <= piece_start[:, None]) & (piece_start[:, None] < notes[:, 1])   # (pieces, K)
    one_hot = np.eye(N_PITCH_CLASSES)[pitch_classes(notes)]                                   # (K, 12)
    Y = (active.astype(np.float64) @ one_hot > 0).astype(np.float64)
    return merge_repeats(Y[keep])


def mctc_targets_from_notes(notes, min_duration=1e-6):
    """Multi-hot label sequence for multi-label CTC (Sec. VI-B 1, Fig. 8).

    The paper defines one label sequence Y for multi-label CTC and SDTW (Fig.
    8(a) is Y, 8(b) its extension Y^e), and the authors' SWD code feeds both
    losses the same merged frame sequence. So this is
    ``weak_targets_from_notes(notes, polyphonic=True)``: equal consecutive sets
    merged (a repeated chord is one label), rests as all-zero vectors. Unlike
    single-label CTC, repeats are not kept: a multi-hot label has no note
    identity to repeat.

    Parameters
    ----------
    notes : array_like, shape (K, 3)
    min_duration : float

    Returns
    -------
    Y : ndarray, shape (M, 12)
    """
    return weak_targets_from_notes(notes, polyphonic=True, min_duration=min_duration)


def ctc_labels_from_notes(notes):
    """Single-label CTC label sequence: one class per note, 1..12 = pitch class + 1 (Sec. II-A, VI-A 1).

    Every row of ``notes`` gives a label, in onset order; repeated notes are not
    merged (CTC separates them with a blank, Eq. (1)), rests give no label.
    For a melody with simultaneous onsets, pass :func:`monophonic_notes` of it
    to match the frame targets.

    Parameters
    ----------
    notes : array_like, shape (K, 3)

    Returns
    -------
    labels : ndarray of int64, shape (K,)
        Values in 1..12; 0 is reserved for the blank.
    """
    return pitch_classes(check_notes(notes)) + 1


# ----------------------------------------------------------------------------- EM baseline

def stretch_targets(Y, N):
    """The weak sequence uniformly stretched to N frames (EM baseline, Sec. VII-A 4).

    Frame n gets target ``floor(n * M / N)`` (integer arithmetic), the
    authors' rule ``(np.linspace(0, 1, N, endpoint=False) * M).astype(int)``
    without its float rounding. The indices are non-decreasing, start at 0,
    and for N >= M every target gets floor(N / M) or ceil(N / M) consecutive
    frames and the last frame gets y_M. For N < M some targets are skipped.

    Parameters
    ----------
    Y : array_like, shape (M, ...)
        Weak targets (M >= 1), e.g. (M, 12).
    N : int
        Number of frames (>= 1).

    Returns
    -------
    Y_stretched : ndarray, shape (N, ...)
    """
    N = _check_count(N)
    Y = np.asarray(Y)
    if Y.ndim < 1 or len(Y) < 1:
        raise ValueError(f"Y must hold at least one target along axis 0, got shape {Y.shape}")
    return Y[(np.arange(N) * len(Y)) // N]


# ----------------------------------------------------------------------------- all at once

def compute_targets(notes, N, sr, hop, polyphonic=False, drop_last_note=False):
    """All targets of one excerpt with N feature frames, as the training pipeline uses them.

    ``strong`` is :func:`strong_melody_targets` (``polyphonic=False``, MTD) or
    :func:`strong_pitchclass_targets` (``polyphonic=True``, SWD); ``weak`` is
    :func:`weak_targets_from_frames` of it (so every weak symbol occurs in the
    frames and the strong targets are one alignment of Y); ``stretched`` is
    :func:`stretch_targets` of ``weak``. For a melody, ``ctc`` holds the labels
    of the notes (after :func:`monophonic_notes`) that are active in at least
    one of the N frames. Multi-label CTC uses ``weak`` (see
    :func:`mctc_targets_from_notes`).

    Parameters
    ----------
    notes : array_like, shape (K, 3)
        Times relative to the excerpt's first frame.
    N : int
    sr, hop : float
    polyphonic : bool
    drop_last_note : bool
        The authors' MTD preprocessing (``protocol="authors"``, see
        :mod:`ddtw_edu.protocols` and the module docstring): the strong, weak
        and stretched targets leave out the last note (its frames become a
        rest); the CTC labels keep it.

    Returns
    -------
    dict
        ``strong`` (N, 12), ``weak`` (M, 12), ``stretched`` (N, 12), and for
        ``polyphonic=False`` also ``ctc`` (M',) int64 in 1..12.
    """
    notes = check_notes(notes) if polyphonic else monophonic_notes(notes)
    first, last = note_frame_ranges(notes, N, sr, hop)
    framed = len(notes) - 1 if drop_last_note and len(notes) else len(notes)
    strong = _frames_from_ranges(notes[:framed], first[:framed], last[:framed], N)
    weak = weak_targets_from_frames(strong)
    targets = {"strong": strong, "weak": weak, "stretched": stretch_targets(weak, N)}
    if not polyphonic:
        targets["ctc"] = ctc_labels_from_notes(notes[last > first])
    return targets


__all__ = ["N_PITCH_CLASSES", "check_notes", "pitch_classes", "frame_times", "note_frame_ranges",
           "monophonic_notes", "strong_melody_targets", "strong_pitchclass_targets", "merge_repeats",
           "weak_targets_from_frames", "weak_targets_from_notes", "mctc_targets_from_notes",
           "ctc_labels_from_notes", "stretch_targets", "compute_targets"]
