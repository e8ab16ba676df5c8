"""CTC-style sequence decoding and the label error rate (Sec. VII-B 3, Table IV).

Conventions
-----------
- ``log_probs`` has shape (N, K): ``log_probs[n, k] = log p(k | x_n)`` for
  frame n and channel k (both 0-based; K as in book/notation.md), e.g. the log of a softmax output.
  ``-inf`` (probability 0) is allowed, NaN is not.
- ``blank`` is the channel index of the CTC blank (ddtw_edu's CTC models use
  0, so pitch class p is channel p + 1, as in the CTC labels of
  :mod:`ddtw_edu.data.targets`), or None for models without a blank (the
  SDTW models, K = 12, channel = pitch class).
- Decoders return raw channel indices: compare them with references in the
  same indexing.
- The collapse map turns a frame-wise path into a label sequence: merge runs
  of equal symbols, then delete blanks. Without a blank only the merging is
  left, so no decoded sequence can hold the same label twice in a row: a
  repeated note needs the blank (Sec. VII-E 3), or an onset channel
  (:func:`onset_decode`, :mod:`ddtw_edu.onsets`).

Book: chapter 7, "Decoding one theme"; chapter 9, "Repetitions without a blank"
(:func:`onset_decode`).
"""
import math
from collections import defaultdict

import numpy as np

from ..parameters import check_blank


def greedy_decode(log_probs, blank=None):
    """Best path decoding: the most probable channel per frame, collapsed.

    Book: chapter 7, "Decoding one theme".

    Parameters
    ----------
    log_probs : ndarray, shape (N, K)
        Frame-wise log-probabilities (probabilities give the same result).
    blank : int or None
        Blank channel, removed after merging repeats; None: only merge.

    Returns
    -------
    labels : list of int
        Channel indices (the first maximal channel on ties).
    """
    log_probs = _check_log_probs(log_probs, blank)
    best = log_probs.argmax(axis=1)
    starts_run = np.ones(len(best), dtype=bool)
    starts_run[1:] = best[1:] != best[:-1]
    labels = best[starts_run]
    if blank is not None:
        labels = labels[labels != blank]
    return labels.tolist()


def onset_decode(X, onset=0, threshold=0.5):
    """Note sequence of a network with an onset channel: a new note at every onset.

    Book: chapter 9, "Repetitions without a blank".

    The rule. An onset is the first frame of every run of frames with
    ``X[n, onset] >= threshold``. Notes start at frame 0 (where every
    alignment path of :mod:`ddtw_edu.onsets` starts its first note) and at each
    onset after it; a note's class is the channel with the largest summed
    probability over its frames, up to the frame before the next onset. So a
    repeated note comes out twice when the onset channel fires twice, which
    the collapse map of :func:`greedy_decode` cannot do. If no frame reaches
    the threshold, the network has shown no onset at all, and the result is
    :func:`greedy_decode` of the class channels (runs merged).

    Why the first frame of a run and not every local maximum: the alignment
    gives a note one onset frame and at least one sustain frame, so two notes
    never start in adjacent frames; a run above the threshold is one blurred
    onset, and counting its local maxima would split a run with two bumps
    into two notes (and would need a rule for plateaus).

    Parameters
    ----------
    X : ndarray, shape (N, K)
        Probabilities: the onset probability in channel ``onset``, the classes
        in the other channels.
    onset : int
        Channel index of the onsets (0 in ddtw_edu's onset networks).
    threshold : float
        Onset probability at which a frame counts, in (0, 1].

    Returns
    -------
    labels : list of int
        Channel indices of X (never ``onset``), as :func:`greedy_decode` returns them.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"X must have shape (N, K) with K >= 2 (onsets and classes), got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X must be finite (probabilities)")
    if isinstance(onset, bool) or not isinstance(onset, (int, np.integer)) or not 0 <= onset < X.shape[1]:
        raise ValueError(f"onset must be a channel index in [0, {X.shape[1]}), got {onset!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)) \
            or not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a number in (0, 1], got {threshold!r}")
    classes = np.delete(np.arange(X.shape[1]), onset)        # channel of each class column
    P = X[:, classes]
    above = X[:, onset] >= threshold
    onsets = np.flatnonzero(above & ~np.concatenate([[False], above[:-1]]))
    if len(onsets) == 0:
        return classes[greedy_decode(P)].tolist()
    starts = np.union1d([0], onsets)
    return classes[np.add.reduceat(P, starts, axis=0).argmax(axis=1)].tolist()


def beam_search_decode(log_probs, beam_width=10, blank=None):
    """CTC prefix beam search (Graves 2012, paper ref. [8]; Hannun et al. 2014).

    Book: chapter 7, "Decoding one theme".

    After each frame n it keeps the ``beam_width`` most probable label
    sequences (prefixes) y, each with the summed probability of all paths
    over frames 0..n that collapse to y, split by whether frame n is a blank
    (``b``) or a symbol (``s``): only after a blank can the last label be
    repeated as a new label. All sums are ``log(exp(a) + exp(b))`` with the
    larger term factored out.

    If no prefix is ever pruned (a wide beam), the result is the exact most
    probable label sequence and its exact log-probability. Otherwise the
    returned log-probability counts only the paths that stayed in the beam,
    a lower bound of the sequence's probability.

    Parameters
    ----------
    log_probs : ndarray, shape (N, K)
        Frame-wise log-probabilities.
    beam_width : int
        Number of prefixes kept after each frame, >= 1.
    blank : int or None
        Blank channel; None: paths collapse by merging repeats only.

    Returns
    -------
    labels : list of int
        The most probable prefix in the final beam, as channel indices.
    log_probability : float
        Its log-probability as accumulated in the beam.
    """
    log_probs = _check_log_probs(log_probs, blank)
    if isinstance(beam_width, bool) or not isinstance(beam_width, (int, np.integer)) or beam_width < 1:
        raise ValueError(f"beam_width must be an int >= 1, got {beam_width!r}")
    symbols = [d for d in range(log_probs.shape[1]) if d != blank]
    # Before frame 0 the empty prefix has probability 1; filing it under "b"
    # lets any first symbol start a label.
    beam = {(): (0.0, -math.inf)}
    for frame in log_probs.tolist():
        extended = defaultdict(lambda: [-math.inf, -math.inf])
        for prefix, (b, s) in beam.items():
            total = _log_add(b, s)
            if blank is not None:
                stay = extended[prefix]
                stay[0] = _log_add(stay[0], total + frame[blank])
            last = prefix[-1] if prefix else None
            for d in symbols:
                if d != last:
                    grown = extended[prefix + (d,)]
                    grown[1] = _log_add(grown[1], total + frame[d])
                    continue
                stay = extended[prefix]
                stay[1] = _log_add(stay[1], s + frame[d])  # same run: merges into the last label
                if b > -math.inf:  # a blank separated the runs: a new, repeated label
                    grown = extended[prefix + (d,)]
                    grown[1] = _log_add(grown[1], b + frame[d])
        ranked = sorted(extended.items(), key=lambda item: _log_add(*item[1]), reverse=True)
        beam = dict(ranked[:beam_width])
    labels, (b, s) = max(beam.items(), key=lambda item: _log_add(*item[1]))
    return list(labels), _log_add(b, s)


def edit_distance(a, b):
    """Levenshtein distance: fewest insertions, deletions and substitutions turning a into b.

    Parameters
    ----------
    a, b : sequence, shape (len_a,) and (len_b,)
        Label sequences (elements compared with ``==``).

    Returns
    -------
    distance : int
    """
    a, b = _as_labels(a, "a"), _as_labels(b, "b")
    # previous[j] = distance between the first i - 1 labels of a and the first j of b
    previous = list(range(len(b) + 1))
    for i, a_i in enumerate(a, start=1):
        current = [i]
        for j, b_j in enumerate(b, start=1):
            current.append(min(previous[j] + 1,  # delete a_i
                               current[j - 1] + 1,  # insert b_j
                               previous[j - 1] + (a_i != b_j)))  # substitute or match
        previous = current
    return previous[-1]


def label_error_rate(hypothesis, reference):
    """Label error rate (LER): ``edit_distance(hypothesis, reference) / len(reference)``.

    It exceeds 1 when the hypothesis needs more edits than the reference has
    labels (many insertions), as for some beam-search results in Table IV.

    Parameters
    ----------
    hypothesis : sequence, shape (L_hyp,)
    reference : sequence, shape (L_ref,), L_ref >= 1

    Returns
    -------
    ler : float
    """
    reference = _as_labels(reference, "reference")
    if not reference:
        raise ValueError("reference must hold at least one label (the LER divides by its length)")
    return edit_distance(hypothesis, reference) / len(reference)


def mean_label_error_rate(hypotheses, references):
    """Mean of the per-item LERs over a data set, as reported in Table IV.

    Every item weighs the same, whatever its length (the authors' evaluation
    averages this way; a pooled rate, total edits / total reference labels,
    would weigh long items more).

    Parameters
    ----------
    hypotheses, references : list of sequences
        Decoded and reference label sequences of the same items.

    Returns
    -------
    ler : float
    """
    if len(hypotheses) != len(references) or len(references) == 0:
        raise ValueError("hypotheses and references must list the same, nonzero number of items, "
                         f"got {len(hypotheses)} and {len(references)}")
    return float(np.mean([label_error_rate(h, r) for h, r in zip(hypotheses, references)]))


def _log_add(a, b):
    """log(exp(a) + exp(b)) without overflow or underflow to -inf."""
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


def _check_log_probs(log_probs, blank):
    log_probs = np.asarray(log_probs, dtype=np.float64)
    if log_probs.ndim != 2:
        raise ValueError(f"log_probs must have shape (N, K), got {log_probs.shape}")
    if np.isnan(log_probs).any() or np.isposinf(log_probs).any():
        raise ValueError("log_probs must be finite or -inf (no NaN, no +inf)")
    check_blank(blank, log_probs.shape[1])
    return log_probs


def _as_labels(sequence, name):
    sequence = np.asarray(sequence)
    if sequence.ndim != 1:
        raise ValueError(f"{name} must be a 1-D label sequence, got shape {sequence.shape}")
    return sequence.tolist()
