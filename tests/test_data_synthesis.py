"""Tempo curves (beats -> seconds) and additive synthesis."""
import numpy as np
import pytest

from ddtw_edu.data import synthesis as S

SR = S.SR


def _spectrum(audio, sr=SR):
    """Magnitude spectrum with a Hann window and its frequency axis (Hz)."""
    X = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return np.fft.rfftfreq(len(audio), 1 / sr), X


def _amplitude(audio, f, start, end, sr=SR):
    """Amplitude of the sinusoid at frequency f within [start, end) seconds (Hann-weighted projection)."""
    x = audio[int(start * sr): int(end * sr)].astype(np.float64)
    w = np.hanning(len(x))
    t = np.arange(len(x)) / sr
    return 2 * np.abs(np.sum(w * x * np.exp(-2j * np.pi * f * t))) / w.sum()


def _at(freqs, X, f):
    """Spectral magnitude near frequency f (max over +-3 Hz)."""
    return X[np.abs(freqs - f) <= 3].max()


# ----------------------------------------------------------------------------- tempo

def test_tempo_curve_is_monotone_within_range_and_smooth():
    curve = S.tempo_curve(40.5, np.random.default_rng(0), bpm_range=(60, 120), smoothness=8.0, resolution=8)
    assert curve.beats[0] == 0 and curve.seconds[0] == 0 and curve.n_beats == 41
    assert (np.diff(curve.beats) > 0).all() and (np.diff(curve.seconds) > 0).all()
    bpm = curve.bpm()
    assert bpm.min() >= 60 - 1e-9 and bpm.max() <= 120 + 1e-9
    assert np.abs(np.diff(np.log(bpm))).max() < 0.01               # no jumps from one 1/8 beat to the next
    assert bpm.max() / bpm.min() > 1.02                             # but it does vary


def test_tempo_curve_is_deterministic_per_seed():
    a = S.tempo_curve(30, np.random.default_rng(7))
    b = S.tempo_curve(30, np.random.default_rng(7))
    c = S.tempo_curve(30, np.random.default_rng(8))
    np.testing.assert_array_equal(a.seconds, b.seconds)
    assert not np.array_equal(a.seconds, c.seconds)


def test_apply_tempo_is_exact_and_keeps_pitch_and_order():
    steady = S.tempo_curve(8, np.random.default_rng(0), bpm_range=(120, 120))
    notes = np.array([[0, 1, 60], [1, 2.5, 62], [2.5, 8, 64]], dtype=float)
    out = S.apply_tempo(notes, steady)
    np.testing.assert_allclose(out, [[0, 0.5, 60], [0.5, 1.25, 62], [1.25, 4, 64]])   # 120 bpm: 0.5 s/beat

    curve = S.tempo_curve(8, np.random.default_rng(1))
    grid = np.c_[curve.beats[:-1], curve.beats[1:], np.full(len(curve.beats) - 1, 69)]
    mapped = S.apply_tempo(grid, curve)
    np.testing.assert_array_equal(mapped[:, 0], curve.seconds[:-1])  # grid beats land on the curve
    np.testing.assert_array_equal(mapped[:, 2], 69)
    with pytest.raises(ValueError, match="beats must lie"):
        S.apply_tempo([[0, 9, 60]], curve)


def test_tempo_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="n_beats"):
        S.tempo_curve(0, rng)
    with pytest.raises(ValueError, match="rng"):
        S.tempo_curve(4, 0)
    with pytest.raises(ValueError, match="bpm_range"):
        S.tempo_curve(4, rng, bpm_range=(120, 60))
    with pytest.raises(ValueError, match="curve"):
        S.apply_tempo([[0, 1, 60]], lambda b: b)


# ----------------------------------------------------------------------------- synthesis

def test_single_note_peaks_at_its_fundamental():
    audio = S.synthesize(np.array([[0.0, 1.0, 69.0]]))
    assert audio.dtype == np.float32
    assert np.isclose(np.abs(audio).max(), 0.9)
    freqs, X = _spectrum(audio)
    assert abs(freqs[X.argmax()] - 440.0) < 2.0


def test_brighter_timbre_has_peaks_at_the_harmonics():
    note = np.array([[0.0, 1.0, 57.0]])                                # A3, 220 Hz
    freqs, X = _spectrum(S.synthesize(note, timbre=S.BRIGHT))
    for h in range(1, 6):
        assert _at(freqs, X, h * 220) > 20 * _at(freqs, X, (h + 0.5) * 220)    # a peak at h * f0
    _, X_dull = _spectrum(S.synthesize(note, timbre=S.Timbre(rolloff=2.0)))
    ratio = lambda Y: _at(freqs, Y, 4 * 220) / _at(freqs, Y, 220)  # noqa: E731
    assert ratio(X) > 3 * ratio(X_dull)


def test_silence_outside_notes():
    timbre = S.Timbre(release=0.05)
    audio = S.synthesize(np.array([[0.5, 1.0, 60.0]]), timbre=timbre, duration=2.0)
    assert len(audio) == 2 * SR
    assert np.all(audio[: int(0.5 * SR)] == 0)
    assert np.all(audio[int((1.0 + 0.05) * SR) + 1:] == 0)
    assert np.abs(audio[int(0.55 * SR): int(0.95 * SR)]).max() > 0.1    # the note itself sounds


def test_gains_and_tuning():
    low, high = np.array([[0.0, 1.0, 57.0]]), np.array([[0.0, 1.0, 64.0]])   # 220 Hz and ~329.6 Hz
    pure = S.Timbre(n_harmonics=1, decay=0.0, damping=0.0)
    audio = S.synthesize([low, high], timbre=pure, gains=[2.0, 1.0])
    ratio = _amplitude(audio, 220.0, 0.1, 0.9) / _amplitude(audio, S.midi_to_hz(64), 0.1, 0.9)
    assert ratio == pytest.approx(2.0, rel=0.01)
    freqs, X = _spectrum(S.synthesize(np.array([[0.0, 1.0, 69.0]]), timbre=pure, tuning_cents=100))
    assert abs(freqs[X.argmax()] - 440 * 2 ** (1 / 12)) < 2.0         # +100 cents: one semitone up


def test_synthesis_is_deterministic_given_rng():
    parts = [np.array([[0.0, 0.5, 60], [0.5, 1.0, 62]]), np.array([[0.0, 1.0, 48]])]
    a = S.synthesize(parts, rng=np.random.default_rng(3))
    b = S.synthesize(parts, rng=np.random.default_rng(3))
    c = S.synthesize(parts, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(S.synthesize(parts), S.synthesize(parts))     # rng=None: no randomness
    small_blocks = S.synthesize(parts, rng=np.random.default_rng(3), max_block=1000)
    np.testing.assert_allclose(small_blocks, a, atol=1e-6)                      # blocks do not change the result


def test_synthesis_bad_input_and_empty():
    with pytest.raises(ValueError, match="notes"):
        S.synthesize(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="rng"):
        S.synthesize(np.array([[0, 1, 60]]), rng=1)
    with pytest.raises(ValueError, match="gains"):
        S.synthesize([np.array([[0, 1, 60]])], gains=[1, 2])
    with pytest.raises(ValueError, match="timbre"):
        S.synthesize([np.array([[0, 1, 60]])] * 2, timbre=[S.Timbre()])
    with pytest.raises(ValueError, match="rolloff"):
        S.Timbre(rolloff=-1)
    silent = S.synthesize(np.zeros((0, 3)), duration=0.5)
    assert silent.shape == (SR // 2,) and not silent.any()
