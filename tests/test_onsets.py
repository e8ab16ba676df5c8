"""Repeated notes without a blank (ddtw_edu.onsets): paths, values, gradients, decoding, networks, bad input.

The alignment of the onset configurations is checked against path enumeration
(ddtw_edu.bruteforce) on costs computed here by hand, so neither the
recursion nor the library's cost function checks itself.
"""
from math import comb

import numpy as np
import pytest
import torch

from ddtw_edu import ddtw
from ddtw_edu.bruteforce import ddtw_bruteforce, enumerate_paths
from ddtw_edu.evaluation import greedy_decode, onset_decode
from ddtw_edu.experiments.evaluate import decode, pitch_class_channels
from ddtw_edu.models import MelodyCNN, build_model, count_parameters
from ddtw_edu.onsets import ONSET_CONFIGS, onset_config, onset_cost, onset_loss
from ddtw_edu.parameters import check_weights
from ddtw_edu.training import Objective, uses_blank, uses_onset

EPS = 1e-7


def all_paths(N, M, config="SDTW-E-ONSET"):
    blocks = onset_config(N, M, config)
    W = check_weights(blocks.weights, N, 2 * M, 2)
    return enumerate_paths(N, 2 * M, blocks.steps, W, blocks.start, blocks.end)


def frames_per_column(path, columns):
    counts = np.zeros(columns, dtype=int)
    for _, m, _ in path:
        counts[m] += 1
    return counts


def cost_by_hand(X, labels):
    """C[n, 2m] = -log x_n[k_m] - log o_n, C[n, 2m + 1] = -log x_n[k_m] - log(1 - o_n), clipped."""
    X = np.asarray(X, dtype=np.float64)
    o = np.clip(X[:, 0], EPS, 1 - EPS)
    C = np.zeros((len(X), 2 * len(labels)))
    for m, k in enumerate(labels):
        pitch = -np.log(np.maximum(X[:, k], EPS))
        C[:, 2 * m] = pitch - np.log(o)
        C[:, 2 * m + 1] = pitch - np.log(1 - o)
    return C


def onset_predictions(logits):
    """Onset sigmoid in channel 0, pitch-class softmax in channels 1..12 (the network's layout)."""
    return torch.cat([torch.sigmoid(logits[..., :1]), torch.softmax(logits[..., 1:], -1)], -1)


# ----------------------------------------------------------------------------- paths


@pytest.mark.parametrize("config", ONSET_CONFIGS)
@pytest.mark.parametrize("N, M", [(2, 1), (5, 1), (4, 2), (7, 2), (6, 3), (8, 3)])
def test_an_onset_takes_exactly_one_frame_on_every_path(config, N, M):
    """Every allowed path: one cell per frame, each onset column one frame, each sustain column >= 1."""
    paths = all_paths(N, M, config)
    assert len(paths) == comb(N - M - 1, M - 1)           # sustain lengths >= 1 summing to N - M
    for path in paths:
        assert [n for n, _, _ in path] == list(range(N))
        counts = frames_per_column(path, 2 * M)
        assert (counts[0::2] == 1).all() and (counts[1::2] >= 1).all()


def test_too_few_frames_leave_no_path():
    """N < 2M: no path, the value is inf (as CTC with too few frames)."""
    assert all_paths(5, 3) == []
    assert ddtw(np.ones((5, 6)), **onset_config(5, 3)._asdict()).value == np.inf


def test_a_repeated_note_needs_two_onset_frames():
    """Labels [k, k]: both onset columns on frames of their own, and only where o_n is high is it cheap."""
    for path in all_paths(7, 2):
        onset_frames = [n for n, m, _ in path if m % 2 == 0]
        assert len(onset_frames) == 2 and onset_frames[0] < onset_frames[1]
    k, N = 4, 8
    X = np.full((N, 13), 0.01)
    X[:, k] = 0.89
    X[:, 0] = 0.01
    X[0, 0] = 0.99
    one_onset = torch.from_numpy(X)[None]
    single = onset_loss(one_onset, torch.tensor([[k]]), minimum="hardmin").item()
    repeated = onset_loss(one_onset, torch.tensor([[k, k]]), minimum="hardmin").item()
    assert repeated - single > -np.log(0.01) - 2 * -np.log(0.99) - 1e-9    # the second onset costs -log o_n
    X[5, 0] = 0.99                                                         # a second onset at frame 5
    result = ddtw(cost_by_hand(X, [k, k]), **onset_config(N, 2)._asdict(), minimum="hardmin")
    assert np.flatnonzero(result.E[:, 2]).tolist() == [5]                 # the second note starts there


# ----------------------------------------------------------------------------- values and gradients


@pytest.mark.parametrize("config", ONSET_CONFIGS)
@pytest.mark.parametrize("minimum", ["softmin", "hardmin"])
@pytest.mark.parametrize("labels", [[3], [3, 3], [2, 7, 7]])
def test_the_recursion_equals_path_enumeration(config, minimum, labels):
    """dDTW of the onset blocks equals the minimum over all enumerated paths (value, H, E), float64."""
    rng = np.random.default_rng(len(labels))
    N = 7
    X = rng.random((N, 13))
    X[:, 1:] /= X[:, 1:].sum(axis=1, keepdims=True)
    C = cost_by_hand(X, labels)
    blocks = onset_config(N, len(labels), config)._asdict()
    value, H, E, _ = ddtw_bruteforce(C, **blocks, gamma=0.7, minimum=minimum)
    for backend in ("numpy", "numba"):
        result = ddtw(C, **blocks, gamma=0.7, minimum=minimum, backend=backend)
        np.testing.assert_allclose(result.value, value, rtol=1e-10)
        np.testing.assert_allclose(result.H, H, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(result.E, E, rtol=1e-10, atol=1e-12)


def test_onset_loss_equals_path_enumeration_on_the_cost_by_hand():
    """onset_loss of a padded batch: item b's value is the enumeration over its own N_b x 2M_b problem."""
    rng = np.random.default_rng(3)
    X = onset_predictions(torch.from_numpy(rng.standard_normal((2, 9, 13))))
    labels = torch.tensor([[5, 5, 1], [12, 2, 1]])             # item 1 has two notes, the third is padding
    N_lengths, M_lengths = [9, 6], [3, 2]
    ours = onset_loss(X, labels, N_lengths, M_lengths, gamma=0.5, reduction="none")
    for b in range(2):
        N, M = N_lengths[b], M_lengths[b]
        C = cost_by_hand(X[b, :N].numpy(), labels[b, :M].tolist())
        np.testing.assert_allclose(ours[b].item(), ddtw_bruteforce(C, **onset_config(N, M)._asdict(), gamma=0.5)[0],
                                   rtol=1e-10)
    torch.testing.assert_close(onset_cost(X, labels), torch.from_numpy(np.stack(
        [cost_by_hand(X[b].numpy(), labels[b].tolist()) for b in range(2)])))


@pytest.mark.parametrize("config", ONSET_CONFIGS)
def test_gradients_are_finite_and_pass_gradcheck(config):
    logits = torch.randn(2, 6, 13, dtype=torch.float64, generator=torch.Generator().manual_seed(0),
                         requires_grad=True)
    labels = torch.tensor([[3, 3], [9, 1]])

    def loss(logits):
        return onset_loss(onset_predictions(logits), labels, None, [2, 1], config=config, gamma=0.8)

    assert torch.autograd.gradcheck(loss, (logits,))
    (grad,) = torch.autograd.grad(loss(logits), logits)
    assert torch.isfinite(grad).all()


def test_objective_is_the_batch_mean_of_algorithm_1():
    """Objective('SDTW-E-ONSET') on a collated batch: the mean of the NumPy reference over its items."""
    rng = np.random.default_rng(1)
    X = onset_predictions(torch.from_numpy(rng.standard_normal((2, 8, 13))))
    batch = {"ctc": torch.tensor([[4, 4, 7], [2, 9, 1]]), "input_lengths": torch.tensor([8, 7]),
             "target_lengths": {"ctc": torch.tensor([3, 2])}}
    ours = Objective("SDTW-E-W-ONSET", multilabel=False, gamma=0.6)(X, batch)
    values = [ddtw(cost_by_hand(X[b, :N].numpy(), batch["ctc"][b, :M].tolist()),
                   **onset_config(N, M, "SDTW-E-W-ONSET")._asdict(), gamma=0.6).value
              for b, (N, M) in enumerate([(8, 3), (7, 2)])]
    np.testing.assert_allclose(ours.item(), np.mean(values), rtol=1e-10)
    assert uses_onset("SDTW-E-ONSET") and not uses_blank("SDTW-E-ONSET") and not uses_onset("CTC-A")


# ----------------------------------------------------------------------------- decoding


def repeated_note_prediction(onset_frames, N=10, k=3):
    """Pitch class k - 1 throughout (channel k), the onset channel firing at ``onset_frames``."""
    X = np.full((N, 13), 0.02)
    X[:, k] = 0.78
    X[:, 0] = 0.05
    X[onset_frames, 0] = 0.9
    return X


def test_decoding_by_onsets_separates_a_repeated_note_where_collapsing_cannot():
    X = repeated_note_prediction([0, 5])
    assert onset_decode(X) == [3, 3]
    assert greedy_decode(np.log(X[:, 1:])) == [2]                 # the same pitch channels, collapsed: one note
    assert decode(X, with_blank=False, with_onset=True) == ([2, 2], [2, 2])    # pitch classes, beam = greedy


def test_decoding_rule_by_hand():
    """The first frame of a run above the threshold is the onset; frame 0 always starts a note."""
    X = repeated_note_prediction([0, 1, 6, 7])                  # two runs of two frames: two notes
    assert onset_decode(X) == [3, 3]
    X = repeated_note_prediction([4])                           # no onset at frame 0: it starts a note anyway
    X[:4, 3], X[:4, 8] = 0.02, 0.78
    assert onset_decode(X) == [8, 3]
    X = repeated_note_prediction([])                            # no onset at all: greedy collapse
    X[6:, 3], X[6:, 5] = 0.02, 0.78
    assert onset_decode(X) == [3, 5] and greedy_decode(X[:, 1:]) == [2, 4]
    X = repeated_note_prediction([2, 5])                        # a note's class: the largest summed probability
    X[5, 3], X[5, 9] = 0.02, 0.9
    assert onset_decode(X) == [3, 3, 3]
    assert onset_decode(repeated_note_prediction([0, 5])[:, ::-1], onset=12) == [9, 9]


def test_onset_networks_are_scored_on_their_pitch_classes():
    X = repeated_note_prediction([0, 5])
    np.testing.assert_array_equal(pitch_class_channels(X, False, with_onset=True), X[:, 1:])
    np.testing.assert_array_equal(pitch_class_channels(X[:, 1:], False), X[:, 1:])


# ----------------------------------------------------------------------------- networks


@pytest.mark.parametrize("size", ["paper", "small"])
@pytest.mark.parametrize("with_blank", [False, True])
def test_networks_without_onsets_are_unchanged(size, with_blank):
    """with_onset=False draws the same weights and gives the same outputs as the default arguments."""
    torch.manual_seed(0)
    default = build_model("mtd", with_blank, size)
    torch.manual_seed(0)
    explicit = build_model("mtd", with_blank, size, with_onset=False)
    assert count_parameters(explicit) == count_parameters(default)
    assert default.state_dict().keys() == explicit.state_dict().keys()
    for key, value in default.state_dict().items():
        assert torch.equal(value, explicit.state_dict()[key])
    features = torch.randn(1, 6, 216, 7, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.equal(default(features), explicit(features))


@pytest.mark.parametrize("size", ["paper", "small"])
def test_the_onset_network(size):
    """217 parameters more; channel 0 a probability of its own, channels 1..12 on the simplex."""
    torch.manual_seed(0)
    model = build_model("mtd", size=size, with_onset=True)
    assert count_parameters(model) == count_parameters(MelodyCNN(size=size)) + 217 and model.K == 13
    features = torch.randn(2, 6, 216, 9, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        X, log_X = model(features), model.log_probs(features)
    assert X.shape == (2, 9, 13) and ((X >= 0) & (X <= 1)).all()
    torch.testing.assert_close(X[..., 1:].sum(-1), torch.ones(2, 9))
    torch.testing.assert_close(log_X.exp(), X)


# ----------------------------------------------------------------------------- bad input


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="with_onset and with_blank"):
        build_model("mtd", with_blank=True, with_onset=True)
    with pytest.raises(ValueError, match="with_onset needs task 'mtd'"):
        build_model("swd", with_onset=True)
    with pytest.raises(ValueError, match="with_onset must be one of"):
        MelodyCNN(with_onset=1)
    with pytest.raises(ValueError, match="config must be one of"):
        Objective("SDTW-E-ONSETS", multilabel=False)
    with pytest.raises(ValueError, match="config must be one of"):
        onset_config(6, 2, "SDTW-E")
    with pytest.raises(ValueError, match="config SDTW-E-ONSET is single-label only"):
        Objective("SDTW-E-ONSET", multilabel=True)
    X = onset_predictions(torch.zeros(1, 6, 13))
    with pytest.raises(ValueError, match=r"labels must be channel indices in \[1, 13\)"):
        onset_loss(X, torch.tensor([[0, 2]]))
    with pytest.raises(ValueError, match="labels must be a tensor"):
        onset_loss(X, torch.tensor([2, 3]))
    with pytest.raises(ValueError, match="X must be a tensor"):
        onset_loss(X[0], torch.tensor([[2]]))
    with pytest.raises(ValueError, match="onset must be a channel index"):
        onset_decode(np.ones((4, 13)) / 13, onset=13)
    with pytest.raises(ValueError, match="threshold must be"):
        onset_decode(np.ones((4, 13)) / 13, threshold=0)
    with pytest.raises(ValueError, match="with_onset and with_blank"):
        pitch_class_channels(np.ones((4, 13)), True, with_onset=True)
