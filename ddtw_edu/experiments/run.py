"""Run an experiment: train every configuration ``runs`` times, evaluate on the test part, write the results.

The output folder holds

- ``results.json``: the settings and one row per (configuration, run) with
  its training history summary and test metrics; ``results.csv``: the rows;
- ``checkpoints/<config>-run<k>.pt``: resumable training state (removed when the run is done);
- ``models/<config>-run<k>.pt``: the restored best weights;
- ``examples/<config>-run<k>.npz``: predictions on the first test items, for the figures.

Rows already in ``results.json`` are skipped, so an interrupted experiment
continues where it stopped (an interrupted run resumes from its checkpoint).

:func:`plan_experiment` checks everything that can be checked before any data
is generated or feature computed (the arguments, a data folder with the
checker of ``python -m ddtw_edu.data check``, the settings of a folder to
resume) and creates nothing; :func:`run_plan` runs the plan, and
:func:`run_experiment` does both. Workers that split one experiment (one per
core or machine, disjoint ``configs``) write their own folders, which
:func:`merge_results` joins. :func:`describe_plan` says what a plan
runs and how long it may take, from the timings of the published results.
Results name their data by a label (``generated mtd small (seed 0)``, or a
folder's final name), never by a path of the machine that made them.
:func:`reevaluate_results` scores the saved networks of a folder again.

Book: chapter 7, "Our rerun" and "Running it yourself"; chapter 8, "Our rerun".
"""
import csv
import json
import math
import platform
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import numpy as np
import torch

from ..configs import CONFIGS
from ..data import mtd as mtd_format
from ..data import swd as swd_format
from ..data.batching import SequenceDataset
from ..data.check import detect_layout, summarize_mtd, summarize_swd
from ..data.generate import _COMPLETE, GENERATOR_VERSION, SIZES, dataset_folder
from ..data.mtd import MTD_SPLIT_PAPER
from ..data.sequences import TIME_AXES
from ..models import build_model, count_parameters
from ..protocols import get_protocol
from ..minimum import MINIMUM_FUNCTIONS
from ..training import EXTENSION_CONFIGS, TRAINING_CONFIGS, Objective, check_training_config, fit, uses_blank, \
    uses_onset
from .data import load_splits, resolve_data, retrieval_database, training_items
from .alignments import alignment_shape
from .evaluate import evaluate_mtd, evaluate_swd
from .tasks import configs_changed, get_task

PUBLISHED = Path(__file__).parent / "published"
N_EXAMPLES = 3
# settings that must match to resume a results folder; all are known before any data is generated
RESUME_KEYS = ("task", "data", "generator", "model_size", "gamma", "seed", "epochs", "batch_size", "protocol",
               "minimum")
DATA_SEED = 0                     # seed of the generated default data (the experiment's seed is the training seed)
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
        # rows of older versions may lack newer metrics: every column that any row has
        writer = csv.DictWriter(f, fieldnames=list(dict.fromkeys(key for row in rows for key in row)))
        writer.writeheader()
        writer.writerows(rows)


def load_results(out):
    """``(settings, rows)`` of an experiment folder written by :func:`run_experiment`."""
    saved = json.loads((Path(out) / "results.json").read_text())
    return saved["settings"], saved["rows"]


def published_results(task, protocol="table1"):
    """The results folder the book shows for ``task`` ("mtd" or "swd"), or None if the package has none.

    It was written by ``python -m ddtw_edu.experiments <task> --out ...`` on the
    small generated data set (the command and settings are in its
    ``results.json``; ``published/rerun.sh`` runs them all), so that the book
    can show a full rerun without training twelve networks while it is built.
    ``protocol`` "authors" gives the rerun of the configurations that the
    authors' code changes (:mod:`ddtw_edu.protocols`).
    """
    if task not in ("mtd", "swd"):
        raise ValueError(f"task must be 'mtd' or 'swd', got {task!r}")
    name = get_protocol(protocol).name
    folder = PUBLISHED / (f"{task}-small" if name == "table1" else f"{task}-small-{name}")
    return folder if (folder / "results.json").is_file() else None


def run0_examples(folder, rows):
    """The stored test examples of run 0 of every configuration in ``rows``: {config: :func:`load_examples`}."""
    return {row["config"]: load_examples(Path(folder) / "examples" / f"{row['config']}-run0.npz")
            for row in rows if row["run"] == 0}


def published_protocol_runs(task, protocol):
    """Rows and run-0 examples of the published rerun of ``task`` under ``protocol``, or None.

    A protocol reruns only the configurations it changes (:func:`.tasks.configs_changed`); every other
    one trains and is scored as under Table I with the same seeds, so its runs 0 to R - 1 are taken
    from the Table I rerun, R being the protocol rerun's runs per configuration.

    Book: chapters 7 and 8, "What reproduces, and what does not".

    Returns
    -------
    (list of dict, dict) or None
        The rows (as :func:`load_results`) and {config: examples of run 0}; None while the package
        lacks the rerun under ``protocol`` or the Table I rerun.
    """
    folder, table1 = published_results(task, protocol), published_results(task)
    if folder is None or table1 is None:
        return None
    rows = load_results(folder)[1]
    examples = run0_examples(folder, rows)
    runs = max(row["run"] for row in rows) + 1
    rerun = {row["config"] for row in rows} | set(configs_changed(task, protocol))
    stand_ins = [row for row in load_results(table1)[1] if row["config"] not in rerun and row["run"] < runs]
    return rows + stand_ins, {**examples, **run0_examples(table1, stand_ins)}


BEYOND_MEASUREMENTS = {"onsets": None, "softmin-gamma0.1": ("softmin", 0.1), "softmin-gamma1": ("softmin", 1.0),
                       "softmin-gamma10": ("softmin", 10.0), "sparsemin-gamma1": ("sparsemin", 1.0),
                       "hardmin": ("hardmin", 1.0)}


def _published_beyond_folder(name, table1_settings):
    """Settings and rows of the shipped folder ``mtd-<name>``, checked against the Table I rerun; or None."""
    folder = PUBLISHED / f"mtd-{name}"
    if not (folder / "results.json").is_file():
        return None
    settings, rows = load_results(folder)
    minimum, gamma = BEYOND_MEASUREMENTS[name] or ("softmin", 1.0)
    expected = dict(table1_settings, minimum=minimum, gamma=gamma)
    differ = [key for key in RESUME_KEYS if _saved_value(key, settings) != _saved_value(key, expected)]
    if differ:
        raise ValueError(f"the published results {folder.name} differ from the Table I rerun in "
                         f"{', '.join(differ)}: rerun them with published/rerun_beyond.sh")
    return settings, rows


def published_beyond(name):
    """Settings and rows of one of the measurements beyond the paper that the package ships, or None.

    Book: chapter 9, "Repetitions without a blank" and "Which minimum". They were made by
    ``published/rerun_beyond.sh`` on the same data, network, epochs and seeds as the Table I rerun
    (:func:`published_results`). Its references, CTC-A and SDTW-E under softmin at gamma 1, are
    runs of that rerun, trained ahead of its other configurations and shipped as
    "softmin-gamma1"; "onsets" gives the SDTW-E-ONSET runs together with them, every other name
    (a key of :data:`BEYOND_MEASUREMENTS`) the runs of CTC-A and SDTW-E under that minimum.

    Returns
    -------
    (dict, list of dict) or None
        As :func:`load_results`; None while the package lacks the results of ``name`` (for
        "onsets": or its references) or of the Table I rerun.

    Raises
    ------
    ValueError
        For an unknown ``name``, or when the shipped results were made with settings other than
        the Table I rerun's.
    """
    if name not in BEYOND_MEASUREMENTS:
        raise ValueError(f"name must be one of {', '.join(BEYOND_MEASUREMENTS)}; got {name!r}")
    table1 = published_results("mtd")
    if table1 is None:
        return None
    table1_settings = load_results(table1)[0]
    found = _published_beyond_folder(name, table1_settings)
    if found is None or name != "onsets":
        return found
    references = _published_beyond_folder("softmin-gamma1", table1_settings)
    if references is None:
        return None
    settings, rows = found
    return settings, rows + references[1]


def default_device():
    """"cuda" when torch sees a GPU, else "cpu"."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def _build_model(task, config, model_size):
    """The network a configuration trains: with the blank (CTC), the onsets (onset configurations) or neither."""
    return build_model(task.name, with_blank=uses_blank(config), size=model_size, with_onset=uses_onset(config))


def _evaluate(task, parts, database, config, model, device, protocol, gamma, minimum):
    """Test metrics of a trained network ({name: float or None}) and its predictions on the test items.

    MTD runs of a Table I configuration also measure the shape of their soft alignments under the
    run's minimum (:func:`.alignments.alignment_shape`); SWD's long pieces would make it slow.
    """
    with_blank = uses_blank(config)
    if task.name == "mtd":
        metrics, predictions = evaluate_mtd(model, parts["test"], *database, with_blank, device, protocol=protocol,
                                            with_onset=uses_onset(config))
        if config in CONFIGS:
            metrics.update(alignment_shape(config, predictions, parts["test"], False, gamma, minimum, protocol))
    else:
        metrics, predictions = evaluate_swd(model, parts["test"], with_blank, device)
    return {k: None if v is None else float(v) for k, v in metrics.items()}, predictions


def _train_and_evaluate(task, parts, database, config, seed, run, model_size, gamma, device, out, progress,
                        protocol="table1", minimum="softmin"):
    """One training run of one configuration, evaluated on the test part; returns its result row."""
    torch.manual_seed(seed)
    model = _build_model(task, config, model_size)
    train = _loader(task, training_items(task, parts["train"], model.context), model.context, True,
                    torch.Generator().manual_seed(seed))
    val = _loader(task, training_items(task, parts["val"], model.context), model.context, False, None)
    objective = Objective(config, task.multilabel, gamma, backend="cuda" if device == "cuda" else "numba",
                          protocol=protocol, minimum=minimum)
    name = f"{config}-run{run}"
    checkpoint = out / "checkpoints" / f"{name}.pt"
    history = fit(model, objective, train, val, task.schedule, checkpoint, device, progress, desc=name)
    metrics, predictions = _evaluate(task, parts, database, config, model, device, protocol, gamma, minimum)
    (out / "models").mkdir(exist_ok=True)
    torch.save(model.state_dict(), out / "models" / f"{name}.pt")
    _save_examples(out / "examples" / f"{name}.npz",
                   [_example(task, item, X) for item, X in zip(parts["test"], predictions[:N_EXAMPLES])])
    checkpoint.unlink(missing_ok=True)
    return {"config": config, "run": run, "seed": seed, "parameters": count_parameters(model),
            "epochs": len(history.train_loss), "best_epoch": history.best_epoch,
            "best_val_loss": history.best_val_loss, "stopped_early": history.stopped_early,
            "train_seconds": history.wall_seconds, "epoch_seconds": float(np.median(history.seconds)),
            "loss_share": float(np.sum(history.loss_seconds) / np.sum(history.seconds)), **metrics}


def reevaluate_results(out, cache_dir=None, progress=True, every=False):
    """Evaluate the saved networks of a results folder again, with this version's metrics.

    For results made before a metric existed (or changed): a row's test
    metrics are recomputed from ``models/<config>-run<k>.pt`` on the same data
    and protocol; its training fields stay. Rows whose model file is missing
    are left as they are. Unless ``every``, a row that already has every
    metric this version computes for its configuration is kept too (the rows
    with the fewest fields are evaluated first and tell which metrics those
    are), so that a folder of mostly current runs costs only its older ones;
    after a metric *changed*, pass ``every=True``.

    Returns
    -------
    (list of dict, int)
        All rows, and how many were evaluated again.

    Raises
    ------
    ValueError
        When ``out`` holds no results, or names a data folder this machine does not have.
    """
    out = Path(out)
    if not (out / "results.json").is_file():
        raise ValueError(f"out folder {out} holds no results.json")
    settings, rows = load_results(out)
    task = get_task(settings["task"])
    if settings.get("data_size") is None:
        raise ValueError(f"out folder {out} was made on the data folder {settings['data']!r}; "
                         "evaluating it again needs that folder (rerun the experiment with --data)")
    root = resolve_data(task.name, None, settings["data_size"], seed=DATA_SEED, progress=progress)
    protocol = settings.get("protocol", "table1")
    parts = load_splits(task, root, cache_dir, progress, protocol=protocol)
    database = retrieval_database(root, parts["test"], cache_dir) if task.name == "mtd" else None
    done = 0
    current = {}   # config -> the names of the metrics this version computes for it, once evaluated
    for row in sorted(rows, key=len):
        path = out / "models" / f"{row['config']}-run{row['run']}.pt"
        known = current.get(row["config"])
        if not path.is_file() or (not every and known is not None and known <= row.keys()):
            continue
        model = _build_model(task, row["config"], settings["model_size"])
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        metrics = _evaluate(task, parts, database, row["config"], model, "cpu", protocol, settings["gamma"],
                            settings.get("minimum", "softmin"))[0]
        row.update(metrics)
        current[row["config"]] = metrics.keys()
        done += 1
    _write_results(out, settings, rows)
    return rows, done


# ---------------------------------------------------------------------------------------------------------
# Checks and plan: everything that can be checked before any data is generated or feature computed

_GENERATED_NAME = re.compile(r"^(mtd|swd)-(tiny|small|full)-seed(\d+)(?:-v\d+)?$")


def generated_data_label(task, size, seed=DATA_SEED):
    """How results name the generated data set: ``"generated mtd small (seed 0)"`` (no machine folders)."""
    return f"generated {task} {size} (seed {seed})"


def data_label(data):
    """How results name a data folder: its final folder name only (``/data/MTD`` -> ``"MTD"``).

    Also turns the full paths that older results stored into labels: a path to
    a generated data set (``.../mtd-small-seed0``) gives its
    :func:`generated_data_label`; a label is returned as it is.
    """
    text = str(data)
    if "/" not in text and "\\" not in text:
        return text
    name = PurePath(text.replace("\\", "/")).name
    match = _GENERATED_NAME.match(name)
    return generated_data_label(match[1], match[2], int(match[3])) if match else name


def _folder_label(folder):
    """The label of a data folder the user gave: a generated one's :func:`generated_data_label`, else its name."""
    folder = Path(folder).resolve()
    try:
        made = json.loads((folder / _COMPLETE).read_text())
        return generated_data_label(made["dataset"], made["size"], made["seed"])
    except (OSError, ValueError, KeyError, TypeError):
        return folder.name


def _is_whole(value):
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer)) and int(value) == value


def check_data_folder(task, data, protocol="table1"):
    """Check a data folder for an experiment before anything is computed from it.

    Runs the checker of ``python -m ddtw_edu.data check`` (every format check,
    the first problem named with its file and line), then what the experiment
    needs besides: the right data set, audio for every item, and non-empty
    train, validation and test parts.

    Returns
    -------
    list of str
        The checker's summary lines.

    Raises
    ------
    ValueError
        With one line saying what is wrong, starting with "data".
    """
    path = Path(data)
    if str(data) == "":
        raise ValueError("data must name a folder, got an empty string")
    if not path.exists():
        raise ValueError(f"data must be an existing {task.upper()} folder; {path} does not exist")
    if not path.is_dir():
        raise ValueError(f"data must be an existing {task.upper()} folder; {path} is a file")
    if not any(p.is_file() for p in path.rglob("*")):
        raise ValueError(f"data folder {path} is empty (it holds no files)")
    try:
        layout = detect_layout(path)
        if layout != task:
            raise ValueError(f"{path} is an {layout.upper()} folder, but the task is {task}")
        lines = summarize_mtd(path) if layout == "mtd" else summarize_swd(path)
        if layout == "mtd":
            items = mtd_format.load_mtd(path)
            folds = mtd_format.read_mtd_splits(root=path, header=get_protocol(protocol).split_header)
            parts = mtd_format.split_themes(items, folds, MTD_SPLIT_PAPER)
        else:
            items = swd_format.load_swd(path)
            parts = swd_format.split_items(items)
        silent = [getattr(item, "stem", None) or str(item) for item in items if item.audio_path is None]
        if silent:
            raise ValueError(f"{len(silent)} of the {len(items)} items of {path} have no audio file "
                             f"(first: {silent[0]}); the experiment computes features from the audio")
        empty = [part for part, members in parts.items() if not members]
        if empty:
            raise ValueError(f"the {' and '.join(empty)} part(s) of {path} are empty (paper split)")
    except (ValueError, OSError) as exc:
        raise ValueError(f"data: {exc}") from None
    return lines


_VERSIONED_FOLDER = re.compile(r"-v(\d+)$")


def generator_version(settings):
    """The version of the data generator that a results folder's data came from; None for a user's data folder.

    Results written before the version was recorded name it in their data folder (``...-seed0-v2``)
    if they stored its path, or else were made with version 1 (the generator's first recordings,
    without the room, noise and level changes of version 2).
    """
    if settings.get("data_size") is None:
        return None
    if "generator" in settings:
        return settings["generator"]
    folder = PurePath(str(settings.get("data", "")).replace("\\", "/")).name
    match = _VERSIONED_FOLDER.search(folder)
    return int(match[1]) if match else 1


def _saved_value(key, saved):
    """A setting of an existing results folder, read as this version writes it (older folders)."""
    if key == "generator":
        return generator_version(saved)
    if key == "protocol":
        return saved.get("protocol", "table1")
    if key == "minimum":                    # folders made before the choice of minimum used softmin
        return saved.get("minimum", "softmin")
    if key == "data" and saved.get("data") is not None:
        return data_label(saved["data"])
    return saved.get(key)


@dataclass(frozen=True)
class ExperimentPlan:
    """What :func:`plan_experiment` checked and :func:`run_plan` runs.

    Attributes
    ----------
    task : Task
    out : Path
    configs : tuple of str
    runs : int
    settings : dict
        The settings known before any data is loaded (:data:`RESUME_KEYS` among
        them); :func:`run_plan` adds the item counts and the machine.
    data : Path or None
        A data folder given by the user; None for the generated data set.
    data_summary : list of str
        The data checker's summary of ``data`` (empty for the generated data).
    done : frozenset of (str, int)
        (config, run) pairs already in ``out``'s results (resumed, not rerun).
    """
    task: object
    out: Path
    configs: tuple
    runs: int
    settings: dict
    data: Path = None
    data_summary: list = field(default_factory=list)
    done: frozenset = frozenset()

    @property
    def pending(self):
        """The (config, run) pairs still to train: run 0 of every configuration, then run 1, ...

        In this order an interrupted experiment has every configuration with
        as many runs as it could give.
        """
        return [(config, run) for run in range(self.runs) for config in self.configs
                if (config, run) not in self.done]

    @property
    def generated_folder(self):
        """Where the generated data set lies (or will lie); None when the user gave a folder."""
        if self.data is not None:
            return None
        s = self.settings
        return dataset_folder(s["task"], s["data_size"], DATA_SEED)


def plan_experiment(task, out, configs=None, data=None, runs=1, epochs=None, model_size=None, device=None,
                    seed=0, data_size="small", gamma=1.0, protocol="table1", minimum="softmin"):
    """Check the arguments of :func:`run_experiment` without generating data or computing features.

    Checks every argument, a data folder (:func:`check_data_folder`) and,
    when ``out`` holds results already, that they were made with the same
    settings (:data:`RESUME_KEYS`; a folder made before ``minimum`` existed
    reads as "softmin"). Creates nothing.

    ``minimum`` ("softmin", "sparsemin" or "hardmin") is the minimum function
    of the dDTW losses (:class:`ddtw_edu.training.Objective`; Book: chapter 9,
    "Which minimum"). ``configs`` may name the onset configurations of
    :data:`ddtw_edu.training.EXTENSION_CONFIGS` on the task "mtd".

    Returns
    -------
    ExperimentPlan

    Raises
    ------
    ValueError
        One line naming the argument and what is wrong with it.
    """
    if epochs is not None and (not _is_whole(epochs) or epochs < 1):
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    task = get_task(task, None if epochs is None else int(epochs))
    configs = tuple(TRAINING_CONFIGS if configs is None else configs)
    if not configs:
        raise ValueError("configs must name at least one configuration")
    for config in configs:
        check_training_config(config)
        if uses_onset(config) and task.name != "mtd":
            raise ValueError(f"configs: {config} needs the task mtd (single-label notes that can repeat), "
                             f"got {task.name}")
    if not _is_whole(runs) or runs < 1:
        raise ValueError(f"runs must be an integer >= 1, got {runs!r}")
    if not _is_whole(seed):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    try:
        gamma_ok = math.isfinite(gamma) and gamma > 0
    except TypeError:
        gamma_ok = False
    if not gamma_ok:
        raise ValueError(f"gamma must be a number > 0 (the softmin temperature), got {gamma!r}")
    if minimum not in MINIMUM_FUNCTIONS:
        raise ValueError(f"minimum must be one of {MINIMUM_FUNCTIONS}, got {minimum!r}")
    protocol = get_protocol(protocol).name
    device = device or default_device()
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for, but torch sees no GPU here; use device 'cpu'")
    model_size = model_size or ("paper" if device == "cuda" else "small")
    if model_size not in ("paper", "small"):
        raise ValueError(f"model_size must be 'paper' or 'small', got {model_size!r}")
    if data is None:
        if data_size not in SIZES:
            raise ValueError(f"data_size must be one of {SIZES}, got {data_size!r}")
        summary, label = [], generated_data_label(task.name, data_size)
    else:
        summary, label = check_data_folder(task.name, data, protocol), _folder_label(data)
        data = Path(data)
    settings = {"task": task.name, "data": label, "data_size": None if data is not None else data_size,
                "generator": None if data is not None else GENERATOR_VERSION, "model_size": model_size,
                "device": device, "gamma": float(gamma), "seed": int(seed), "epochs": task.schedule.epochs,
                "batch_size": task.batch_size, "protocol": protocol, "minimum": minimum}
    out = Path(out)
    done = frozenset()
    if out.exists() and not out.is_dir():
        raise ValueError(f"out {out} is a file, not a folder")
    if (out / "results.json").exists():
        try:
            saved, rows = load_results(out)
        except (ValueError, KeyError, OSError) as exc:
            raise ValueError(f"out folder {out} has an unreadable results.json ({exc}); use another folder") from None
        changed = [f"{key} was {_saved_value(key, saved)!r}, now {settings[key]!r}" for key in RESUME_KEYS
                   if _saved_value(key, saved) != settings[key]]
        if changed:
            raise ValueError(f"out folder {out} holds results made with other settings ({'; '.join(changed)}); "
                             "use another out folder, or the same settings to resume")
        done = frozenset((row["config"], row["run"]) for row in rows)
    return ExperimentPlan(task=task, out=out, configs=configs, runs=int(runs), settings=settings, data=data,
                          data_summary=summary, done=done)


def _machine():
    """The CPU's model name where the system tells it (Linux), else what :mod:`platform` says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_plan(plan, cache_dir=None, progress=True):
    """Run an :class:`ExperimentPlan` (see :func:`run_experiment`); returns all result rows of its folder.

    Generates the default data set if needed, computes the features, creates
    ``plan.out`` and trains the pending (config, run) pairs.
    """
    s = plan.settings
    task, out = plan.task, plan.out
    rows = load_results(out)[1] if plan.done else []
    if not plan.pending:
        return rows
    root = resolve_data(task.name, plan.data, s["data_size"] or "small", seed=DATA_SEED, progress=progress)
    parts = load_splits(task, root, cache_dir, progress, protocol=s["protocol"])
    out.mkdir(parents=True, exist_ok=True)
    settings = {**s, "items": {part: len(items) for part, items in parts.items()}, "torch": torch.__version__,
                "machine": _machine()}
    if s["device"] == "cuda":
        settings["gpu"] = torch.cuda.get_device_name()
    database = retrieval_database(root, parts["test"], cache_dir) if task.name == "mtd" else None
    if database is not None:
        settings["documents"] = len(database[1])            # the test themes' recordings and the distractors
    for config, run in plan.pending:
        rows.append(_train_and_evaluate(task, parts, database, config, s["seed"] + run, run, s["model_size"],
                                        s["gamma"], s["device"], out, progress, protocol=s["protocol"],
                                        minimum=s["minimum"]))
        _write_results(out, settings, rows)
    return rows


def run_experiment(task, out, configs=None, data=None, runs=1, epochs=None, model_size=None, device=None,
                   seed=0, data_size="small", gamma=1.0, cache_dir=None, progress=True, protocol="table1",
                   minimum="softmin"):
    """Train and evaluate configurations of Table I and the baselines on MTD or SWD (Sec. VII-B, VII-C).

    The arguments are checked first (:func:`plan_experiment`), before any data
    is generated or feature computed; ``out`` is created only then.

    Parameters
    ----------
    task : {"mtd", "swd"}
    out : str or Path
        Output folder (created; an existing one is resumed if its settings match).
    configs : list of str, optional
        Default all of :data:`ddtw_edu.training.TRAINING_CONFIGS` (Table I, "EM", "strong").
    data : str or Path, optional
        A real MTD/SWD folder; default the generated data set of ``data_size``.
        Results name it by its final folder name only.
    runs : int
        Training runs per configuration (seeds ``seed``, ``seed + 1``, ...).
    epochs : int, optional
        Epoch limit (default the task's: 100 for MTD, 50 for SWD; early stopping applies).
    model_size : {"paper", "small"}, optional
        Default "paper" on a GPU, "small" on the CPU.
    device : {"cpu", "cuda"}, optional
        Default "cuda" if available. The dDTW losses then use the CUDA backend.
    gamma : float
        Softmin temperature of the dDTW losses (> 0).
    cache_dir : str or Path, optional
        HCQT feature cache.
    protocol : {"table1", "authors"}
        Table I as printed, or the authors' code (:mod:`ddtw_edu.protocols`):
        the losses, the MTD split files and targets, and frame accuracy.
    minimum : {"softmin", "sparsemin", "hardmin"}
        Minimum function of the dDTW losses (:func:`plan_experiment`).

    Returns
    -------
    list of dict
        All result rows of the folder (earlier ones included).

    Raises
    ------
    ValueError
        For a bad argument, a malformed data folder or an ``out`` folder of other settings.
    """
    plan = plan_experiment(task, out, configs=configs, data=data, runs=runs, epochs=epochs, model_size=model_size,
                           device=device, seed=seed, data_size=data_size, gamma=gamma, protocol=protocol,
                           minimum=minimum)
    return run_plan(plan, cache_dir=cache_dir, progress=progress)


# ---------------------------------------------------------------------------------------------------------
# Several workers, one experiment: merge their folders

MERGE_KEYS = RESUME_KEYS + ("items", "documents")   # what the workers of one experiment must share


def merge_results(out, folders, configs=None, runs=None):
    """Merge the results folders of workers that split one experiment between them into ``out``.

    Workers (processes on the cores of one machine, or several machines) run
    the same command with disjoint ``--configs`` (or runs) and their own
    ``--out``; this joins their rows, examples and models. ``out`` may be
    merged into again as the workers go on: it is rewritten from ``folders``
    (its examples and models too: it keeps none of runs it no longer holds).
    ``configs`` keeps only those configurations (e.g. the references that
    chapter 9 takes from the Table I rerun while its other runs go on), and
    ``runs`` only the first runs of each (so that the tables of a rerun still
    under way compare configurations over the same number of runs).

    Parameters
    ----------
    out : str or Path
        The merged folder (created; an existing one must hold an earlier merge).
    folders : list of str or Path
        Results folders written by :func:`run_experiment` with the same
        settings (:data:`MERGE_KEYS`).
    configs : list of str, optional
        The configurations to keep (default: all); each must have runs in ``folders``.
    runs : int, optional
        Keep runs 0 to ``runs`` - 1 of each configuration (default: all).

    Returns
    -------
    list of dict
        The merged rows, in the order of :data:`ddtw_edu.training.TRAINING_CONFIGS` (then
        ``EXTENSION_CONFIGS``), then run.

    Raises
    ------
    ValueError
        One line: a folder without results, settings that differ (named), a
        (configuration, run) in two folders, a configuration in ``configs`` without
        runs, or an ``out`` that is not an earlier merge.
    """
    out, folders = Path(out), [Path(folder) for folder in folders]
    if not folders:
        raise ValueError("folders must name at least one results folder to merge")
    if runs is not None and (isinstance(runs, bool) or not isinstance(runs, int) or runs < 1):
        raise ValueError(f"runs must be a positive integer, got {runs!r}")
    if out.resolve() in [folder.resolve() for folder in folders]:
        raise ValueError(f"out {out} is one of the folders to merge; merge into a new folder")
    if (out / "results.json").exists() and "merged_from" not in load_results(out)[0]:
        raise ValueError(f"out folder {out} holds results that are not a merge; merge into a new folder")
    loaded = []
    for folder in folders:
        if not (folder / "results.json").is_file():
            raise ValueError(f"folder {folder} holds no results.json (is it a results folder?)")
        saved, rows = load_results(folder)
        loaded.append((folder, saved, [row for row in rows if (configs is None or row["config"] in configs)
                                       and (runs is None or row["run"] < runs)]))
    missing = [config for config in configs or () if not any(row["config"] == config
                                                              for _, _, rows in loaded for row in rows)]
    if missing:
        raise ValueError(f"configs {', '.join(missing)} have no runs in {', '.join(map(str, folders))}")
    first_folder, settings, _ = loaded[0]
    seen = {}
    for folder, saved, rows in loaded:
        changed = [f"{key} is {_saved_value(key, saved)!r} in {folder} but {_saved_value(key, settings)!r} in "
                   f"{first_folder}" for key in MERGE_KEYS if _saved_value(key, saved) != _saved_value(key, settings)]
        if changed:
            raise ValueError("folders were made with other settings: " + "; ".join(changed))
        for row in rows:
            key = (row["config"], row["run"])
            if key in seen:
                raise ValueError(f"{key[0]} run {key[1]} is in both {seen[key]} and {folder}")
            seen[key] = folder
    order = {config: i for i, config in enumerate(TRAINING_CONFIGS + EXTENSION_CONFIGS)}
    rows = sorted((row for _, _, rows in loaded for row in rows),
                  key=lambda row: (order.get(row["config"], len(order)), row["config"], row["run"]))
    out.mkdir(parents=True, exist_ok=True)
    for kind in ("examples", "models"):      # an earlier merge's copies: rewritten below
        shutil.rmtree(out / kind, ignore_errors=True)
    for folder, _, folder_rows in loaded:
        for row in folder_rows:
            for kind, suffix in (("examples", ".npz"), ("models", ".pt")):
                source = folder / kind / f"{row['config']}-run{row['run']}{suffix}"
                if source.is_file():
                    (out / kind).mkdir(exist_ok=True)
                    (out / kind / source.name).write_bytes(source.read_bytes())
    _write_results(out, {**settings, "merged_from": [folder.name for folder in folders]}, rows)
    return rows


# ---------------------------------------------------------------------------------------------------------
# What a plan will do, and how long it may take (from the published results' timings)

def _duration(seconds):
    """``"2 h 05 min"``, ``"12 min"``, ``"40 s"``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = int(round(seconds / 60))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def estimate_seconds(plan):
    """Time estimate of the pending runs of ``plan`` from the package's published results of its task.

    For MTD, the measurements beyond the paper (:func:`published_beyond`) time the onset
    configurations and, under the plan's minimum, CTC-A and SDTW-E.

    Returns
    -------
    dict or None
        None when the package has no published results of the task. Else
        ``upper`` (seconds: epoch limit x median published epoch seconds, per
        pending run), ``typical`` (the same with the published mean number of
        epochs actually run, at most the limit), ``per_config`` ({config:
        (epoch seconds, mean epochs)}), ``missing`` (configs without
        published timings, not counted) and ``published`` (its settings).
    """
    folder = published_results(plan.task.name)
    if folder is None:
        return None
    published = load_results(folder)[0]
    minimum, gamma = plan.settings.get("minimum", "softmin"), plan.settings["gamma"]

    def timed_by(setting):       # the onsets (None), or the plan's minimum (hardmin has no gamma)
        return setting is None or setting == (minimum, gamma) or setting[0] == minimum == "hardmin"

    sources = [folder]
    if plan.task.name == "mtd":
        sources[:0] = [PUBLISHED / f"mtd-{name}" for name, setting in BEYOND_MEASUREMENTS.items()
                       if timed_by(setting)]
    rows_of = [load_results(source)[1] for source in sources if (source / "results.json").is_file()]
    per_config = {}
    for config in plan.configs:
        mine = next(([row for row in rows if row["config"] == config] for rows in rows_of
                     if any(row["config"] == config for row in rows)), [])
        if mine:
            per_config[config] = (float(np.median([r["epoch_seconds"] for r in mine])),
                                  float(np.mean([r["epochs"] for r in mine])))
    limit = plan.settings["epochs"]
    upper = typical = 0.0
    for config, _ in plan.pending:
        if config in per_config:
            epoch_seconds, mean_epochs = per_config[config]
            upper += limit * epoch_seconds
            typical += min(limit, mean_epochs) * epoch_seconds
    return {"upper": upper, "typical": typical, "per_config": per_config, "published": published,
            "missing": [config for config in plan.configs if config not in per_config]}


def describe_plan(plan):
    """What ``plan`` will run and an estimate of the time it takes, as lines of text (the CLI prints them)."""
    s = plan.settings
    pending = plan.pending
    total = len(plan.configs) * plan.runs
    minimum = s.get("minimum", "softmin")
    minimum += "" if minimum == "hardmin" else f" with gamma {s['gamma']:g}"        # the hard minimum has none
    lines = [f"{s['task']}: {len(plan.configs)} configurations x {plan.runs} run{'s' * (plan.runs > 1)} = "
             f"{total} training runs ({' '.join(plan.configs)})",
             f"  epoch limit {s['epochs']} (early stopping may end a run sooner), device {s['device']}, "
             f"{s['model_size']} network, {minimum}, protocol {s['protocol']}, seed {s['seed']}"]
    if plan.data is None:
        folder = plan.generated_folder
        state = "ready" if (folder / _COMPLETE).exists() else "generated first (takes a while)"
        lines.append(f"  data: {s['data']} ({state}: {folder})")
    else:
        summary = "; ".join(" ".join(line.split()) for line in plan.data_summary[1:3])
        lines.append(f"  data: {s['data']} ({plan.data}" + (f"; {summary})" if summary else ")"))
    lines.append(f"  out: {plan.out}" + (f" (resumed: {total - len(pending)} of {total} runs done)"
                                         if plan.done else " (new)"))
    if not pending:
        lines.append("  nothing to train: every run is in the results already")
        return "\n".join(lines)
    estimate = estimate_seconds(plan)
    if estimate is not None and not estimate["per_config"]:
        lines.append("  time: the published results have no timing of these configurations")
        return "\n".join(lines)
    if estimate is None:
        lines.append("  time: no published results to estimate from")
        return "\n".join(lines)
    p = estimate["published"]
    machine = f"{p['device'].upper()} {p.get('machine', '')}".strip()
    lines.append(f"  time estimate, from the published results ({machine}, {p['model_size']} network, "
                 f"{p['data_size']} generated data, at most {p['epochs']} epochs):")
    runs_of = {config: sum(c == config for c, _ in pending) for config in plan.configs}
    width = max(9, *map(len, estimate["per_config"]))
    for config, (epoch_seconds, mean_epochs) in estimate["per_config"].items():
        if runs_of[config]:
            n = runs_of[config]
            lines.append(f"    {config:<{width}} {epoch_seconds:6.1f} s/epoch x {s['epochs']} epochs x {n} run{'s' * (n > 1)}"
                         f" = at most {_duration(epoch_seconds * s['epochs'] * n)}"
                         f" (published runs: {mean_epochs:.1f} epochs)")
    mean_epochs = np.mean([v[1] for v in estimate["per_config"].values()])
    lines.append(f"    total: at most about {_duration(estimate['upper'])} for the {len(pending)} pending runs; "
                 f"about {_duration(estimate['typical'])} if they end after as many epochs as the published "
                 f"runs did (mean {mean_epochs:.1f}" + (f": they all reached their limit of {p['epochs']})"
                                                         if mean_epochs >= p["epochs"] else ")"))
    lines.append(f"    (measured on the {machine} that made the published results, on the {p['data_size']} "
                 f"generated data; early stopping usually ends a run before its limit)")
    published_data = data_label(p.get("data", ""))
    differ = ([f"data {s['data']} (published: {published_data})"] if s["data"] != published_data else [])
    differ += [f"{name} {s[key]} (published: {p.get(key)})" for key, name in (("model_size", "network"),
                                                                               ("device", "device"))
               if s[key] != p.get(key)]
    if differ:
        lines.append("    this run differs: " + ", ".join(differ) + "; expect other times (a GPU is faster, "
                     "the paper network and larger data are slower)")
    if estimate["missing"]:
        lines.append("    no published timing for " + ", ".join(estimate["missing"]) + " (not counted)")
    return "\n".join(lines)


__all__ = ["run_experiment", "plan_experiment", "run_plan", "ExperimentPlan", "merge_results", "reevaluate_results",
           "describe_plan", "estimate_seconds", "check_data_folder", "data_label", "generated_data_label",
           "generator_version", "load_results", "load_examples", "run0_examples", "published_results",
           "published_protocol_runs", "published_beyond", "BEYOND_MEASUREMENTS", "default_device", "N_EXAMPLES"]
