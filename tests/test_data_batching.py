"""Datasets and padding collation (ddtw_edu.data.batching).

The integration checks run the losses on a padded batch and compare every
item with an unpadded single-item call: padding must not change any value or
gradient.
"""
import numpy as np
import pytest
import torch

from ddtw_edu import ctc_loss, multilabel_ctc_loss, sdtw_loss
from ddtw_edu.costs import bce_cost
from ddtw_edu.data.batching import SequenceDataset, collate_sequences
from ddtw_edu.data.targets import compute_targets

SR, HOP = 4, 1
BACKEND = "numpy"

# three melodies of different lengths (frames at t_n = n / 4 s)
MELODIES = [
    ([[0.0, 0.5, 62], [0.5, 1.0, 62], [1.0, 1.5, 64]], 7),                   # D D E: weak (D, E, rest)
    ([[0.0, 1.0, 60], [1.5, 2.0, 67], [2.0, 2.5, 65], [2.5, 3.0, 64]], 12),  # C rest G F E
    ([[0.0, 0.75, 69]], 4),                                                   # A rest
]
CHORDS = [
    ([[0.0, 1.0, 60], [0.0, 1.0, 64], [0.5, 1.5, 67]], 6),
    ([[0.0, 0.5, 62], [0.5, 1.0, 65], [0.5, 2.0, 69], [1.0, 2.0, 60]], 9),
]


def make_items(pieces, K, polyphonic=False, seed=0):
    """Items with random features (N, K) standing in for network outputs, plus all targets."""
    rng = np.random.default_rng(seed)
    items = []
    for b, (notes, N) in enumerate(pieces):
        item = {"features": rng.standard_normal((N, K)), "name": f"piece{b}"}
        item.update(compute_targets(notes, N, SR, HOP, polyphonic=polyphonic))
        items.append(item)
    return items


def test_collate_pads_and_records_lengths():
    items = make_items(MELODIES, 13)
    ds = SequenceDataset(items, float_dtype=torch.float64)
    batch = ds.collate([ds[i] for i in range(len(ds))])
    Ns = [7, 12, 4]
    Ms = [len(it["weak"]) for it in items]
    Ss = [len(it["ctc"]) for it in items]
    assert batch["features"].shape == (3, 12, 13)
    assert batch["weak"].shape == (3, max(Ms), 12)
    assert batch["ctc"].shape == (3, max(Ss)) and batch["ctc"].dtype == torch.int64
    assert batch["input_lengths"].tolist() == Ns and batch["input_lengths"].dtype == torch.int64
    assert batch["target_lengths"]["weak"].tolist() == Ms
    assert batch["target_lengths"]["ctc"].tolist() == Ss
    assert batch["target_lengths"]["strong"].tolist() == Ns
    assert batch["name"] == ["piece0", "piece1", "piece2"]
    for b, it in enumerate(items):
        N, M, S = Ns[b], Ms[b], Ss[b]
        np.testing.assert_array_equal(batch["features"][b, :N].numpy(), it["features"])
        assert (batch["features"][b, N:] == 0).all()
        np.testing.assert_array_equal(batch["weak"][b, :M].numpy(), it["weak"])
        assert (batch["weak"][b, M:] == 0).all()
        np.testing.assert_array_equal(batch["ctc"][b, :S].numpy(), it["ctc"])
        assert (batch["ctc"][b, S:] == 1).all()       # a valid non-blank class
        np.testing.assert_array_equal(batch["stretched"][b, :N].numpy(), it["stretched"])


def test_dataset_returns_tensors_of_the_requested_dtypes():
    ds = SequenceDataset(make_items(MELODIES, 13))
    item = ds[0]
    assert len(ds) == 3
    assert item["features"].dtype == torch.float32 and item["weak"].dtype == torch.float32
    assert item["ctc"].dtype == torch.int64 and item["name"] == "piece0"


def test_dataloader_with_channel_first_features():
    rng = np.random.default_rng(1)
    items = [{"features": rng.standard_normal((2, N, 5)), "weak": np.ones((M, 12))} for N, M in [(3, 2), (6, 1)]]
    ds = SequenceDataset(items, time_axes={"features": 1})
    loader = torch.utils.data.DataLoader(ds, batch_size=2, collate_fn=ds.collate)
    batch = next(iter(loader))
    assert batch["features"].shape == (2, 2, 6, 5)
    assert batch["input_lengths"].tolist() == [3, 6]
    assert (batch["features"][0, :, 3:] == 0).all() and (batch["features"][0, :, :3] != 0).all()
    assert batch["target_lengths"]["weak"].tolist() == [2, 1]


def test_ctc_loss_on_padded_batch_matches_single_items():
    items = make_items(MELODIES, 13)
    ds = SequenceDataset(items, float_dtype=torch.float64)
    batch = ds.collate([ds[i] for i in range(len(ds))])
    logits = batch["features"].clone().requires_grad_(True)
    log_probs = logits.log_softmax(-1).transpose(0, 1)                           # (T, B, 13)
    values = ctc_loss(log_probs, batch["ctc"], batch["input_lengths"], batch["target_lengths"]["ctc"],
                      reduction="none", backend=BACKEND)
    values.sum().backward()
    for b in range(len(ds)):
        x = ds[b]["features"].clone().requires_grad_(True)
        labels = ds[b]["ctc"][None]
        single = ctc_loss(x.log_softmax(-1)[:, None], labels, [x.shape[0]], [labels.shape[1]],
                          reduction="none", backend=BACKEND)
        single.sum().backward()
        torch.testing.assert_close(values[b], single[0])
        torch.testing.assert_close(logits.grad[b, : x.shape[0]], x.grad)
        assert (logits.grad[b, x.shape[0]:] == 0).all()
    assert torch.isfinite(values).all()


def test_sdtw_loss_on_padded_batch_matches_single_items():
    items = make_items(MELODIES, 12, seed=2)
    ds = SequenceDataset(items, float_dtype=torch.float64)
    batch = ds.collate([ds[i] for i in range(len(ds))])
    X = batch["features"].sigmoid()
    C = bce_cost(X, batch["weak"])                                              # (B, N_max, M_max)
    values = sdtw_loss(C, gamma=0.5, config="SDTW-E", input_lengths=batch["input_lengths"],
                       target_lengths=batch["target_lengths"]["weak"], backend=BACKEND)
    for b in range(len(ds)):
        Cb = bce_cost(ds[b]["features"].sigmoid()[None], ds[b]["weak"][None])
        single = sdtw_loss(Cb, gamma=0.5, config="SDTW-E", backend=BACKEND)
        torch.testing.assert_close(values[b], single[0])
    # the padding really was ignored: a full-size call on item 2 gives another value
    full = sdtw_loss(C[2:3], gamma=0.5, config="SDTW-E", backend=BACKEND)
    assert not torch.isclose(full[0], values[2])


def test_multilabel_ctc_loss_on_padded_chord_batch_matches_single_items():
    items = make_items(CHORDS, 13, polyphonic=True, seed=3)
    ds = SequenceDataset(items, float_dtype=torch.float64)
    batch = ds.collate([ds[i] for i in range(len(ds))])
    values = multilabel_ctc_loss(batch["features"].sigmoid(), batch["weak"], batch["input_lengths"],
                                 batch["target_lengths"]["weak"], reduction="none", backend=BACKEND)
    for b in range(len(ds)):
        single = multilabel_ctc_loss(ds[b]["features"].sigmoid()[None], ds[b]["weak"][None],
                                     reduction="none", backend=BACKEND)
        torch.testing.assert_close(values[b], single[0])


@pytest.mark.parametrize("build, match", [
    (lambda: SequenceDataset([{"weak": np.ones((2, 12))}]), "'features'"),
    (lambda: SequenceDataset([{"features": np.ones((4, 3)), "strong": np.ones((5, 12))}]), r"'strong'\] has 5 frames"),
    (lambda: SequenceDataset([{"features": np.ones((4, 3))}], time_axes={"features": 2}), "no time axis 2"),
    (lambda: SequenceDataset([], float_dtype=torch.int64), "float_dtype"),
    (lambda: collate_sequences([]), "at least one item"),
    (lambda: collate_sequences([{"features": np.ones((2, 3))}, {"features": np.ones((2, 4))}]), "'features'"),
    (lambda: collate_sequences([{"features": np.ones((2, 3))}, {"features": np.ones((2, 3)), "weak": np.ones(1)}]),
     "fields"),
])
def test_bad_input_names_the_argument(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_context_frames_are_not_counted_in_input_lengths():
    rng = np.random.default_rng(1)
    items = [{"features": rng.standard_normal((2, N + 4)), "strong": np.eye(3)[rng.integers(0, 3, N)]}
             for N in (5, 7)]
    dataset = SequenceDataset(items, time_axes={"features": 1}, context=4)
    batch = dataset.collate([dataset[0], dataset[1]])
    assert batch["features"].shape == (2, 2, 11)
    assert batch["input_lengths"].tolist() == [5, 7]
    assert batch["strong"].shape == (2, 7, 3)
    with pytest.raises(ValueError, match="context"):
        SequenceDataset(items, time_axes={"features": 1}, context=0)     # strong has N rows, features N + 4
    with pytest.raises(ValueError, match="context must be an integer"):
        SequenceDataset(items, time_axes={"features": 1}, context=-1)
