"""Which minimum (Sec. VIII): Objective(minimum=...) and the experiments' --minimum.

Each objective is compared with the NumPy reference of Algorithm 1 run item by
item with the same minimum; the hard minimum's gradient must be the indicator
of the one best path, and training with it must stay finite.
"""
import json

import numpy as np
import pytest
import torch

from ddtw_edu import ctc_config, ddtw, sdtw_config
from ddtw_edu.configs import extended_labels
from ddtw_edu.costs import EPS, ctc_cost, mctc_cost, nll_cost
from ddtw_edu.data.batching import SequenceDataset
from ddtw_edu.data.targets import compute_targets
from ddtw_edu.experiments.__main__ import main
from ddtw_edu.experiments.run import RESUME_KEYS, plan_experiment
from ddtw_edu.models import build_model
from ddtw_edu.onsets import onset_config, onset_cost
from ddtw_edu.training import Objective, TrainingSchedule, fit, uses_blank, uses_onset

MINIMA = ("softmin", "sparsemin", "hardmin")
SR, HOP = 4, 1          # frames at t_n = n / 4 s


def notes_of(N, rng, multilabel):
    """Four notes over N frames, the third repeating the second (a repeated note for the onsets)."""
    t = np.sort(rng.choice(np.arange(2, N - 1), size=3, replace=False)) / SR
    pitches = rng.integers(60, 72, size=4)
    pitches[2] = pitches[1]
    notes = np.stack([np.concatenate([[0.0], t]), np.concatenate([t, [N / SR]]), pitches], axis=1)
    return np.concatenate([notes, notes + [0, 0, 4]]) if multilabel else notes


def batch_of(config, multilabel, seed=0, lengths=(10, 8, 9)):
    """Random probabilities X in the configuration's layout and a collated batch of note targets."""
    rng = np.random.default_rng(seed)
    items = [{"features": np.zeros((N, 1)), **compute_targets(notes_of(N, rng, multilabel), N, SR, HOP,
                                                               polyphonic=multilabel)} for N in lengths]
    dataset = SequenceDataset(items, float_dtype=torch.float64)
    batch = dataset.collate([dataset[i] for i in range(len(items))])
    extra = uses_blank(config) or uses_onset(config)
    logits = torch.tensor(rng.standard_normal((len(items), max(lengths), 12 + extra)), requires_grad=True)
    if multilabel:
        X = torch.sigmoid(logits)
    elif uses_onset(config):
        X = torch.cat([torch.sigmoid(logits[..., :1]), torch.softmax(logits[..., 1:], -1)], -1)
    else:
        X = torch.softmax(logits, -1)
    return X, logits, batch, items


def reference_value(config, multilabel, X, item, gamma, minimum):
    """Algorithm 1 (NumPy reference) for one item, normalized as the configuration's loss."""
    N = len(item["strong"])
    X = X[:N].detach()
    if uses_onset(config):
        labels = item["ctc"]
        C, blocks, norm = onset_cost(X, torch.as_tensor(labels)), onset_config(N, len(labels), config), 1
    elif config.startswith("CTC") and multilabel:
        Y = item["weak"]
        C, blocks, norm = mctc_cost(X, torch.as_tensor(Y)), ctc_config(Y, N, config), len(Y)
    elif config.startswith("CTC"):
        labels = item["ctc"]
        C = ctc_cost(X, torch.as_tensor(extended_labels(labels)), EPS)
        blocks, norm = ctc_config(labels, N, config), len(labels)
    else:
        Y = item["weak"]
        C, blocks, norm = nll_cost(X, torch.as_tensor(Y)), sdtw_config(N, len(Y), config), 1
    return ddtw(C.numpy(), **blocks._asdict(), gamma=gamma, minimum=minimum).value / norm


@pytest.mark.parametrize("minimum", MINIMA)
@pytest.mark.parametrize("config, multilabel", [("SDTW-E", False), ("SDTW-D-W", False), ("CTC-A", False),
                                                ("CTC-B-W", False), ("CTC-A", True), ("SDTW-E-ONSET", False)])
def test_objective_with_each_minimum_is_the_mean_of_algorithm_1(config, multilabel, minimum):
    X, _, batch, items = batch_of(config, multilabel)
    ours = Objective(config, multilabel, gamma=0.5, minimum=minimum)(X, batch)
    expected = np.mean([reference_value(config, multilabel, X[b], item, 0.5, minimum)
                        for b, item in enumerate(items)])
    np.testing.assert_allclose(ours.item(), expected, rtol=1e-10)


def test_softmin_objective_is_unchanged():
    """The default minimum is softmin, and the single-label CTC-A objective is then torch's CTC."""
    X, _, batch, _ = batch_of("CTC-A", False)
    objective = Objective("CTC-A", False)
    assert objective.minimum == "softmin"
    log_probs = torch.log(X.clamp_min(EPS)).transpose(0, 1)
    expected = torch.nn.functional.ctc_loss(log_probs, batch["ctc"], batch["input_lengths"],
                                            batch["target_lengths"]["ctc"], zero_infinity=True)
    torch.testing.assert_close(objective(X, batch), expected)


@pytest.mark.parametrize("config", ["SDTW-E", "SDTW-E-W", "SDTW-D"])
def test_hardmin_gradient_is_the_best_path(config):
    """With hardmin, E is a 0/1 path, H = E times the weight of the step into each cell, the value sum(H * C),
    and the objective's gradient is that of sum(H * C) with H held fixed."""
    X, logits, batch, items = batch_of(config, False, seed=2)
    loss = Objective(config, False, minimum="hardmin")(X, batch)
    (grad,) = torch.autograd.grad(loss, logits, retain_graph=True)
    fixed = 0
    for b, item in enumerate(items):
        N, Y = len(item["strong"]), torch.as_tensor(item["weak"])
        C = nll_cost(X[b, :N], Y)
        result = ddtw(C.detach().numpy(), **sdtw_config(N, len(Y), config)._asdict(), minimum="hardmin")
        assert set(np.unique(result.E)) <= {0.0, 1.0}
        cells = np.argwhere(result.E == 1)
        assert tuple(cells[0]) == (0, 0) and tuple(cells[-1]) == (N - 1, len(Y) - 1)
        assert (np.diff(cells, axis=0) >= 0).all() and (np.abs(np.diff(cells, axis=0)).sum(1) >= 1).all()
        assert set(np.unique(result.H[result.E == 1])) <= {1.0, 0.1} and (result.H[result.E == 0] == 0).all()
        np.testing.assert_allclose(result.value, (result.H * C.detach().numpy()).sum(), rtol=1e-12)
        fixed = fixed + (torch.from_numpy(result.H) * C).sum() / len(items)
    (expected,) = torch.autograd.grad(fixed, logits)
    torch.testing.assert_close(grad, expected)


def synthetic_items(n_items, seed=0):
    """HCQT-shaped features in which the sounding pitch class lights up its bins."""
    rng = np.random.default_rng(seed)
    items = []
    for _ in range(n_items):
        N = int(rng.integers(16, 22))
        targets = compute_targets(notes_of(N, rng, False), N, SR, HOP)
        features = 0.1 * rng.random((6, 216, N)).astype(np.float32)
        features[1] += targets["strong"][:, (np.arange(216) // 3) % 12].T
        items.append({"features": features, **targets})
    return items


@pytest.mark.parametrize("config", ["SDTW-E", "CTC-A", "SDTW-E-ONSET"])
def test_training_with_hardmin_stays_finite(config):
    """A 0/1 E from the hard minimum trains without NaN: finite losses and weights after a few epochs."""
    torch.manual_seed(0)
    model = build_model("mtd", with_blank=uses_blank(config), size="small", with_onset=uses_onset(config))
    dataset = SequenceDataset(synthetic_items(4), time_axes={"features": 2})
    data = torch.utils.data.DataLoader(dataset, batch_size=2, collate_fn=dataset.collate)
    history = fit(model, Objective(config, False, minimum="hardmin"), data, data,
                  TrainingSchedule(epochs=3, lr=1e-2), progress=False)
    assert all(np.isfinite(history.train_loss)) and all(np.isfinite(history.val_loss))
    assert all(torch.isfinite(p).all() for p in model.parameters())


# ----------------------------------------------------------------------------- bad names and the experiments


def test_bad_minimum_names_raise():
    with pytest.raises(ValueError, match="minimum must be one of"):
        Objective("SDTW-E", False, minimum="softmax")
    with pytest.raises(ValueError, match="gamma must be"):
        Objective("SDTW-E", False, gamma=0.0, minimum="sparsemin")
    Objective("SDTW-E", False, gamma=0.0, minimum="hardmin")        # hardmin ignores gamma
    with pytest.raises(ValueError, match="minimum must be one of"):
        plan_experiment("mtd", "unused", data_size="tiny", device="cpu", minimum="min")
    with pytest.raises(SystemExit):
        main(["mtd", "--out", "unused", "--minimum", "softmax", "--dry-run"])


def test_the_minimum_is_a_setting_to_resume_by(tmp_path):
    """A results folder remembers its minimum; one made before the setting existed reads as softmin."""
    assert "minimum" in RESUME_KEYS
    plan = plan_experiment("mtd", tmp_path / "new", configs=["SDTW-E-ONSET", "CTC-A"], data_size="tiny",
                           device="cpu", minimum="hardmin")
    assert plan.settings["minimum"] == "hardmin" and plan.configs == ("SDTW-E-ONSET", "CTC-A")
    old = tmp_path / "old"
    old.mkdir()
    settings = {key: plan.settings[key] for key in RESUME_KEYS + ("data_size",) if key != "minimum"}
    (old / "results.json").write_text(json.dumps({"settings": settings, "rows": []}))
    plan_experiment("mtd", old, configs=["CTC-A"], data_size="tiny", device="cpu")      # softmin: resumes
    with pytest.raises(ValueError, match="minimum was 'softmin', now 'hardmin'"):
        plan_experiment("mtd", old, configs=["CTC-A"], data_size="tiny", device="cpu", minimum="hardmin")
    with pytest.raises(ValueError, match="configs: SDTW-E-ONSET needs the task mtd"):
        plan_experiment("swd", tmp_path / "swd", configs=["SDTW-E-ONSET"], data_size="tiny", device="cpu")
