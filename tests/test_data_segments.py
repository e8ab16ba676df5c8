"""Training segments with context frames (ddtw_edu.data.segments)."""
import numpy as np
import pytest

from ddtw_edu.data.segments import pad_context, segment_item, segment_items
from ddtw_edu.data.targets import stretch_targets, weak_targets_from_frames


def make_item(N, seed=0):
    rng = np.random.default_rng(seed)
    strong = np.zeros((N, 12))
    strong[np.arange(N), (np.arange(N) // 3) % 12] = 1        # a new pitch class every 3 frames
    return {"name": "song", "features": rng.standard_normal((6, 216, N)), "strong": strong}


def test_pad_context_adds_zero_frames_on_both_sides():
    features = np.ones((2, 3, 5))
    padded = pad_context(features, 4)
    assert padded.shape == (2, 3, 9)
    assert (padded[..., :2] == 0).all() and (padded[..., -2:] == 0).all()
    np.testing.assert_array_equal(padded[..., 2:7], features)
    with pytest.raises(ValueError, match="context must be even"):
        pad_context(features, 3)


def test_segments_cover_every_frame_and_carry_their_own_targets():
    item = make_item(23)
    segments = segment_item(item, length=10, hop=10, context=4)
    assert [s["name"] for s in segments] == ["song@0", "song@10", "song@13"]    # the last one ends at N
    padded = pad_context(item["features"], 4)
    for segment in segments:
        first = int(segment["name"].split("@")[1])
        assert segment["features"].shape == (6, 216, 14)
        np.testing.assert_array_equal(segment["features"], padded[..., first:first + 14])
        np.testing.assert_array_equal(segment["strong"], item["strong"][first:first + 10])
        np.testing.assert_array_equal(segment["weak"], weak_targets_from_frames(segment["strong"]))
        np.testing.assert_array_equal(segment["stretched"], stretch_targets(segment["weak"], 10))
    # the context of the first segment starts with zeros before the recording, then the first frames
    np.testing.assert_array_equal(segments[0]["features"][..., :2], 0)
    np.testing.assert_array_equal(segments[0]["features"][..., 2:4], item["features"][..., :2])


def test_short_recordings_give_one_short_segment_and_overlap_works():
    assert len(segment_item(make_item(7), length=10)) == 1
    assert segment_item(make_item(7), length=10)[0]["strong"].shape == (7, 12)
    assert len(segment_items([make_item(20), make_item(20, 1)], length=10, hop=5)) == 6


def test_bad_segment_arguments_raise():
    with pytest.raises(ValueError, match="length"):
        segment_item(make_item(10), length=0)
    with pytest.raises(ValueError, match="hop"):
        segment_item(make_item(10), length=5, hop=0)
    bad = make_item(10)
    bad["strong"] = bad["strong"][:9]
    with pytest.raises(ValueError, match="strong"):
        segment_item(bad, length=5)
