"""Train, validation and test items of an experiment, from a data folder or the generated default data.

MTD (Sec. VII-B): the five folds of the split files give train (folds 1-3),
validation (4) and test (5) themes. For retrieval, each test theme's symbolic
query (its weak pitch-class sequence without rests) is matched against the
network's output on every recording of the database; the relevant one is the
*full recording* the theme comes from. The generated data set has a folder
``full_AUDIO/`` (:mod:`ddtw_edu.data.generate`) with the full recording of
every theme (``<stem>.wav``) and further chorales as distractors
(``distractor_*.wav``); the database is all of them, the test themes' own
recordings first (:func:`retrieval_database`). A folder without
``full_AUDIO/`` (the real MTD) uses the test theme excerpts as the database
instead.

SWD (Sec. VII-C): the paper's split by performance (5 train, 2 validation, 2
test versions). Training and validation recordings are cut into segments of T
frames plus the network's context; test recordings are evaluated whole.
"""
from pathlib import Path

import numpy as np

from ..data import default_dataset, mtd_sequences, segment_items, swd_sequences
from ..data.features import MTD_HOP, SR, cached_hcqt, is_hcqt_cached
from ..data.generate import FULL_FOLDER
from ..data.mtd import MTD_SPLIT_PAPER
from ..data.workers import map_jobs


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


def retrieval_documents(root, test_names):
    """The recordings of the retrieval database, in order: which file each document is.

    Parameters
    ----------
    root : str or Path
        The data folder.
    test_names : sequence of str
        Stems of the test themes (the queries), in query order.

    Returns
    -------
    list of (str, Path or None)
        (name, full recording) per document. First one per test theme, in the order of
        ``test_names``: ``full_AUDIO/<name>.wav``, or None where there is no such file
        (the theme's excerpt stands in); then every other ``full_AUDIO/*.wav`` (the
        other themes' recordings and the distractors), sorted by name. Without a
        ``full_AUDIO/`` folder: the test themes only, each with None. So query q's
        relevant document is document q.
    """
    folder = Path(root) / FULL_FOLDER
    test_names = list(test_names)
    files = {p.stem: p for p in folder.glob("*.wav") if p.is_file()} if folder.is_dir() else {}
    documents = [(name, files.get(name)) for name in test_names]
    chosen = set(test_names)
    return documents + [(name, files[name]) for name in sorted(files) if name not in chosen]


def _cache_document(path, cache_dir):
    cached_hcqt(path, cache_dir, sr=SR, hop=MTD_HOP)


def retrieval_database(root, test_items, cache_dir=None, progress=False):
    """Queries and database recordings for theme retrieval (Sec. VII-B-2).

    The database is :func:`retrieval_documents`: the full recording of each test
    theme first, then the full recordings of all other themes and the distractors
    of ``full_AUDIO/`` (for the generated ``small`` set 110 documents: 60 themes, 50
    distractors); without ``full_AUDIO/`` (the real MTD) the test theme excerpts.
    Features of the full recordings are computed on every core and cached.

    Returns
    -------
    queries : list of ndarray, shape (M_q, 12)
        Weak pitch-class sequence of each test theme, rests removed.
    documents : list of dict
        ``name`` and ``features`` (6, 216, N_d) of each database recording; query q's
        relevant document is document q.
    """
    queries = [_without_rests(np.asarray(item["weak"])) for item in test_items]
    listed = retrieval_documents(root, [item["name"] for item in test_items])
    paths = [path for _, path in listed if path is not None]
    missing = [p for p in paths if not is_hcqt_cached(p, cache_dir, sr=SR, hop=MTD_HOP)]
    map_jobs(_cache_document, [(p, cache_dir) for p in missing], desc="MTD database features", progress=progress)
    documents = []
    for q, (name, path) in enumerate(listed):
        features = cached_hcqt(path, cache_dir, sr=SR, hop=MTD_HOP) if path is not None else test_items[q]["features"]
        documents.append({"name": name, "features": features})
    return queries, documents


def load_splits(task, root, cache_dir=None, progress=True, protocol="table1"):
    """Items of each part of an experiment's data.

    Parameters
    ----------
    task : Task
    root : str or Path
    cache_dir : str or Path, optional
        HCQT cache.
    protocol : {"table1", "authors"}
        How MTD split files and targets are read (:func:`ddtw_edu.data.mtd_sequences`).

    Returns
    -------
    dict
        ``train``, ``val`` and ``test`` lists of items (see
        :func:`ddtw_edu.data.mtd_sequences` and :func:`ddtw_edu.data.swd_sequences`), whole; :func:`training_items`
        cuts SWD items into segments.
    """
    if task.name == "mtd":
        parts = {part: mtd_sequences(root, folds=folds, cache_dir=cache_dir, progress=progress, protocol=protocol)
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


__all__ = ["resolve_data", "retrieval_documents", "retrieval_database", "load_splits", "training_items"]
