"""Evaluation of the paper's experiments (Sec. VII), in NumPy.

metrics     frame-wise pitch-class accuracy (MTD, Sec. VII-B 2, Table III),
            precision / recall / F-measure (SWD, Sec. VII-C 2, Fig. 11),
            min / median / max / mean over training runs
decoding    greedy and prefix beam-search decoding, edit distance and label
            error rate (LER) (Sec. VII-B 3, Table IV); decoding by onsets
            (:mod:`ddtw_edu.onsets`)
retrieval   theme retrieval by subsequence DTW with cosine costs, ranks,
            top-k rates and MRR (Sec. VII-B 2, Table III)
"""
from .decoding import (beam_search_decode, edit_distance, greedy_decode, label_error_rate, mean_label_error_rate,
                       onset_decode)
from .metrics import frame_accuracy, precision_recall_f, summarize_runs
from .retrieval import (compute_matching_distances, cosine_distance, retrieval_metrics, retrieval_ranks,
                        subsequence_dtw, subsequence_path)

__all__ = ["frame_accuracy", "precision_recall_f", "summarize_runs",
           "greedy_decode", "beam_search_decode", "onset_decode", "edit_distance", "label_error_rate", "mean_label_error_rate",
           "cosine_distance", "subsequence_dtw", "subsequence_path", "compute_matching_distances",
           "retrieval_ranks", "retrieval_metrics"]
