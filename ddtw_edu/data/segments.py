"""Fixed-length training segments of long recordings, with context frames (SWD, Sec. VII-C).

The SWD network sees T + 74 frames and predicts the T frames in the middle
(Table V). Training therefore cuts each recording into segments of T frames,
adds 37 context frames on each side (zeros beyond the recording's edges),
and derives each segment's weak targets from the strong annotation inside it,
as the paper does ("the segmentation is derived from strongly aligned
reference annotations").

Book: chapter 8, "The data, cut into segments".
"""
import numpy as np

from .targets import stretch_targets, weak_targets_from_frames


def _check_int(value, name, low):
    if int(value) != value or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def pad_context(features, context):
    """Zero-pad the time axis (last axis) of features by ``context // 2`` frames on each side.

    Parameters
    ----------
    features : ndarray, shape (..., N)
    context : int
        Total number of extra frames (even), e.g. 74 for the SWD network.

    Returns
    -------
    ndarray, shape (..., N + context)
    """
    context = _check_int(context, "context", 0)
    if context % 2:
        raise ValueError(f"context must be even (the same number of frames on each side), got {context}")
    half = context // 2
    return np.pad(features, [(0, 0)] * (features.ndim - 1) + [(half, half)])


def segment_item(item, length, hop=None, context=0):
    """Cut one item into segments of ``length`` frames, each with its own targets.

    Book: chapter 8, "The data, cut into segments".

    Parameters
    ----------
    item : dict
        ``name``, ``features`` (6, 216, N) and ``strong`` (N, 12), as from
        :func:`ddtw_edu.data.swd_sequences`.
    length : int
        T, the predicted frames per segment. The last segment ends at frame N
        (it overlaps its neighbour) so no frame is left out; a recording
        shorter than T gives one shorter segment.
    hop : int, optional
        Frames between segment starts (default ``length``: no overlap).
    context : int
        Extra input frames, half before and half after (74 for Table V).

    Returns
    -------
    list of dict
        ``name`` ("<name>@<first frame>"), ``features`` (6, 216, T + context),
        ``strong`` (T, 12), ``weak`` (M, 12) and ``stretched`` (T, 12).
    """
    length = _check_int(length, "length", 1)
    hop = length if hop is None else _check_int(hop, "hop", 1)
    features, strong = np.asarray(item["features"]), np.asarray(item["strong"])
    N = features.shape[-1]
    if strong.shape[0] != N:
        raise ValueError(f"item['strong'] must have one row per feature frame ({N}), got {strong.shape[0]}")
    padded = pad_context(features, context)
    T = min(length, N)
    starts = list(range(0, N - T + 1, hop))
    if starts[-1] != N - T:
        starts.append(N - T)
    segments = []
    for first in starts:
        frames = strong[first:first + T]
        weak = weak_targets_from_frames(frames)
        segments.append({"name": f"{item['name']}@{first}", "features": padded[..., first:first + T + context],
                         "strong": frames, "weak": weak, "stretched": stretch_targets(weak, T)})
    return segments


def segment_items(items, length, hop=None, context=0):
    """:func:`segment_item` of every item, concatenated."""
    return [segment for item in items for segment in segment_item(item, length, hop, context)]


__all__ = ["pad_context", "segment_item", "segment_items"]
