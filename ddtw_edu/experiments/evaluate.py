"""Test-set evaluation of a trained network, as in Tables III-IV (MTD) and Fig. 11 (SWD).

Networks trained with a CTC configuration have the blank in output channel 0
and the pitch classes C..B in channels 1..12; the others have the 12 pitch
classes only. Every metric reads the pitch-class channels, so all
configurations are compared on the same footing.
"""
import numpy as np
import torch

from ..costs import EPS
from ..data.segments import pad_context
from ..evaluation import (beam_search_decode, compute_matching_distances, frame_accuracy, greedy_decode,
                          mean_label_error_rate, precision_recall_f, retrieval_metrics, retrieval_ranks)
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
    X : ndarray, shape (N, D)
    """
    model.eval()
    padded = pad_context(np.asarray(features, dtype=np.float32), getattr(model, "context", 0))
    X = model(torch.from_numpy(padded)[None].to(device))
    return X[0].double().cpu().numpy()


def pitch_class_channels(X, blank):
    """The 12 pitch-class columns of X (N, 12 + Z): drops column 0 when the network has a blank."""
    return X[:, 1:] if blank else X


def decode(X, blank, beam_width=BEAM_WIDTH):
    """Greedy and beam-search pitch-class sequences (0 = C) of one prediction (Sec. VII-B-3)."""
    log_X = np.log(np.clip(X, EPS, None))
    blank_index = 0 if blank else None
    offset = 1 if blank else 0                     # channel -> pitch class
    greedy = [c - offset for c in greedy_decode(log_X, blank_index)]
    beam = [c - offset for c in beam_search_decode(log_X, beam_width, blank_index)[0]]
    return greedy, beam


def evaluate_mtd(model, test_items, queries, documents, blank, device="cpu", beam_width=BEAM_WIDTH,
                 protocol="table1"):
    """Frame accuracy, retrieval and label error rates on the MTD test themes.

    Parameters
    ----------
    model : torch.nn.Module
    test_items : list of dict
        Test themes with ``features``, ``strong`` and ``ctc`` (labels 1..12).
    queries, documents : list
        From :func:`.data.retrieval_database`; query q belongs to document q.
    blank : bool
        Whether the network's channel 0 is the blank.
    protocol : {"table1", "authors"}
        Frame accuracy over sounding frames, or over all frames with rests
        scored as class 0 as in the authors' evaluation (:mod:`ddtw_edu.protocols`).

    Returns
    -------
    metrics : dict
        ``accuracy``; ``top1``, ``top10``, ``top50`` and ``mrr``; ``ler_greedy`` and ``ler_beam``.
    predictions : list of ndarray
        X (N, 12 + Z) of each test theme.
    """
    predictions = [predict(model, item["features"], device) for item in test_items]
    metrics = {"accuracy": frame_accuracy(predictions, [item["strong"] for item in test_items],
                                          blank=0 if blank else None,
                                          rests=get_protocol(protocol).frame_accuracy_rests)}
    database = [pitch_class_channels(predict(model, doc["features"], device), blank) for doc in documents]
    ranks = retrieval_ranks(compute_matching_distances(queries, database), np.arange(len(queries)))
    metrics.update(retrieval_metrics(ranks))
    references = [list(np.asarray(item["ctc"]) - 1) for item in test_items]
    decoded = [decode(X, blank, beam_width) for X in predictions]
    metrics["ler_greedy"] = mean_label_error_rate([g for g, _ in decoded], references)
    metrics["ler_beam"] = mean_label_error_rate([b for _, b in decoded], references)
    return metrics, predictions


def evaluate_swd(model, test_items, blank, device="cpu", threshold=0.5):
    """Frame-wise precision, recall and F-measure at ``threshold`` on the SWD test recordings.

    The two protocols (:mod:`ddtw_edu.protocols`) evaluate SWD alike.

    Returns
    -------
    metrics : dict
        ``precision``, ``recall``, ``f_measure``.
    predictions : list of ndarray
        X (N, 12 + Z) of each test recording.
    """
    predictions = [predict(model, item["features"], device) for item in test_items]
    P, R, F = precision_recall_f(predictions, [item["strong"] for item in test_items], threshold,
                                 blank=0 if blank else None)
    return {"precision": P, "recall": R, "f_measure": F}, predictions


__all__ = ["predict", "pitch_class_channels", "decode", "evaluate_mtd", "evaluate_swd"]
