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


def test_unnormalized_synthesis_keeps_the_gains():
    pure = S.Timbre(n_harmonics=1, decay=0.0, damping=0.0)
    audio = S.synthesize(np.array([[0.0, 1.0, 69.0]]), timbre=pure, gains=[0.3], peak=None)
    assert _amplitude(audio, 440.0, 0.1, 0.9) == pytest.approx(0.3, rel=0.01)


def test_vibrato_swings_the_frequency_and_zero_depth_changes_nothing():
    note = np.array([[0.0, 2.0, 69.0]])
    plain = S.Timbre(n_harmonics=1, decay=0.0, damping=0.0)
    np.testing.assert_array_equal(S.synthesize(note, timbre=plain),
                                  S.synthesize(note, timbre=S.Timbre(n_harmonics=1, decay=0.0, damping=0.0,
                                                                     vibrato_cents=0.0, vibrato_rate=3.0)))
    wobbly = S.Timbre(n_harmonics=1, decay=0.0, damping=0.0, vibrato_cents=50.0, vibrato_rate=5.0)
    audio = S.synthesize(note, timbre=wobbly)
    # instantaneous frequency from the analytic signal: it swings +-50 cents around 440 Hz
    spectrum = np.fft.fft(audio.astype(np.float64))
    spectrum[len(audio) // 2 + 1:] = 0
    spectrum[1: len(audio) // 2] *= 2
    phase = np.unwrap(np.angle(np.fft.ifft(spectrum)))
    f = np.diff(phase)[int(0.2 * SR): int(1.8 * SR)] * SR / (2 * np.pi)
    cents = 1200 * np.log2(f / 440.0)
    assert 45 < cents.max() < 55 and -55 < cents.min() < -45
    assert abs(np.mean(cents)) < 3
    with pytest.raises(ValueError, match="vibrato_cents"):
        S.Timbre(vibrato_cents=-1)


def test_random_timbre_is_deterministic_and_within_its_ranges():
    a = [S.random_timbre(np.random.default_rng([5, k]), vibrato=True) for k in range(40)]
    b = [S.random_timbre(np.random.default_rng([5, k]), vibrato=True) for k in range(40)]
    assert a == b
    assert len(set(a)) == 40
    for t in a:
        assert 4 <= t.n_harmonics <= 12 and 0.6 <= t.rolloff <= 1.7
        sustained = t.decay < 1
        assert (t.vibrato_cents > 0) == sustained                      # vibrato only on sustained sounds
    assert {t.decay < 1 for t in a} == {True, False}                  # both kinds occur
    struck = S.random_timbre(np.random.default_rng(0), sustained=False, vibrato=True)
    assert struck.decay >= 1.2 and struck.vibrato_cents == 0


def test_level_curve_is_smooth_deterministic_and_has_the_depth():
    g = S.level_curve(10 * SR, np.random.default_rng(2), depth_db=3.0, smoothness=1.0)
    assert g.shape == (10 * SR,) and (g > 0).all()
    db = 20 * np.log10(g)
    assert np.std(db) == pytest.approx(3.0, rel=0.05) and abs(np.mean(db)) < 0.2
    assert np.abs(np.diff(db)).max() < 0.01                           # no clicks
    np.testing.assert_array_equal(g, S.level_curve(10 * SR, np.random.default_rng(2), depth_db=3.0,
                                                   smoothness=1.0))
    np.testing.assert_array_equal(S.level_curve(100, np.random.default_rng(0), depth_db=0.0), np.ones(100))


@pytest.mark.parametrize("color", [0.0, 1.0])
@pytest.mark.parametrize("snr_db", [0.0, 12.5, 30.0])
def test_noise_is_added_at_the_requested_snr(snr_db, color):
    audio = S.synthesize(np.array([[0.0, 1.5, 60.0], [0.5, 2.0, 67.0]]))
    noisy = S.add_noise(audio, snr_db, np.random.default_rng(1), color=color)
    assert noisy.shape == audio.shape
    noise = noisy - audio
    measured = 10 * np.log10(np.mean(audio.astype(np.float64) ** 2) / np.mean(noise ** 2))
    assert measured == pytest.approx(snr_db, abs=0.01)
    np.testing.assert_array_equal(noisy, S.add_noise(audio, snr_db, np.random.default_rng(1), color=color))
    assert not np.array_equal(noisy, S.add_noise(audio, snr_db, np.random.default_rng(2), color=color))


def test_pink_noise_has_more_power_at_low_frequencies_and_silence_stays_silent():
    x = np.full(SR, 0.5)
    for color, expect in ((0.0, 1.0), (1.0, 10.0)):
        noise = S.add_noise(x, 0.0, np.random.default_rng(0), color=color) - x
        freqs, X = _spectrum(noise)
        low = np.mean(X[(freqs > 100) & (freqs < 200)] ** 2)
        high = np.mean(X[(freqs > 1000) & (freqs < 2000)] ** 2)
        assert low / high == pytest.approx(expect, rel=0.3)           # power ~ 1/f ** color
    np.testing.assert_array_equal(S.add_noise(np.zeros(100), 10.0, np.random.default_rng(0)), np.zeros(100))
    with pytest.raises(ValueError, match="snr_db"):
        S.add_noise(x, np.nan, np.random.default_rng(0))


def test_room_impulse_response_decays_by_60_db_in_rt60():
    rt60 = 0.8
    h = S.room_impulse_response(rt60, np.random.default_rng(0), predelay=0.02)
    assert len(h) == round(0.82 * SR) and np.sum(h ** 2) == pytest.approx(1.0)
    assert not h[: int(0.02 * SR) - 1].any()                          # silent before the predelay
    window = int(0.05 * SR)
    first = np.mean(h[int(0.02 * SR): int(0.02 * SR) + window] ** 2)
    middle = np.mean(h[int(0.42 * SR): int(0.42 * SR) + window] ** 2)
    drop = 10 * np.log10(first / middle)                              # 0.4 s = rt60 / 2: about 30 dB
    assert 25 < drop < 35
    np.testing.assert_array_equal(h, S.room_impulse_response(rt60, np.random.default_rng(0), predelay=0.02))


def test_reverberation_lets_a_note_ring_on_and_keeps_the_length():
    note = S.synthesize(np.array([[0.0, 0.5, 60.0]]), timbre=S.Timbre(release=0.01), duration=2.0)
    assert not note[int(0.52 * SR):].any()
    wet = S.reverberate(note, 1.0, 0.5, np.random.default_rng(3))
    assert wet.shape == note.shape
    tail = [np.sqrt(np.mean(wet[int(t * SR): int((t + 0.1) * SR)] ** 2)) for t in (0.6, 1.0, 1.4)]
    assert tail[0] > tail[1] > tail[2] > 0                            # rings on after the note, decaying
    np.testing.assert_allclose(S.reverberate(note, 1.0, 0.0, np.random.default_rng(3)), note)   # dry
    np.testing.assert_array_equal(wet, S.reverberate(note, 1.0, 0.5, np.random.default_rng(3)))
    with pytest.raises(ValueError, match="wet"):
        S.reverberate(note, 1.0, 1.5, np.random.default_rng(3))
    with pytest.raises(ValueError, match="rt60"):
        S.reverberate(note, 0.0, 0.5, np.random.default_rng(3))
