"""The two experiments of Sec. VII as settings: MTD main melody (VII-B) and SWD pitch classes (VII-C)."""
from dataclasses import dataclass, replace

import numpy as np

from ..configs import CTC_CONFIGS, SDTW_CONFIGS, ctc_weights
from ..protocols import get_protocol
from ..training import TRAINING_CONFIGS, TrainingSchedule


@dataclass(frozen=True)
class Task:
    """Settings of one experiment.

    Attributes
    ----------
    name : {"mtd", "swd"}
    multilabel : bool
        Single-label melody pitch classes (MTD) or multi-label pitch classes (SWD).
    batch_size : int
        8 for MTD, 1 for SWD (the paper's mini-batches).
    schedule : TrainingSchedule
        The paper's learning-rate and stopping patience; MTD gives no epoch
        limit (early stopping ends it), SWD trains at most 50 epochs.
    segment_length : int or None
        T, frames per training segment (SWD: 500); None trains on whole items (MTD excerpts).
    segment_hop : int or None
        Frames between segment starts (None: T, no overlap).
    """
    name: str
    multilabel: bool
    batch_size: int
    schedule: TrainingSchedule
    segment_length: int = None
    segment_hop: int = None


TASKS = {
    "mtd": Task("mtd", multilabel=False, batch_size=8,
                schedule=TrainingSchedule(epochs=100, lr=1e-3, lr_patience=5, stop_patience=10)),
    "swd": Task("swd", multilabel=True, batch_size=1,
                schedule=TrainingSchedule(epochs=50, lr=1e-3, lr_patience=4, stop_patience=12),
                segment_length=500, segment_hop=250),
}


def get_task(name, epochs=None):
    """The settings of task ``name`` ("mtd" or "swd"), optionally with another epoch limit."""
    if name not in TASKS:
        raise ValueError(f"task must be one of {tuple(TASKS)}, got {name!r}")
    task = TASKS[name]
    if epochs is not None:
        task = replace(task, schedule=replace(task.schedule, epochs=epochs))
    return task


def configs_changed(task, protocol):
    """The training configurations whose results on ``task`` depend on ``protocol`` rather than Table I.

    Only these need a rerun under ``protocol``: every other configuration trains on the same data with
    the same loss and is scored the same way under both, so the Table I rerun's runs of it (same seeds)
    are its runs under ``protocol`` too.

    Parameters
    ----------
    task : str or Task
        "mtd" or "swd".
    protocol : {"table1", "authors"} or Protocol
        :mod:`ddtw_edu.protocols`.

    Returns
    -------
    tuple of str
        In the order of ``TRAINING_CONFIGS``. "authors" on MTD: all twelve (the split files and
        frame targets are read differently and rests are scored); on SWD: CTC-C and CTC-C-W, whose
        (1, 1) step into a target differs. CTC-B's weights differ only between equal labels, which
        the merged multi-label targets never have, and the multi-label cost (Eq. 31) has no rest
        constant.
    """
    task = get_task(task) if isinstance(task, str) else task
    ours, table1 = get_protocol(protocol), get_protocol("table1")

    def differs(*fields):
        return any(getattr(ours, field) != getattr(table1, field) for field in fields)

    if not task.multilabel and differs("split_header", "drop_last_note", "frame_accuracy_rests"):
        return TRAINING_CONFIGS
    # Single-label CTC labels repeat where a note does (labels [1, 1, 2]); multi-label targets merge
    # equal neighbours (weak_targets_from_frames), so their labels never repeat.
    repeats = np.array([not task.multilabel, False])
    changed = {config for config in CTC_CONFIGS
               if not np.array_equal(ctc_weights(repeats, config, ours), ctc_weights(repeats, config, table1))}
    if not task.multilabel and differs("rest_cost"):
        changed |= {*SDTW_CONFIGS, "EM"}    # their cost (Eq. 27) prices rests; strong trains frame-wise
    return tuple(config for config in TRAINING_CONFIGS if config in changed)


__all__ = ["Task", "TASKS", "get_task", "configs_changed"]
