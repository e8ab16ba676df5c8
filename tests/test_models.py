"""The networks of Tables II and V: parameter counts per row, output contract, gradients, bad input."""
import pytest
import torch

from ddtw_edu.models import MelodyCNN, PitchClassCNN, build_model, count_parameters

SIZES = ("paper", "small")
TOTALS = {("mtd", "paper"): 72753, ("mtd", "small"): 7249, ("swd", "paper"): 48315, ("swd", "small"): 9543}
BLANK_PARAMETERS = {"mtd": 217, "swd": 73}


def random_features(B, N, seed=0):
    return torch.randn(B, 6, 216, N, generator=torch.Generator().manual_seed(seed))


def layer_counts(model, names):
    return [count_parameters(getattr(model, name)) for name in names]


@pytest.mark.parametrize("with_blank", [False, True])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("task", ["mtd", "swd"])
def test_parameter_totals(task, size, with_blank):
    """Table II: 72753 + 217 Z; Table V: 48315 + 73 Z; the small variants have fewer."""
    model = build_model(task, with_blank, size)
    assert count_parameters(model) == TOTALS[task, size] + with_blank * BLANK_PARAMETERS[task]


def test_melody_cnn_rows_of_table_ii():
    """Every row of Table II, with the 3 x 3 32 -> 32 row twice (the one the table omits)."""
    model = MelodyCNN(with_blank=True)
    assert [count_parameters(conv) for conv in model.convs] == [3520, 18464, 9248, 9248, 32264, 9]
    assert [tuple(conv.kernel_size) for conv in model.convs] == [(3, 3)] * 4 + [(3, 42), (1, 1)]
    assert count_parameters(model.blank_layer) == 217


def test_pitch_class_cnn_rows_of_table_v():
    model = PitchClassCNN(with_blank=True)
    names = ["norm", "conv1", "conv2", "conv3", "conv4", "conv5", "blank_layer"]
    assert layer_counts(model, names) == [2592, 27020, 3620, 15010, 11, 62, 73]
    assert [tuple(getattr(model, f"conv{i}").kernel_size) for i in range(1, 6)] == [
        (15, 15), (3, 3), (75, 1), (1, 1), (1, 61)]


@pytest.mark.parametrize("with_blank", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_melody_cnn_softmax_outputs(size, with_blank):
    """N frames in, N frames out, rows on the simplex; log_probs is their log."""
    model = MelodyCNN(with_blank, size)
    features = random_features(2, 9)
    with torch.no_grad():
        X = model(features)
        log_X = model.log_probs(features)
    assert X.shape == (2, 9, 12 + with_blank) and model.K == 12 + with_blank
    assert (X >= 0).all()
    torch.testing.assert_close(X.sum(-1), torch.ones(2, 9))
    torch.testing.assert_close(log_X.exp(), X)


@pytest.mark.parametrize("with_blank", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_pitch_class_cnn_sigmoid_outputs(size, with_blank):
    """N + 74 frames in, N frames out, each entry a probability in [0, 1]."""
    model = PitchClassCNN(with_blank, size)
    with torch.no_grad():
        X = model(random_features(2, 5 + PitchClassCNN.context))
    assert X.shape == (2, 5, 12 + with_blank) and model.K == 12 + with_blank
    assert ((X >= 0) & (X <= 1)).all()
    assert not torch.allclose(X.sum(-1), torch.ones(2, 5))      # not a softmax


@pytest.mark.parametrize("model_class", [MelodyCNN, PitchClassCNN])
def test_blank_is_channel_0(model_class):
    """With Z = 1, channels 1..12 are the Z = 0 logits and only channel 0 moves with the blank layer."""
    torch.manual_seed(0)
    with_blank, without = model_class(with_blank=True, size="small"), model_class(with_blank=False, size="small")
    without.load_state_dict({k: v for k, v in with_blank.state_dict().items() if not k.startswith("blank_layer")})
    features = random_features(1, 3 + model_class.context)
    with torch.no_grad():
        before = with_blank.logits(features)
        with_blank.blank_layer.bias += 1.0
        after = with_blank.logits(features)
        torch.testing.assert_close(before[..., 1:], without.logits(features))
    torch.testing.assert_close(after[..., 0], before[..., 0] + 1.0)
    torch.testing.assert_close(after[..., 1:], before[..., 1:])


def test_melody_pooling_is_max_over_octaves_and_semitone_bins():
    """Pitch class k takes the maximum of the 18 bins b with (b // 3) % 12 == k; the blank reads all 216."""
    model = MelodyCNN(with_blank=True, size="small")
    bin_logits = torch.zeros(1, 1, 2, 216)          # what the last conv outputs: (B, 1, N, 216)
    bin_logits[..., 3 * (12 * 2 + 7) + 2] = 5.0     # G3, upper bin of its semitone
    bin_logits[..., 3 * (12 * 4 + 7)] = 2.0         # G5: same pitch class, smaller
    bin_logits[..., 3 * 1 + 1] = -4.0               # C#1 below zero: the maximum 0 of its other bins wins
    bin_logits[..., 3 * (12 * 5 + 11) + 2] = 1.5    # B6, the top bin
    model.convs[-1].register_forward_hook(lambda module, inputs, output: bin_logits)
    with torch.no_grad():
        logits = model.logits(random_features(1, 2))
        blank_logit = model.blank_layer(bin_logits[:, 0])
    expected = torch.zeros(1, 2, 12)
    expected[..., 7], expected[..., 11] = 5.0, 1.5
    torch.testing.assert_close(logits[..., 1:], expected)
    torch.testing.assert_close(logits[..., :1], blank_logit)


@pytest.mark.parametrize("model_class", [MelodyCNN, PitchClassCNN])
@pytest.mark.parametrize("size", SIZES)
def test_every_parameter_gets_a_gradient(model_class, size):
    model = model_class(with_blank=True, size=size)
    weights = torch.rand(2, 4, 13, generator=torch.Generator().manual_seed(1))
    (model(random_features(2, 4 + model_class.context)).log() * weights).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


def test_melody_cnn_receptive_field_is_five_frames():
    """Five layers of time extent 3: output n reads input frames n - 5 .. n + 5, no more."""
    model = MelodyCNN(with_blank=True)
    features = random_features(1, 31)
    changed = features.clone()
    changed[..., :10] += 3.0
    changed[..., 21:] -= 3.0
    with torch.no_grad():
        X, X_changed = model(features), model(changed)
    torch.testing.assert_close(X_changed[:, 15], X[:, 15], rtol=0, atol=0)      # 15 - 10 > 5 and 21 - 15 > 5
    assert not torch.equal(X_changed[:, 14], X[:, 14])                       # frame 9 is 5 away


@pytest.mark.parametrize("model_class", [MelodyCNN, PitchClassCNN])
def test_items_of_a_batch_are_independent(model_class):
    model = model_class(size="small")
    features = random_features(3, 2 + model_class.context)
    with torch.no_grad():
        torch.testing.assert_close(model(features)[1:2], model(features[1:2]))


@pytest.mark.parametrize("shape", [(6, 216, 10), (1, 5, 216, 80), (1, 6, 215, 80), (0, 6, 216, 80)])
@pytest.mark.parametrize("model_class", [MelodyCNN, PitchClassCNN])
def test_bad_feature_shapes_raise(model_class, shape):
    with pytest.raises(ValueError, match="features"):
        model_class(size="small")(torch.zeros(shape))


def test_bad_input_raises():
    with pytest.raises(ValueError, match="features"):
        PitchClassCNN(size="small")(torch.zeros(1, 6, 216, 74))     # needs N + 74 frames with N >= 1
    with pytest.raises(ValueError, match="features"):
        MelodyCNN(size="small")(torch.zeros(1, 6, 216, 0))
    with pytest.raises(ValueError, match="features"):
        MelodyCNN(size="small")(torch.zeros(1, 6, 216, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="features"):
        MelodyCNN(size="small")(torch.zeros(1, 6, 216, 3).numpy())
    with pytest.raises(ValueError, match="task"):
        build_model("asr")
    with pytest.raises(ValueError, match="size"):
        MelodyCNN(size="large")
    with pytest.raises(ValueError, match="with_blank"):
        PitchClassCNN(with_blank=1)             # a flag, not the blank's index 0 of the losses
    with pytest.raises(ValueError, match="with_blank"):
        build_model("mtd", with_blank=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("task", ["mtd", "swd"])
def test_models_on_cuda_match_cpu(task):
    model = build_model(task, with_blank=True)
    features = random_features(2, 8 + model.context)
    with torch.no_grad():
        X = model(features)
        X_cuda = model.cuda()(features.cuda())
    assert X_cuda.dtype == torch.float32
    torch.testing.assert_close(X_cuda.cpu(), X, rtol=1e-4, atol=1e-5)
