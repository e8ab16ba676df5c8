"""Train, validation and test items of an experiment, from a data folder or the generated default data.

MTD (Sec. VII-B): the five folds of the split files give train (folds 1-3),
validation (4) and test (5) themes. For retrieval, each test theme's symbolic
query (its weak pitch-class sequence without rests) is matched against the
network's output on the *full recording* the theme comes from
(``full_AUDIO/<stem>.wav``, which the generated data set has; a folder
without full recordings uses the theme excerpts as the database instead).

SWD (Sec. VII-C): the paper's split by performance (5 train, 2 validation, 2
test versions). Training and validation recordings are cut into segments of T
frames plus the network's context; test recordings are evaluated whole.
"""
from pathlib import Path

import numpy as np

from ..data import default_dataset, mtd_sequences, segment_items, swd_sequences
from ..data.features import MTD_HOP, SR, cached_hcqt
from ..data.generate import FULL_FOLDER
from ..data.mtd import MTD_SPLIT_PAPER


def resolve_data(task, data=None, size="small", seed=0, progress=True):
    """The data folder: ``data`` if given (must exist), else the generated default data set.

    Parameters
    ----------
    task : {"mtd", "swd"}
    data : str or Path, optional
        A real or generated MTD/SWD folder.
    size : {"tiny", "small", "full"}
        Size of the generated default data (when ``data`` is None).
    """
    if data is None:
        return default_dataset(task, size, seed=seed, progress=progress)
    data = Path(data)
    if not data.is_dir():
        raise ValueError(f"data must be an existing {task.upper()} folder, got {str(data)!r}")
    return data


def _without_rests(Y):
    return Y[Y.sum(axis=1) > 0]


def retrieval_database(root, test_items, cache_dir=None):
    """Queries and database recordings for theme retrieval (Sec. VII-B-2).

    Returns
    -------
    queries : list of ndarray, shape (M_q, 12)
        Weak pitch-class sequence of each test theme, rests removed.
    documents : list of dict
        ``name`` and ``features`` (6, 216, N_d) of the full recording of
        each test theme (the excerpt where none exists), in the same order:
        query q's relevant document is document q.
    """
    queries, documents = [], []
    for item in test_items:
        queries.append(_without_rests(np.asarray(item["weak"])))
        full = Path(root) / FULL_FOLDER / f"{item['name']}.wav"
        features = cached_hcqt(full, cache_dir, sr=SR, hop=MTD_HOP) if full.is_file() else item["features"]
        documents.append({"name": item["name"], "features": features})
    return queries, documents


def load_splits(task, root, cache_dir=None, progress=True):
    """Items of each part of an experiment's data.

    Parameters
    ----------
    task : Task
    root : str or Path
    cache_dir : str or Path, optional
        HCQT cache.

    Returns
    -------
    dict
        ``train``, ``val`` and ``test`` lists of items (see
        :func:`ddtw_edu.data.mtd_sequences` and :func:`ddtw_edu.data.swd_sequences`), whole; :func:`training_items`
        cuts SWD items into segments.
    """
    if task.name == "mtd":
        parts = {part: mtd_sequences(root, folds=folds, cache_dir=cache_dir, progress=progress)
                 for part, folds in MTD_SPLIT_PAPER.items()}
    else:
        parts = {part: swd_sequences(root, part=part, cache_dir=cache_dir, progress=progress)
                 for part in ("train", "val", "test")}
    for part, items in parts.items():
        if not items:
            raise ValueError(f"the {part} part of {root} is empty; check the folder's split files")
    return parts


def training_items(task, items, context):
    """Items as the network is trained on them: SWD segments with ``context`` extra frames, MTD as is."""
    if task.segment_length is None:
        return items
    return segment_items(items, task.segment_length, task.segment_hop, context)


__all__ = ["resolve_data", "retrieval_database", "load_splits", "training_items"]
