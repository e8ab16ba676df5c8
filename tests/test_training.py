"""Training objectives, EM targets and the training loop (ddtw_edu.training).

Each objective is compared with an independent peer: torch's own CTC, NLL and
BCE losses, the NumPy reference of Algorithm 1 item by item, libfmp's DTW
path. Training runs on a synthetic task whose labels can be read off the
features, and must lower the loss for every configuration family.
"""
import libfmp.c3
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ddtw_edu import ctc_config, ddtw, sdtw_config
from ddtw_edu.costs import bce_cost, mctc_cost, nll_cost
from ddtw_edu.data.batching import SequenceDataset
from ddtw_edu.data.targets import compute_targets
from ddtw_edu.models import build_model
from ddtw_edu.training import (Objective, TrainingSchedule, compute_em_targets, fit, frame_loss, run_epoch,
                               uses_blank)

SR, HOP = 4, 1          # frames at t_n = n / 4 s in the hand-made note lists


def random_batch(multilabel, with_blank, seed=0, lengths=(9, 6, 8)):
    """A padded batch with random probabilities X and the targets of random note lists."""
    rng = np.random.default_rng(seed)
    items = []
    for N in lengths:
        t = np.sort(rng.choice(np.arange(1, N), size=3, replace=False)) / SR
        starts, ends = np.concatenate([[0.0], t]), np.concatenate([t, [N / SR]])
        pitches = rng.integers(60, 72, size=4)
        notes = np.stack([starts, ends, pitches], axis=1)
        if multilabel:
            notes = np.concatenate([notes, notes + [0, 0, 4]])
        else:
            notes = notes[[0, 1, 3]]                   # a rest between the second and third note
        item = {"features": np.zeros((N, 1)), **compute_targets(notes, N, SR, HOP, polyphonic=multilabel)}
        items.append(item)
    dataset = SequenceDataset(items, float_dtype=torch.float64)
    batch = dataset.collate([dataset[i] for i in range(len(items))])
    K = 13 if with_blank else 12
    logits = torch.tensor(rng.standard_normal((len(items), max(lengths), K)), requires_grad=True)
    X = torch.sigmoid(logits) if multilabel else torch.softmax(logits, -1)
    return X, logits, batch, items


def test_ctc_objective_equals_torch_ctc_in_value_and_gradient():
    X, logits, batch, _ = random_batch(multilabel=False, with_blank=True)
    ours = Objective("CTC-A", multilabel=False)(X, batch)
    (grad_ours,) = torch.autograd.grad(ours, logits)
    log_probs = torch.log_softmax(logits, -1).transpose(0, 1)
    theirs = F.ctc_loss(log_probs, batch["ctc"], batch["input_lengths"], batch["target_lengths"]["ctc"],
                        reduction="mean", zero_infinity=True)
    (grad_theirs,) = torch.autograd.grad(theirs, logits)
    torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(grad_ours, grad_theirs)


@pytest.mark.parametrize("config", ["SDTW-D", "SDTW-E-W"])
@pytest.mark.parametrize("multilabel", [False, True])
def test_sdtw_objective_is_the_batch_mean_of_algorithm_1(config, multilabel):
    X, _, batch, items = random_batch(multilabel, with_blank=False)
    ours = Objective(config, multilabel)(X, batch)
    cost = bce_cost if multilabel else nll_cost
    values = []
    for b, item in enumerate(items):
        N, Y = len(item["strong"]), torch.as_tensor(item["weak"])
        C = cost(X[b, :N].detach(), Y).numpy()
        values.append(ddtw(C, **sdtw_config(N, len(Y), config)._asdict()).value)
    np.testing.assert_allclose(ours.item(), np.mean(values), rtol=1e-10)


@pytest.mark.parametrize("config", ["CTC-A", "CTC-B-W", "CTC-C"])
def test_multilabel_ctc_objective_is_the_length_normalized_mean_of_algorithm_1(config):
    X, _, batch, items = random_batch(multilabel=True, with_blank=True)
    ours = Objective(config, multilabel=True)(X, batch)
    values = []
    for b, item in enumerate(items):
        N, Y = len(item["strong"]), torch.as_tensor(item["weak"])
        C = mctc_cost(X[b, :N].detach(), Y).numpy()
        values.append(ddtw(C, **ctc_config(item["weak"], N, config)._asdict()).value / len(Y))
    np.testing.assert_allclose(ours.item(), np.mean(values), rtol=1e-10)


def test_strong_objective_equals_torch_nll_and_bce_over_the_valid_frames():
    X, logits, batch, items = random_batch(multilabel=False, with_blank=False)
    mask = torch.arange(X.shape[1])[None] < batch["input_lengths"][:, None]
    strong = batch["strong"]
    sounding = mask & (strong.sum(-1) > 0)
    expected = F.nll_loss(torch.log(X[sounding]), strong[sounding].argmax(-1))
    torch.testing.assert_close(Objective("strong", multilabel=False)(X, batch), expected)

    X, logits, batch, items = random_batch(multilabel=True, with_blank=False)
    mask = torch.arange(X.shape[1])[None] < batch["input_lengths"][:, None]
    expected = F.binary_cross_entropy(X[mask], batch["strong"][mask], reduction="sum") / mask.sum()
    torch.testing.assert_close(Objective("strong", multilabel=True)(X, batch), expected)


def test_em_targets_follow_libfmps_optimal_dtw_path():
    rng = np.random.default_rng(3)
    lengths = torch.tensor([11, 8])
    X = torch.softmax(torch.tensor(rng.standard_normal((2, 11, 12))), -1)
    stretched = torch.zeros(2, 11, 12, dtype=torch.float64)
    for b, N in enumerate(lengths.tolist()):
        labels = rng.integers(0, 12, size=4)
        stretched[b, :N] = torch.as_tensor(np.eye(12)[labels[(np.arange(N) * 4) // N]])
    targets = compute_em_targets(X, stretched, lengths, nll_cost)
    for b, N in enumerate(lengths.tolist()):
        C = nll_cost(X[b, :N], stretched[b, :N]).numpy()
        path = libfmp.c3.compute_optimal_warping_path(libfmp.c3.compute_accumulated_cost_matrix(C))
        first = {}
        for n, m in path:
            first.setdefault(n, m)
        expected = stretched[b, [first[n] for n in range(N)]]
        torch.testing.assert_close(targets[b, :N], expected)


def test_em_objective_is_frame_loss_on_em_targets():
    X, _, batch, _ = random_batch(multilabel=True, with_blank=False, seed=5)
    targets = compute_em_targets(X, batch["stretched"], batch["input_lengths"], bce_cost)
    torch.testing.assert_close(Objective("EM", multilabel=True)(X, batch),
                               frame_loss(X, targets, batch["input_lengths"], multilabel=True))


def test_objective_rejects_unknown_configs_and_wrong_output_sizes():
    X, _, batch, _ = random_batch(multilabel=False, with_blank=False)
    with pytest.raises(ValueError, match="config must be one of"):
        Objective("CTC-D", multilabel=False)
    with pytest.raises(ValueError, match=r"X must have shape \(B, N, 13\)"):
        Objective("CTC-A", multilabel=False)(X, batch)
    assert uses_blank("CTC-C-W") and not uses_blank("SDTW-D") and not uses_blank("strong")


# ----------------------------------------------------------------------------- training

def synthetic_items(n_items, multilabel, seed=0, context=0):
    """HCQT-shaped features whose active pitch classes light up the matching bins of channel 1."""
    rng = np.random.default_rng(seed)
    items = []
    for _ in range(n_items):
        N = int(rng.integers(16, 24))
        t = np.sort(rng.choice(np.arange(2, N - 1), size=3, replace=False)) / SR
        starts, ends = np.concatenate([[0.0], t]), np.concatenate([t, [N / SR]])
        notes = np.stack([starts, ends, rng.integers(60, 72, size=4)], axis=1)
        if multilabel:
            notes = np.concatenate([notes, notes + [0, 0, 7]])
        targets = compute_targets(notes, N, SR, HOP, polyphonic=multilabel)
        features = 0.1 * rng.random((6, 216, N + context)).astype(np.float32)
        bins_of_class = (np.arange(216) // 3) % 12
        frames = targets["strong"]
        features[1, :, context // 2: context // 2 + N] += frames[:, bins_of_class].T
        items.append({"features": features, **targets})
    return items


def loader(items, batch_size, context=0):
    dataset = SequenceDataset(items, time_axes={"features": 2}, context=context)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, collate_fn=dataset.collate)


@pytest.mark.parametrize("task, config", [("mtd", "CTC-A"), ("mtd", "SDTW-E"), ("mtd", "EM"), ("mtd", "strong"),
                                          ("swd", "CTC-B"), ("swd", "SDTW-D-W")])
def test_a_short_training_lowers_the_loss(task, config):
    torch.manual_seed(0)
    model = build_model(task, with_blank=uses_blank(config), size="small")
    items = synthetic_items(6, multilabel=task == "swd", context=model.context)
    data = loader(items, batch_size=3, context=model.context)
    objective = Objective(config, multilabel=task == "swd")
    before, _ = run_epoch(model, objective, data, torch.device("cpu"))
    schedule = TrainingSchedule(epochs=8, lr=1e-2, lr_patience=5, stop_patience=10)
    history = fit(model, objective, data, data, schedule, progress=False)
    assert len(history.train_loss) == 8 and all(np.isfinite(history.train_loss))
    assert history.best_val_loss < 0.8 * before
    assert 0 < sum(history.loss_seconds) < sum(history.seconds) < history.wall_seconds   # wall: with validation


def test_an_interrupted_run_resumes_to_the_same_weights(tmp_path):
    items = synthetic_items(4, multilabel=False)

    def train(epochs, checkpoint):
        torch.manual_seed(1)
        model = build_model("mtd", with_blank=False, size="small")
        shuffled = torch.utils.data.DataLoader(SequenceDataset(items, time_axes={"features": 2}), batch_size=2,
                                               shuffle=True, collate_fn=SequenceDataset(items, {"features": 2}).collate)
        schedule = TrainingSchedule(epochs=epochs, lr=1e-2)
        history = fit(model, Objective("SDTW-E", False), shuffled, loader(items, 4), schedule, checkpoint,
                      progress=False)
        return model, history

    straight, history_straight = train(4, None)
    _, history_interrupted = train(2, tmp_path / "run.pt")     # "interrupted" after two epochs
    resumed, history_resumed = train(4, tmp_path / "run.pt")
    assert len(history_resumed.train_loss) == 4
    # the wall time of the run counts the epochs before the interruption too
    assert (history_resumed.wall_seconds - history_interrupted.wall_seconds
            >= sum(history_resumed.seconds[2:]) > 0)
    np.testing.assert_allclose(history_resumed.val_loss, history_straight.val_loss, rtol=1e-5)
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_early_stopping_restores_the_best_epoch():
    items = synthetic_items(2, multilabel=False)
    model = build_model("mtd", with_blank=False, size="small")
    val_calls = []

    def objective(X, batch):          # training loss falls, validation loss rises after epoch 0
        if model.training:
            return (X * 0).sum() + 1.0 - 0.1 * len(val_calls)
        val_calls.append(1)
        return (X * 0).sum() + float(len(val_calls))

    weights = {}

    def remember(module, inputs, output):
        if not module.training and len(val_calls) == 0:
            weights["epoch0"] = {k: v.clone() for k, v in module.state_dict().items()}

    model.register_forward_hook(remember)
    history = fit(model, objective, loader(items, 2), loader(items, 2),
                  TrainingSchedule(epochs=20, lr=1e-2, lr_patience=1, stop_patience=3), progress=False)
    assert history.stopped_early and history.best_epoch == 0 and len(history.val_loss) == 4
    assert history.lr[-1] < history.lr[0]                    # halved on the plateau
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, weights["epoch0"][k])


def test_schedule_rejects_bad_settings():
    with pytest.raises(ValueError, match="epochs"):
        TrainingSchedule(epochs=0)
    with pytest.raises(ValueError, match="lr must be"):
        TrainingSchedule(lr=0.0)
