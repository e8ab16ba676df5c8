"""Soft alignments of a trained network's predictions, as drawn in Fig. 10 (right column).

For a Table I configuration, the soft alignment is E of dDTW (Eq. 19) on the
configuration's own cost matrix (the cost it trains with,
:func:`ddtw_edu.training.objectives.config_cost`) and building blocks: the CTC configurations
align X with the extended label sequence (blanks at the even 0-based
positions), the SDTW configurations with the weak targets. The reference
alignment of Fig. 10(f) comes from the strong annotation instead: frame n is
aligned to the weak target whose run of frames contains n.

Book: chapter 7, "Predictions and alignments (Fig. 9)"; chapter 8, "Predictions and soft
alignments (Fig. 10)" and "What reproduces, and what does not".
"""
import numpy as np
import torch

from ..alignment import ddtw
from ..configs import CONFIGS, CTC_CONFIGS, ctc_config, extended_labels, sdtw_config
from ..data.targets import weak_targets_from_frames
from ..reachability import usable_cells
from ..training.objectives import config_cost


def alignment_targets(config, example, multilabel):
    """What a configuration aligns X with: class indices of Y^e (single-label CTC) or rows of Y.

    Parameters
    ----------
    config : str
        A Table I configuration.
    example : dict
        ``strong`` (N, 12) and, single-label, ``ctc`` (M,) labels in 1..12.
    multilabel : bool

    Returns
    -------
    ndarray
        (2M + 1,) int for single-label CTC, else the weak targets (M, 12).
    """
    if config_cost(config, multilabel)[1] == "ctc":          # the labels, read as Y^e
        return extended_labels(np.asarray(example["ctc"]))
    return weak_targets_from_frames(example["strong"])


def compute_soft_alignment(config, X, example, multilabel, gamma=1.0, backend="numba", minimum="softmin",
                           protocol="table1"):
    """E of dDTW for predictions X under ``config``'s costs and building blocks.

    Book: chapter 7, "Predictions and alignments (Fig. 9)"; chapter 8, "Predictions and soft
    alignments (Fig. 10)".

    Parameters
    ----------
    config : str
        One of ``ddtw_edu.CONFIGS``.
    X : ndarray, shape (N, 12 + Z)
        The network's probabilities, blank in channel 0 for CTC configurations.
    example : dict
        With ``strong`` (N, 12) and, single-label, ``ctc``.
    multilabel : bool
    gamma : float
    backend : {"numpy", "numba"}
    minimum : {"softmin", "sparsemin", "hardmin"}
    protocol : {"table1", "authors"}
        The costs and CTC weights of Table I or of the authors' code (:mod:`ddtw_edu.protocols`).

    Returns
    -------
    E : ndarray, shape (N, M') with M' = 2M + 1 (CTC) or M (SDTW)
    """
    C, blocks = _cost_and_blocks(config, X, example, multilabel, protocol)
    return ddtw(C, **blocks._asdict(), gamma=gamma, minimum=minimum, backend=backend).E


def _cost_and_blocks(config, X, example, multilabel, protocol):
    """The cost matrix C (N, M') a configuration trains with on X, and its building blocks."""
    if config not in CONFIGS:
        raise ValueError(f"config must be a Table I configuration, got {config!r}")
    cost, _ = config_cost(config, multilabel, protocol)      # the cost the configuration trains with
    X_t = torch.as_tensor(np.asarray(X, dtype=np.float64))
    targets = alignment_targets(config, example, multilabel)
    C = cost(X_t, torch.as_tensor(targets)).numpy()
    N = len(X_t)
    if config in CTC_CONFIGS:
        labels = targets if multilabel else np.asarray(example["ctc"])
        return C, ctc_config(labels, N, config, protocol=protocol)
    return C, sdtw_config(N, len(targets), config)


NEGLIGIBLE = 1e-6   # E below this: the cell gets less than a millionth of a path's gradient


def alignment_shape(config, predictions, examples, multilabel, gamma=1.0, minimum="softmin", protocol="table1"):
    """How concentrated the soft alignments E of trained predictions are, averaged over items.

    Book: chapter 9, "Which minimum". For each item, E under the run's minimum
    and gamma is compared with the best path (E under the hard minimum) and with
    the cells that lie on some valid path (:func:`ddtw_edu.reachability.usable_cells`):
    sparsemin sets E exactly to zero on some of them, hardmin on all but the
    best path's. Softmin's E is positive on all of them in exact arithmetic,
    but on a trained network most cells far from the best path get weights
    below any useful size (or that underflow to 0), so the measure is the share
    of usable cells where E is below ``NEGLIGIBLE``: the cells the gradient
    does not reach.

    Parameters
    ----------
    config : str
        One of ``ddtw_edu.CONFIGS``.
    predictions : list of ndarray, each (N, 12 + Z)
    examples : list of dict
        The items of the predictions, as for :func:`compute_soft_alignment`.
    multilabel : bool
    gamma : float
    minimum : {"softmin", "sparsemin", "hardmin"}
    protocol : {"table1", "authors"}

    Returns
    -------
    dict
        ``alignment_negligible_share``: the share of usable cells where E < ``NEGLIGIBLE``;
        ``alignment_off_path``: the share of the sum of E that lies off the best
        path. Means over the items whose alignment is feasible.
    """
    negligible, off = [], []
    for X, example in zip(predictions, examples):
        C, blocks = _cost_and_blocks(config, X, example, multilabel, protocol)
        usable = usable_cells(*C.shape, blocks.steps, blocks.weights, blocks.start, blocks.end)
        result = ddtw(C, **blocks._asdict(), gamma=gamma, minimum=minimum, backend="numba")
        best = ddtw(C, **blocks._asdict(), minimum="hardmin", backend="numba").E > 0
        if not (np.isfinite(result.value) and usable.any()):   # no valid path: nothing to measure
            continue
        negligible.append(np.mean(result.E[usable] < NEGLIGIBLE))
        off.append(result.E[~best].sum() / result.E.sum())
    return {"alignment_negligible_share": float(np.mean(negligible)) if negligible else None,
            "alignment_off_path": float(np.mean(off)) if off else None}


def reference_alignment(strong):
    """The alignment given by a strong annotation (Fig. 10(f)): (N, M) 0/1, one target per frame.

    Parameters
    ----------
    strong : ndarray, shape (N, K)

    Returns
    -------
    E : ndarray, shape (N, M)
        ``E[n, m] = 1`` if frame n lies in the m-th run of equal frames, M = len(weak targets).
    """
    strong = np.asarray(strong)
    change = np.concatenate([[False], (strong[1:] != strong[:-1]).any(axis=1)])
    run = np.cumsum(change)
    E = np.zeros((len(strong), run[-1] + 1))
    E[np.arange(len(strong)), run] = 1.0
    return E


__all__ = ["alignment_targets", "compute_soft_alignment", "alignment_shape", "reference_alignment"]
