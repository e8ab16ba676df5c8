"""Run an experiment: train every configuration ``runs`` times, evaluate on the test part, write the results.

The output folder holds

- ``results.json``: the settings and one row per (configuration, run) with
  its training history summary and test metrics; ``results.csv``: the rows;
- ``checkpoints/<config>-run<k>.pt``: resumable training state (removed when the run is done);
- ``models/<config>-run<k>.pt``: the restored best weights;
- ``examples/<config>-run<k>.npz``: predictions on the first test items, for the figures.

Rows already in ``results.json`` are skipped, so an interrupted experiment
continues where it stopped (an interrupted run resumes from its checkpoint).
"""
import csv
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from ..data.batching import SequenceDataset
from ..data.sequences import TIME_AXES
from ..models import build_model, count_parameters
from ..training import TRAINING_CONFIGS, Objective, check_training_config, fit, uses_blank
from .data import load_splits, resolve_data, retrieval_database, training_items
from .evaluate import evaluate_mtd, evaluate_swd
from .tasks import get_task

PUBLISHED = Path(__file__).parent / "published"
N_EXAMPLES = 3
RESUME_KEYS = ("task", "data", "model_size", "gamma", "seed", "epochs", "batch_size")   # must match to resume
SWD_EXAMPLE_FRAMES = 430          # about 10 s at 22050 / 512 Hz, like the paper's running example


def _loader(task, items, context, shuffle, generator):
    dataset = SequenceDataset(items, time_axes=TIME_AXES, context=context)
    return torch.utils.data.DataLoader(dataset, batch_size=task.batch_size, shuffle=shuffle,
                                       collate_fn=dataset.collate, generator=generator)


def _example(task, item, X):
    """What the figures need of one test item: predictions and targets (SWD: the first ~10 s)."""
    n = len(X) if task.name == "mtd" else min(len(X), SWD_EXAMPLE_FRAMES)
    example = {"name": item["name"], "X": X[:n].astype(np.float32), "strong": item["strong"][:n]}
    if task.name == "mtd":
        example["ctc"] = np.asarray(item["ctc"])
    return example


def _save_examples(path, examples):
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"{k}_{i}": np.asarray(value) for i, example in enumerate(examples) for k, value in example.items()}
    np.savez_compressed(path, **arrays)


def load_examples(path):
    """Examples saved by :func:`run_experiment`: a list of dicts (``name``, ``X``, ``strong``, MTD ``ctc``)."""
    with np.load(path) as archive:
        examples = {}
        for key in archive.files:
            field, index = key.rsplit("_", 1)
            value = archive[key]
            examples.setdefault(int(index), {})[field] = str(value) if value.dtype.kind == "U" else value
    return [examples[i] for i in sorted(examples)]


def _write_results(out, settings, rows):
    tmp = out / "results.json.tmp"
    tmp.write_text(json.dumps({"settings": settings, "rows": rows}, indent=1))
    tmp.replace(out / "results.json")
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def load_results(out):
    """``(settings, rows)`` of an experiment folder written by :func:`run_experiment`."""
    saved = json.loads((Path(out) / "results.json").read_text())
    return saved["settings"], saved["rows"]


def published_results(task):
    """The results folder the book shows for ``task`` ("mtd" or "swd"), or None if the package has none.

    It was written by ``python -m ddtw_edu.experiments <task> --out ...`` on the
    small generated data set (the command and settings are in its
    ``results.json``), so that the book can show a full rerun without
    training twelve networks while it is built.
    """
    if task not in ("mtd", "swd"):
        raise ValueError(f"task must be 'mtd' or 'swd', got {task!r}")
    folder = PUBLISHED / f"{task}-small"
    return folder if (folder / "results.json").is_file() else None


def default_device():
    """"cuda" when torch sees a GPU, else "cpu"."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def _train_and_evaluate(task, parts, database, config, seed, run, model_size, gamma, device, out, progress):
    """One training run of one configuration, evaluated on the test part; returns its result row."""
    torch.manual_seed(seed)
    blank = uses_blank(config)
    model = build_model(task.name, blank=blank, size=model_size)
    train = _loader(task, training_items(task, parts["train"], model.context), model.context, True,
                    torch.Generator().manual_seed(seed))
    val = _loader(task, training_items(task, parts["val"], model.context), model.context, False, None)
    objective = Objective(config, task.multilabel, gamma, backend="cuda" if device == "cuda" else "numba")
    name = f"{config}-run{run}"
    checkpoint = out / "checkpoints" / f"{name}.pt"
    start = time.perf_counter()
    history = fit(model, objective, train, val, task.schedule, checkpoint, device, progress, desc=name)
    train_seconds = time.perf_counter() - start
    if task.name == "mtd":
        metrics, predictions = evaluate_mtd(model, parts["test"], *database, blank, device)
    else:
        metrics, predictions = evaluate_swd(model, parts["test"], blank, device)
    (out / "models").mkdir(exist_ok=True)
    torch.save(model.state_dict(), out / "models" / f"{name}.pt")
    _save_examples(out / "examples" / f"{name}.npz",
                   [_example(task, item, X) for item, X in zip(parts["test"], predictions[:N_EXAMPLES])])
    checkpoint.unlink(missing_ok=True)
    return {"config": config, "run": run, "seed": seed, "parameters": count_parameters(model),
            "epochs": len(history.train_loss), "best_epoch": history.best_epoch,
            "best_val_loss": history.best_val_loss, "stopped_early": history.stopped_early,
            "train_seconds": train_seconds, "epoch_seconds": float(np.median(history.seconds)),
            "loss_share": float(np.sum(history.loss_seconds) / np.sum(history.seconds)),
            **{k: float(v) for k, v in metrics.items()}}


def run_experiment(task, out, configs=None, data=None, runs=1, epochs=None, model_size=None, device=None,
                   seed=0, data_size="small", gamma=1.0, cache_dir=None, progress=True):
    """Train and evaluate configurations of Table I and the baselines on MTD or SWD (Sec. VII-B, VII-C).

    Parameters
    ----------
    task : {"mtd", "swd"}
    out : str or Path
        Output folder (created; an existing one is resumed).
    configs : list of str, optional
        Default all of :data:`ddtw_edu.training.TRAINING_CONFIGS` (Table I, "EM", "strong").
    data : str or Path, optional
        A real MTD/SWD folder; default the generated data set of ``data_size``.
    runs : int
        Training runs per configuration (seeds ``seed``, ``seed + 1``, ...).
    epochs : int, optional
        Epoch limit (default the task's: 100 for MTD, 50 for SWD; early stopping applies).
    model_size : {"paper", "small"}, optional
        Default "paper" on a GPU, "small" on the CPU.
    device : {"cpu", "cuda"}, optional
        Default "cuda" if available. The dDTW losses then use the CUDA backend.
    gamma : float
        Softmin temperature of the dDTW losses.
    cache_dir : str or Path, optional
        HCQT feature cache.

    Returns
    -------
    list of dict
        All result rows of the folder (earlier ones included).
    """
    task = get_task(task, epochs)
    configs = list(TRAINING_CONFIGS if configs is None else configs)
    for config in configs:
        check_training_config(config)
    if int(runs) != runs or runs < 1:
        raise ValueError(f"runs must be an integer >= 1, got {runs!r}")
    device = device or default_device()
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    model_size = model_size or ("paper" if device == "cuda" else "small")
    root = resolve_data(task.name, data, data_size, progress=progress)
    parts = load_splits(task, root, cache_dir, progress)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    settings = {"task": task.name, "data": str(root), "data_size": None if data else data_size,
                "model_size": model_size, "device": device, "gamma": gamma, "seed": seed,
                "epochs": task.schedule.epochs, "batch_size": task.batch_size,
                "items": {part: len(items) for part, items in parts.items()},
                "torch": torch.__version__, "machine": platform.processor() or platform.machine()}
    rows = []
    if (out / "results.json").exists():
        saved, rows = load_results(out)
        changed = [key for key in RESUME_KEYS if saved.get(key) != settings[key]]
        if changed:
            raise ValueError(f"out ({out}) holds results of other settings ({', '.join(changed)} differ); "
                             "use another folder")
    done = {(row["config"], row["run"]) for row in rows}
    database = retrieval_database(root, parts["test"], cache_dir) if task.name == "mtd" else None
    for config in configs:
        for run in range(runs):
            if (config, run) not in done:
                rows.append(_train_and_evaluate(task, parts, database, config, seed + run, run, model_size, gamma,
                                                device, out, progress))
                _write_results(out, settings, rows)
    return rows


__all__ = ["run_experiment", "load_results", "load_examples", "published_results", "default_device", "N_EXAMPLES"]
