"""Test-set evaluation of a trained network, as in Tables III-IV (MTD) and Fig. 11 (SWD).

Networks trained with a CTC configuration have the blank in output channel 0
and the pitch classes C..B in channels 1..12; the others have the 12 pitch
classes only. Every metric reads the pitch-class channels, so all
configurations are compared on the same footing.

``with_blank`` (a bool, as in :func:`ddtw_edu.models.build_model`) says
whether a network has that blank channel; the metrics and decoders of
:mod:`ddtw_edu.evaluation` take its index instead, ``blank=0`` or None.

Networks of the onset configurations (``with_onset``, :mod:`ddtw_edu.onsets`,
MTD only) have the onset probability in channel 0 instead. Frame accuracy and
retrieval read their pitch-class channels 1..12 like any other network's; the
label error rates decode them with the onset rule
(:func:`ddtw_edu.evaluation.decoding.onset_decode`) in place of both greedy
decoding and beam search: their notes are read from the onsets, so no collapse
map is left to search over, and ``ler_beam`` repeats ``ler_greedy``.

Book: chapter 7, "Decoding one theme" (:func:`decode`) and "Which frames the accuracy
counts" (:func:`pitch_class_channels`); chapter 9, "Repetitions without a blank".
"""
import numpy as np
import torch

from ..costs import EPS
from ..data.segments import pad_context
from ..evaluation import (beam_search_decode, compute_matching_distances, frame_accuracy, greedy_decode,
                          mean_label_error_rate, onset_decode, precision_recall_f, retrieval_metrics,
                          retrieval_ranks)
from ..models import check_choice, check_extra_channel
from ..protocols import get_protocol

BEAM_WIDTH = 10


@torch.no_grad()
def predict(model, features, device="cpu"):
    """The network's probabilities for one whole item.

    Parameters
    ----------
    model : torch.nn.Module
        With a ``context`` attribute: extra input frames it consumes (0 or 74).
    features : ndarray, shape (6, 216, N)

    Returns
    -------
    X : ndarray, shape (N, K)
    """
    model.eval()
    padded = pad_context(np.asarray(features, dtype=np.float32), getattr(model, "context", 0))
    X = model(torch.from_numpy(padded)[None].to(device))
    return X[0].double().cpu().numpy()


def _blank_channel(with_blank):
    """The blank's channel index in a network's output, 0 or None; ValueError unless ``with_blank`` is a bool."""
    check_choice(with_blank, "with_blank", (False, True))
    return 0 if with_blank else None


def pitch_class_channels(X, with_blank, with_onset=False):
    """The 12 pitch-class columns of X (N, 12 + Z): drops column 0 when the network has a blank or onsets."""
    check_extra_channel(_blank_channel(with_blank) is not None, with_onset)
    return X[:, 1:] if with_blank or with_onset else X


def decode(X, with_blank, beam_width=BEAM_WIDTH, with_onset=False):
    """Greedy and beam-search pitch-class sequences (0 = C) of one prediction (Sec. VII-B-3).

    Book: chapter 7, "Decoding one theme"; chapter 9, "Repetitions without a blank".

    With ``with_onset`` (onsets in channel 0) both are the onset rule's sequence
    (:func:`ddtw_edu.evaluation.decoding.onset_decode`; see the module docstring).
    """
    check_extra_channel(_blank_channel(with_blank) is not None, with_onset)
    if with_onset:
        notes = [c - 1 for c in onset_decode(X, onset=0)]      # channel -> pitch class
        return notes, notes
    log_X = np.log(np.clip(X, EPS, None))
    blank = _blank_channel(with_blank)
    offset = 1 if with_blank else 0                # channel -> pitch class
    greedy = [c - offset for c in greedy_decode(log_X, blank)]
    beam = [c - offset for c in beam_search_decode(log_X, beam_width, blank)[0]]
    return greedy, beam


def has_repeats(labels):
    """Whether a label sequence has two equal neighbours (a repeated note), which only a blank can keep apart.

    Book: chapter 7, "Decoding one theme".
    """
    labels = np.asarray(labels)
    return bool(np.any(labels[1:] == labels[:-1]))


def _subset_ler(decoded, references, chosen):
    """Mean label error rate over the chosen themes; None when there are none."""
    pairs = [(d, r) for d, r, keep in zip(decoded, references, chosen) if keep]
    return mean_label_error_rate(*map(list, zip(*pairs))) if pairs else None


def evaluate_mtd(model, test_items, queries, documents, with_blank, device="cpu", beam_width=BEAM_WIDTH,
                 protocol="table1", with_onset=False):
    """Frame accuracy, retrieval and label error rates on the MTD test themes.

    Parameters
    ----------
    model : torch.nn.Module
    test_items : list of dict
        Test themes with ``features``, ``strong`` and ``ctc`` (labels 1..12).
    queries, documents : list
        From :func:`.data.retrieval_database`; query q belongs to document q.
    with_blank : bool
        Whether the network's channel 0 is the blank.
    protocol : {"table1", "authors"}
        Frame accuracy over sounding frames, or over all frames with rests
        scored as class 0 as in the authors' evaluation (:mod:`ddtw_edu.protocols`).
    with_onset : bool
        Whether the network's channel 0 holds onsets (decoded with the onset rule).

    Returns
    -------
    metrics : dict
        ``accuracy``; ``top1``, ``top10``, ``top50`` and ``mrr``; ``ler_greedy`` and ``ler_beam``;
        ``ler_greedy_repeats`` and ``ler_greedy_no_repeats``, the greedy LER on
        the themes with and without a repeated note (:func:`has_repeats`;
        None where the test set has no such theme), for the paper's remark on
        repeated symbols (Sec. VIII).
    predictions : list of ndarray
        X (N, 12 + Z) of each test theme.
    """
    check_extra_channel(_blank_channel(with_blank) is not None, with_onset)
    predictions = [predict(model, item["features"], device) for item in test_items]
    metrics = {"accuracy": frame_accuracy([pitch_class_channels(X, with_blank, with_onset) for X in predictions],
                                          [item["strong"] for item in test_items],
                                          rests=get_protocol(protocol).frame_accuracy_rests)}
    database = [pitch_class_channels(predict(model, doc["features"], device), with_blank, with_onset)
                for doc in documents]
    ranks = retrieval_ranks(compute_matching_distances(queries, database), np.arange(len(queries)))
    metrics.update(retrieval_metrics(ranks))
    references = [list(np.asarray(item["ctc"]) - 1) for item in test_items]
    decoded = [decode(X, with_blank, beam_width, with_onset) for X in predictions]
    metrics["ler_greedy"] = mean_label_error_rate([g for g, _ in decoded], references)
    metrics["ler_beam"] = mean_label_error_rate([b for _, b in decoded], references)
    repeats = [has_repeats(reference) for reference in references]
    greedy = [g for g, _ in decoded]
    metrics["ler_greedy_repeats"] = _subset_ler(greedy, references, repeats)
    metrics["ler_greedy_no_repeats"] = _subset_ler(greedy, references, [not r for r in repeats])
    return metrics, predictions


def evaluate_swd(model, test_items, with_blank, device="cpu", threshold=0.5):
    """Frame-wise precision, recall and F-measure at ``threshold`` on the SWD test recordings.

    The two protocols (:mod:`ddtw_edu.protocols`) evaluate SWD alike. ``with_blank``: whether
    the network's channel 0 is the blank.

    Returns
    -------
    metrics : dict
        ``precision``, ``recall``, ``f_measure``.
    predictions : list of ndarray
        X (N, 12 + Z) of each test recording.
    """
    predictions = [predict(model, item["features"], device) for item in test_items]
    P, R, F = precision_recall_f(predictions, [item["strong"] for item in test_items], threshold,
                                 blank=_blank_channel(with_blank))
    return {"precision": P, "recall": R, "f_measure": F}, predictions


__all__ = ["predict", "pitch_class_channels", "decode", "has_repeats", "evaluate_mtd", "evaluate_swd"]
