"""Training sequences of a data folder: cached HCQT features plus targets, per item.

This joins the loaders (:mod:`.mtd`, :mod:`.swd`), the features
(:mod:`.features`) and the targets (:mod:`.targets`) into the items that
:class:`.batching.SequenceDataset` takes. Features have shape (6, 216, N), so
their time axis is 2 (:data:`TIME_AXES`).

Book: chapter 7, "The data"; chapter 8, "The data, cut into segments".
"""
from tqdm.auto import tqdm

from ..protocols import get_protocol

from .features import MTD_HOP, SR, SWD_HOP, cached_hcqt, is_hcqt_cached
from .mtd import load_mtd, read_mtd_splits
from .swd import load_swd, split_items
from .targets import compute_targets
from .workers import map_jobs

TIME_AXES = {"features": 2}


def _cache_features(audio_path, cache_dir, hop):
    cached_hcqt(audio_path, cache_dir, sr=SR, hop=hop)


def _compute_missing_features(audio_paths, cache_dir, hop, desc, progress):
    """Fill the feature cache for the files not in it yet, on every core (see :mod:`.workers`)."""
    missing = [p for p in audio_paths if p is not None and not is_hcqt_cached(p, cache_dir, sr=SR, hop=hop)]
    map_jobs(_cache_features, [(p, cache_dir, hop) for p in missing], desc=desc, progress=progress)


def _item(name, audio_path, notes, hop, polyphonic, cache_dir, drop_last_note=False):
    if audio_path is None:
        raise ValueError(f"{name}: the audio file is missing, features need it")
    features = cached_hcqt(audio_path, cache_dir, sr=SR, hop=hop)
    return {"name": name, "features": features,
            **compute_targets(notes, features.shape[-1], SR, hop, polyphonic, drop_last_note)}


def mtd_sequences(root, folds=None, cache_dir=None, hop=MTD_HOP, progress=True, protocol="table1"):
    """Items of an MTD folder: HCQT of each excerpt with melody targets (Sec. VII-B).

    Book: chapter 7, "The data".

    Parameters
    ----------
    root : str or Path
        MTD root (official layout, audio included).
    folds : iterable of int, optional
        Keep only the themes of these folds of the split files (default: all themes).
    cache_dir : str or Path, optional
        HCQT cache (see :func:`.features.cached_hcqt`).
    protocol : {"table1", "authors"}
        ``"authors"`` reads the split files as the authors' code does (first
        theme of each fold dropped) and leaves each theme's last note out of
        its frame targets (:mod:`ddtw_edu.protocols`).

    Returns
    -------
    list of dict
        ``name``, ``features`` (6, 216, N), ``strong``, ``weak``, ``stretched`` and ``ctc``.
    """
    protocol = get_protocol(protocol)
    themes = load_mtd(root)
    if folds is not None:
        splits = read_mtd_splits(root, header=protocol.split_header)
        keep = {stem for k in folds for stem in splits[k]}
        themes = [t for t in themes if t.stem in keep]
    _compute_missing_features([t.audio_path for t in themes], cache_dir, hop, "MTD features", progress)
    return [_item(t.stem, t.audio_path, t.notes, hop, False, cache_dir, protocol.drop_last_note)
            for t in tqdm(themes, desc="MTD items", disable=not progress)]


def swd_sequences(root, part=None, split=None, cache_dir=None, hop=SWD_HOP, progress=True):
    """Items of an SWD folder: HCQT of each recording with pitch-class targets (Sec. VII-C).

    Book: chapter 8, "The data, cut into segments".

    Parameters
    ----------
    root : str or Path
    part : str, optional
        "train", "val" or "test" of ``split`` (default: all recordings).
    split : dict, optional
        Default the paper's split by performance (:data:`.swd.SWD_SPLIT_PAPER`).

    Returns
    -------
    list of dict
        ``name``, ``features`` (6, 216, N), ``strong``, ``weak`` (multi-hot) and ``stretched``.
    """
    items = load_swd(root)
    if part is not None:
        parts = split_items(items) if split is None else split_items(items, split)
        if part not in parts:
            raise ValueError(f"part must be one of {sorted(parts)}, got {part!r}")
        items = parts[part]
    _compute_missing_features([i.audio_path for i in items], cache_dir, hop, "SWD features", progress)
    return [_item(i.stem, i.audio_path, i.notes, hop, True, cache_dir)
            for i in tqdm(items, desc="SWD items", disable=not progress)]
