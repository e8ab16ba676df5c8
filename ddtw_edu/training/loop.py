"""The training loop of Sec. VII-B/C: Adam, learning rate halved on plateau, early stopping, best model restored.

One call of :func:`fit` trains one model with one objective. It keeps a
checkpoint file after every epoch (model, optimizer, scheduler, random states,
history and the best weights so far), so a run that is interrupted resumes
where it stopped when :func:`fit` is called again with the same checkpoint.

Book: chapter 7, "What one epoch costs"; chapter 8, "What one epoch costs".
"""
import copy
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm


@dataclass
class TrainingSchedule:
    """Optimizer and stopping settings (the paper's defaults for MTD, Sec. VII-B-1).

    Attributes
    ----------
    epochs : int
        Upper limit on the number of epochs.
    lr : float
        Initial Adam learning rate.
    lr_patience : int
        Epochs without a better validation loss before the learning rate is halved.
    stop_patience : int
        Epochs without a better validation loss before training stops.
    """
    epochs: int = 100
    lr: float = 1e-3
    lr_patience: int = 5
    stop_patience: int = 10

    def __post_init__(self):
        for name in ("epochs", "lr_patience", "stop_patience"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")


@dataclass
class History:
    """Per-epoch record of a run: losses, learning rates, seconds, and the time spent in the loss.

    ``seconds`` and ``loss_seconds`` time the training part of each epoch; ``wall_seconds`` is the
    whole run so far (training and validation), kept across a resumption from a checkpoint (a
    checkpoint written before it existed reads 0.0, the class default).
    """
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    loss_seconds: list = field(default_factory=list)
    best_epoch: int = -1
    stopped_early: bool = False
    wall_seconds: float = 0.0

    @property
    def best_val_loss(self):
        return self.val_loss[self.best_epoch] if self.best_epoch >= 0 else math.inf


def _to_device(batch, device):
    out = {}
    for key, value in batch.items():
        if isinstance(value, torch.Tensor):
            value = value.to(device)
        elif isinstance(value, dict):
            value = _to_device(value, device)
        out[key] = value
    return out


def _step(model, objective, batch, device, optimizer):
    """Loss of one batch (and, when training, one update); returns (loss, seconds in the loss).

    The objective runs on a detached copy of the predictions X, so the time of
    its forward and backward pass (up to dLoss/dX) is measured apart from the
    network's; the network's backward then starts from that gradient.
    """
    X = model(batch["features"])
    X_loss = X.detach().requires_grad_(optimizer is not None)
    _synchronize(device)
    start = time.perf_counter()
    loss = objective(X_loss, batch)
    finite = bool(torch.isfinite(loss))
    if optimizer is not None and finite:
        (grad_X,) = torch.autograd.grad(loss, X_loss)
    _synchronize(device)
    seconds = time.perf_counter() - start
    if optimizer is not None and finite:
        optimizer.zero_grad()
        X.backward(grad_X)
        optimizer.step()
    return loss.detach(), seconds


def _synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_epoch(model, objective, loader, device, optimizer=None, progress=False, desc=""):
    """One pass over ``loader``; trains when an optimizer is given, else evaluates.

    Returns
    -------
    mean_loss : float
        Mean of the batch losses; a batch with a non-finite loss is skipped (no
        update) and left out of the mean.
    loss_seconds : float
        Seconds spent in the objective (forward, and backward up to the predictions).
    """
    model.train(optimizer is not None)
    total, count, loss_seconds = 0.0, 0, 0.0
    with torch.set_grad_enabled(optimizer is not None):
        for batch in tqdm(loader, desc=desc, leave=False, disable=not progress):
            loss, seconds = _step(model, objective, _to_device(batch, device), device, optimizer)
            loss_seconds += seconds
            if torch.isfinite(loss):
                total += float(loss)
                count += 1
    return (total / count if count else math.inf), loss_seconds


def _random_states():
    return {"torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def _restore_random_states(states):
    torch.set_rng_state(states["torch"])
    if states["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def fit(model, objective, train_loader, val_loader, schedule=None, checkpoint=None, device="cpu", progress=True,
        desc="train"):
    """Train ``model`` on ``objective`` and restore the weights of the best validation epoch.

    Book: chapter 7, "What one epoch costs"; chapter 8, "What one epoch costs".

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``batch["features"]`` to predictions X.
    objective : callable
        ``objective(X, batch) -> scalar loss`` (see :mod:`.objectives`).
    train_loader, val_loader : iterable of batch dicts
        As made by :func:`ddtw_edu.data.batching.collate_sequences`.
    schedule : TrainingSchedule, optional
    checkpoint : str or Path, optional
        File written after every epoch; if it exists, training resumes from it.
    device : str or torch.device
    progress : bool
        Show progress bars.

    Returns
    -------
    History
        The model is left on ``device`` with the best weights loaded.
    """
    schedule = schedule or TrainingSchedule()
    device = torch.device(device)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=schedule.lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5,
                                                           patience=schedule.lr_patience)
    history, best_state, start_epoch = History(), copy.deepcopy(model.state_dict()), 0
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    if checkpoint is not None and checkpoint.exists():
        saved = torch.load(checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        history, best_state, start_epoch = saved["history"], saved["best_state"], saved["epoch"] + 1
        _restore_random_states(saved["random"])
    epochs = tqdm(range(start_epoch, schedule.epochs), desc=desc, initial=start_epoch, total=schedule.epochs,
                  disable=not progress)
    for epoch in epochs:
        if history.stopped_early:
            break
        start = time.perf_counter()
        train_loss, loss_seconds = run_epoch(model, objective, train_loader, device, optimizer, progress, "batches")
        seconds = time.perf_counter() - start
        val_loss, _ = run_epoch(model, objective, val_loader, device)
        history.wall_seconds += time.perf_counter() - start
        history.train_loss.append(train_loss)
        history.val_loss.append(val_loss)
        history.lr.append(optimizer.param_groups[0]["lr"])
        history.seconds.append(seconds)
        history.loss_seconds.append(loss_seconds)
        if val_loss < history.best_val_loss:
            history.best_epoch = epoch
            best_state = copy.deepcopy(model.state_dict())
        scheduler.step(val_loss)
        history.stopped_early = epoch - history.best_epoch >= schedule.stop_patience
        epochs.set_postfix(train=f"{train_loss:.3f}", val=f"{val_loss:.3f}", best=history.best_epoch)
        if checkpoint is not None:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "history": history, "best_state": best_state,
                        "epoch": epoch, "random": _random_states()}, checkpoint.with_suffix(".tmp"))
            checkpoint.with_suffix(".tmp").replace(checkpoint)   # never leave a half-written checkpoint
    model.load_state_dict(best_state)
    return history


__all__ = ["TrainingSchedule", "History", "run_epoch", "fit"]
