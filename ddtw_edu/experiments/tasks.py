"""The two experiments of Sec. VII as settings: MTD main melody (VII-B) and SWD pitch classes (VII-C)."""
from dataclasses import dataclass, replace

from ..training import TrainingSchedule


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


__all__ = ["Task", "TASKS", "get_task"]
