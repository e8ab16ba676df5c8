"""Datasets and padding collation for training with the dDTW losses (Sec. VII).

An *item* is a dict of arrays for one excerpt: its ``features`` (time axis of
length N, e.g. (N, F) or (C_in, N, F)) and any targets of
:func:`ddtw_edu.data.targets.compute_targets`: ``strong`` (N, 12), ``weak``
(M, 12), ``ctc`` (M',) int, ``stretched`` (N, 12). Other entries (a file name)
pass through as lists.

:func:`collate_sequences` pads every array field along its time axis to the
longest item of the batch and records the true lengths, in the conventions
of the losses:

- ``sdtw_loss(C, input_lengths=..., target_lengths=...)`` and
  ``bce_sdtw_loss`` / ``multilabel_ctc_loss(X, Y, ...)`` read item b from
  ``C[b, :N_b, :M_b]`` or ``Y[b, :M_b]``, so features and weak targets are
  padded with ``pad_value`` (0.0) and their lengths are ``input_lengths`` and
  ``target_lengths["weak"]``;
- ``ctc_loss(log_probs, targets, input_lengths, target_lengths)`` takes
  padded int64 targets (B, S_max); padding uses ``label_pad_value`` (1, a
  valid non-blank class, so the padded tensor passes any class check) and the
  lengths are ``target_lengths["ctc"]``.

Padding never changes a loss value: every loss reads only the valid region
of each item (checked in ``tests/test_data_batching.py``).

Book: chapter 7, "Twelve objectives".
"""
from collections.abc import Mapping

import numpy as np
import torch

INPUT_FIELD = "features"
FRAME_FIELDS = ("strong", "stretched")     # targets with one row per feature frame


def _time_axis(time_axes, name):
    return 0 if time_axes is None else time_axes.get(name, 0)


class SequenceDataset(torch.utils.data.Dataset):
    """Items of variable length, returned as dicts of torch tensors.

    Parameters
    ----------
    items : sequence of dict
        Each with an array ``features`` whose time axis has length N, and any
        target arrays (``strong`` (N, 12), ``weak`` (M, 12), ``ctc`` (M',),
        ``stretched`` (N, 12), ...). Non-array values are passed through.
    time_axes : dict or None
        Time axis of each field (default 0 for every field), e.g.
        ``{"features": 1}`` for features of shape (C_in, N, F).
    float_dtype : torch.dtype
        Floating-point arrays become this dtype; integer arrays become int64.
    context : int
        Extra feature frames a network consumes beyond the N it predicts
        (74 for the SWD network of Table V): features then have N + context
        frames and ``input_lengths`` counts N.

    Notes
    -----
    ``strong`` and ``stretched``, when present, must have N rows (one per
    predicted frame). Use ``collate_fn=dataset.collate`` in a DataLoader.
    """

    def __init__(self, items, time_axes=None, float_dtype=torch.float32, context=0):
        if time_axes is not None and not isinstance(time_axes, Mapping):
            raise ValueError(f"time_axes must be a dict of field -> axis or None, got {time_axes!r}")
        if not (isinstance(float_dtype, torch.dtype) and float_dtype.is_floating_point):
            raise ValueError(f"float_dtype must be a floating torch.dtype, got {float_dtype!r}")
        self.items = list(items)
        self.time_axes = dict(time_axes or {})
        self.float_dtype = float_dtype
        if int(context) != context or context < 0:
            raise ValueError(f"context must be an integer >= 0, got {context!r}")
        self.context = int(context)
        for i, item in enumerate(self.items):
            self._check_item(i, item)

    def _check_item(self, i, item):
        if not isinstance(item, Mapping) or INPUT_FIELD not in item:
            raise ValueError(f"items[{i}] must be a dict with a '{INPUT_FIELD}' array")
        lengths = {}
        for name, value in item.items():
            if isinstance(value, (np.ndarray, torch.Tensor)):
                axis = _time_axis(self.time_axes, name)
                if not 0 <= axis < value.ndim:
                    raise ValueError(f"items[{i}]['{name}'] of shape {tuple(value.shape)} has no time axis {axis}")
                lengths[name] = value.shape[axis]
        N = lengths[INPUT_FIELD] - self.context
        if N < 1:
            raise ValueError(f"items[{i}]['{INPUT_FIELD}'] has {lengths[INPUT_FIELD]} frames, "
                             f"fewer than context + 1 = {self.context + 1}")
        for name in FRAME_FIELDS:
            if name in lengths and lengths[name] != N:
                raise ValueError(f"items[{i}]['{name}'] has {lengths[name]} frames, features have {N} "
                                 f"(+ {self.context} context frames)")

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        out = {}
        for name, value in self.items[index].items():
            if isinstance(value, (np.ndarray, torch.Tensor)):
                value = torch.as_tensor(value)
                if value.dtype.is_floating_point or value.dtype == torch.bool:
                    value = value.to(self.float_dtype)
                else:
                    value = value.to(torch.int64)
            out[name] = value
        return out

    def collate(self, batch, pad_value=0.0, label_pad_value=1):
        """:func:`collate_sequences` with this dataset's time axes."""
        return collate_sequences(batch, pad_value, label_pad_value, self.time_axes, self.context)


def _pad_field(name, values, axis, pad):
    shapes = [tuple(v.shape) for v in values]
    rest = {s[:axis] + s[axis + 1:] for s in shapes}
    if len(rest) != 1 or any(not 0 <= axis < len(s) for s in shapes):
        raise ValueError(f"field '{name}' must agree in all axes but time axis {axis}, got shapes {shapes}")
    shape = list(shapes[0])
    shape[axis] = max(s[axis] for s in shapes)
    out = torch.full((len(values), *shape), pad, dtype=values[0].dtype)
    for b, v in enumerate(values):
        out[(b,) + tuple(slice(0, n) for n in v.shape)] = v
    lengths = torch.tensor([s[axis] for s in shapes], dtype=torch.int64)
    return out, lengths


def collate_sequences(batch, pad_value=0.0, label_pad_value=1, time_axes=None, context=0):
    """Pad a list of items along their time axes and record the lengths.

    Parameters
    ----------
    batch : list of dict
        Items as returned by :class:`SequenceDataset` (numpy arrays are
        accepted too); all with the same keys.
    pad_value : float
        Fill for floating-point fields (features, strong/weak/stretched targets).
    label_pad_value : int
        Fill for integer fields (CTC labels); 1 is a valid non-blank class.
    time_axes : dict or None
        Time axis per field (default 0), as in :class:`SequenceDataset`.
    context : int
        Feature frames beyond the predicted ones, as in :class:`SequenceDataset`.

    Returns
    -------
    dict
        Every array field padded to shape (B, ...) with its time axis at the
        batch maximum, e.g. ``features`` (B, N_max, F) or (B, C_in, N_max, F),
        ``weak`` (B, M_max, 12), ``ctc`` (B, S_max) int64; non-array fields as
        lists; ``input_lengths``, int64 (B,), the N of each item (its feature
        frames minus ``context``); and ``target_lengths``, a dict of int64 (B,) tensors per target field
        (e.g. ``target_lengths["weak"]``, ``target_lengths["ctc"]``).
    """
    if len(batch) == 0:
        raise ValueError("batch must hold at least one item")
    keys = list(batch[0].keys())
    if INPUT_FIELD not in keys:
        raise ValueError(f"batch items must have a '{INPUT_FIELD}' field, got {keys}")
    for i, item in enumerate(batch):
        if set(item.keys()) != set(keys):
            raise ValueError(f"batch[{i}] has fields {sorted(item.keys())}, batch[0] has {sorted(keys)}")
    out, target_lengths = {}, {}
    for name in keys:
        values = [item[name] for item in batch]
        if not all(isinstance(v, (np.ndarray, torch.Tensor)) for v in values):
            out[name] = values
            continue
        values = [torch.as_tensor(v) for v in values]
        is_label = not (values[0].dtype.is_floating_point or values[0].dtype == torch.bool)
        padded, lengths = _pad_field(name, values, _time_axis(time_axes, name),
                                     label_pad_value if is_label else pad_value)
        out[name] = padded
        if name == INPUT_FIELD:
            out["input_lengths"] = lengths - context
        else:
            target_lengths[name] = lengths
    out["target_lengths"] = target_lengths
    return out


__all__ = ["SequenceDataset", "collate_sequences", "INPUT_FIELD", "FRAME_FIELDS"]
