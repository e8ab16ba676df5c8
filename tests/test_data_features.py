"""HCQT features (paper Sec. VII-B/C) and their on-disk cache."""
import os

import numpy as np
import pytest

librosa = pytest.importorskip("librosa")
from ddtw_edu.data import features as F  # noqa: E402

SR = F.SR
# librosa warns when a short signal is shorter than the FFT of its lowest, downsampled octave
pytestmark = pytest.mark.filterwarnings("ignore:n_fft=.*is too large:UserWarning")


def _tone(f, seconds=3.0, sr=SR):
    return (0.5 * np.sin(2 * np.pi * f * np.arange(int(seconds * sr)) / sr)).astype(np.float32)


@pytest.mark.parametrize("hop, L", [(F.MTD_HOP, 22050), (F.MTD_HOP, 896 * 20), (F.SWD_HOP, 30001)])
def test_hcqt_shape_and_frame_count(hop, L):
    features = F.hcqt(np.zeros(L, dtype=np.float32) + 1e-3 * np.random.default_rng(0).standard_normal(L), hop=hop)
    assert features.shape == (6, 216, 1 + L // hop)
    assert features.dtype == np.float32 and (features >= 0).all()


def test_pure_a4_peaks_at_the_expected_bins():
    features = F.hcqt(_tone(440.0))
    frame = features.shape[2] // 2
    peak = features[:, :, frame].argmax(axis=1)
    a4 = 3 * (69 - 24) + 1                     # centred bins: MIDI p sits at 3 (p - 24) + 1
    assert peak[1] == a4                       # channel h = 1
    assert peak[2] == a4 - 36                  # h = 2: one octave (36 bins) lower
    assert peak[0] == a4 + 36                  # h = 0.5: one octave higher
    assert peak[3] == a4 - round(36 * np.log2(3))
    features_0 = F.hcqt(_tone(440.0), center_bins=False)
    assert features_0[1, :, frame].argmax() == 3 * (69 - 24)      # bin of 440 Hz counted from C1 exactly


def test_compression_is_log1p_of_the_magnitude():
    y = _tone(220.0, seconds=2.0)
    raw = F.hcqt(y, compression=None, harmonics=(1,))
    np.testing.assert_allclose(F.hcqt(y, compression_factor=10.0, harmonics=(1,)), np.log1p(10.0 * raw),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(raw, np.abs(librosa.cqt(y, sr=SR, hop_length=F.MTD_HOP, fmin=F.C1 * 2 ** (-1 / 36),
                                                       n_bins=216, bins_per_octave=36, tuning=0.0))[None],
                               rtol=1e-5, atol=1e-7)


def test_estimated_tuning_recentres_a_detuned_tone():
    y = _tone(440.0 * 2 ** (30 / 1200))        # 30 cents sharp
    frame = 40
    assert F.hcqt(y, harmonics=(1,))[0, :, frame].argmax() == 137
    assert F.hcqt(y, harmonics=(1,), tuning=None)[0, :, frame].argmax() == 136


@pytest.fixture
def count_cqt(monkeypatch):
    """Count calls of librosa.cqt (one per harmonic channel)."""
    calls = []
    original = librosa.cqt

    def counting(*args, **kwargs):
        calls.append(kwargs.get("fmin"))
        return original(*args, **kwargs)

    monkeypatch.setattr(librosa, "cqt", counting)
    return calls


def test_cache_hit_returns_identical_array_without_recomputing(tmp_path, count_cqt):
    y = _tone(330.0, seconds=2.0)
    first = F.cached_hcqt(y, cache_dir=tmp_path, hop=F.SWD_HOP)
    assert len(count_cqt) == 6
    again = F.cached_hcqt(y.copy(), cache_dir=tmp_path, hop=F.SWD_HOP)
    assert len(count_cqt) == 6                                   # served from disk
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, F.hcqt(y, hop=F.SWD_HOP))
    F.cached_hcqt(y, cache_dir=tmp_path, hop=F.MTD_HOP)          # other parameters: computed again
    assert len(count_cqt) == 18
    assert len(list((tmp_path / "hcqt").glob("*.npy"))) == 2
    assert not list((tmp_path / "hcqt").glob("*.tmp*"))


def test_cache_for_files_follows_path_size_and_mtime(tmp_path, count_cqt):
    sf = pytest.importorskip("soundfile")
    path = tmp_path / "tone.wav"
    sf.write(path, _tone(440.0, seconds=2.0), SR)
    a = F.cached_hcqt(path, cache_dir=tmp_path / "cache", harmonics=(1, 2))
    b = F.cached_hcqt(str(path), cache_dir=tmp_path / "cache", harmonics=(1, 2))
    assert len(count_cqt) == 2
    np.testing.assert_array_equal(a, b)
    sf.write(path, _tone(220.0, seconds=2.0), SR)
    os.utime(path, ns=(1, 1))                                     # a new file identity
    c = F.cached_hcqt(path, cache_dir=tmp_path / "cache", harmonics=(1, 2))
    assert len(count_cqt) == 4
    assert c[0, :, 20].argmax() == 3 * (57 - 24) + 1


def test_cache_keys_of_earlier_versions_still_match():
    """Features cached before a parameter was renamed are still found: these keys were computed by the
    version whose compression factor was called ``gamma``, the name under which the key still hashes it."""
    if librosa.__version__ != "0.11.0":
        pytest.skip("the keys below were computed with librosa 0.11.0 (requirements.txt); its version is hashed too")
    y = np.linspace(-0.5, 0.5, 5000, dtype=np.float32)
    assert F._cache_entry(y, "cache", {})[0].name == "9c99373e6ca8bd06647e641312115c8e0477f38f.npy"
    assert F._cache_entry(y, "cache", {"hop": F.SWD_HOP})[0].name == "dc55ca9900b3100163c212bdb34d31ff550c1910.npy"
    assert (F._cache_entry(y, "cache", {"compression_factor": 5.0})[0].name
            == "6793caf6f5677aa5c87ca50af8d8f82eec5d9e81.npy")


def test_default_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(F.CACHE_ENV, str(tmp_path))
    assert F.default_cache_dir() == tmp_path
    monkeypatch.delenv(F.CACHE_ENV)
    assert F.default_cache_dir() == F.Path.home() / ".cache" / "ddtw_edu"


def test_bad_input_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="audio"):
        F.hcqt(np.zeros((2, 100)))
    with pytest.raises(ValueError, match="hop"):
        F.hcqt(np.zeros(1000), hop=0)
    with pytest.raises(ValueError, match="Nyquist"):
        F.hcqt(np.zeros(1000), harmonics=(0.5, 8))
    with pytest.raises(ValueError, match="compression"):
        F.hcqt(np.zeros(1000), compression="db")
    with pytest.raises(ValueError, match="compression_factor"):
        F.hcqt(np.zeros(1000), compression_factor=0.0)
    with pytest.raises(ValueError, match="unknown hcqt parameter"):
        F.cached_hcqt(np.zeros(1000), cache_dir=tmp_path, hop_size=512)
    with pytest.raises(ValueError, match="does not exist"):
        F.cached_hcqt(tmp_path / "missing.wav", cache_dir=tmp_path)


def test_load_audio_mixes_to_mono_and_resamples(tmp_path):
    sf = pytest.importorskip("soundfile")
    path = tmp_path / "stereo.wav"
    tone = _tone(440.0, seconds=1.0, sr=44100)
    sf.write(path, np.c_[tone, tone], 44100)
    audio = F.load_audio(path, sr=SR)
    assert audio.dtype == np.float32 and audio.shape == (SR,)
    freqs = np.fft.rfftfreq(len(audio), 1 / SR)
    assert abs(freqs[np.abs(np.fft.rfft(audio)).argmax()] - 440.0) < 1.5
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(ValueError, match="not a readable audio file"):
        F.load_audio(tmp_path / "text.wav")
