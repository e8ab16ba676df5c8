"""Harmonic constant-Q transform (HCQT) input features, with an on-disk cache.

Paper Sec. VII-B 1 and VII-C 1: audio at 22050 Hz, six octaves from C1 with three bins per
semitone (216 bins), six harmonic channels (one subharmonic and five harmonics,
h = 0.5, 1, 2, 3, 4, 5), hop 896 samples for MTD (about 24.6 Hz) and 512 for SWD
(about 43.1 Hz). Channel h is a CQT whose lowest frequency is h * fmin (Bittner et al.,
ISMIR 2017, [37] in the paper), so in every channel bin b holds the h-th harmonic of the
pitch that bin b stands for in channel h = 1.

Bins. As in the authors' code (``hcqt.py`` of github.com/groupmm/dDTW_CTC,
``center_bins=True``) the three bins of a semitone are centred on it: bin b has the
frequency ``fmin * 2 ** ((b - 1) / 36)``, so MIDI pitch p (fmin = C1 = MIDI 24) sits at
bin ``3 * (p - 24) + 1`` with one bin on either side, and bins 3q, 3q + 1, 3q + 2 pool
to semitone q (the CNNs of Tables II and V pool bins in threes). With
``center_bins=False`` pitch p sits at bin ``3 * (p - 24)``.

Compression. The authors store the plain CQT magnitude and leave the scaling to the
networks (the MTD network divides every frame by its squared norm, the SWD network
starts with a layer norm). This module returns ``log(1 + compression_factor * magnitude)``
with ``compression_factor = 10`` by default (logarithmic compression as in FMP,
Sec. 3.1.2.1, where the factor is called gamma; here gamma is the softmin temperature,
book/notation.md): it is fixed, not normalized per file, so features of different
recordings are comparable, and a peak-normalized (0.9) sine gives values up to about 5.4.
``compression=None`` gives the authors' plain magnitude.

Frames. librosa's CQT is centred: frame n describes the audio around sample n * hop, time
n * hop / sr, and a signal of L samples has N = 1 + L // hop frames.

Tuning. Default ``tuning=0.0`` (A4 = 440 Hz bins). The authors estimate a tuning offset
per recording (``librosa.estimate_tuning``) and shift all bins by it; pass
``tuning=None`` for that. Here the estimate is taken in semitones (offsets within
+-50 cents) and converted to bins; the authors' call estimates in thirds of a semitone,
so it only sees offsets within +-16.7 cents and folds larger ones onto a neighbouring bin.

Book: chapter 7, "The data".
"""
import hashlib
import inspect
import json
import os
import warnings
from pathlib import Path

import numpy as np

SR = 22050
MTD_HOP = 896     #: about 24.6 frames per second (paper: "about 25 Hz")
SWD_HOP = 512     #: about 43.1 frames per second
C1 = 32.70319566257483   #: Hz, MIDI pitch 24
HARMONICS = (0.5, 1, 2, 3, 4, 5)
CACHE_ENV = "DDTW_EDU_CACHE"
_CACHE_FORMAT = 1  # bump when the computation changes, so old cache files are not reused


def hcqt(audio, sr=SR, hop=MTD_HOP, fmin=C1, bins_per_octave=36, n_octaves=6, harmonics=HARMONICS,
         compression="log", compression_factor=10.0, center_bins=True, tuning=0.0):
    """Harmonic CQT of a mono signal: one librosa CQT per harmonic, log-compressed.

    Parameters
    ----------
    audio : ndarray, shape (L,)
        Mono audio, float.
    sr : int
        Sampling rate in Hz (the paper: 22050).
    hop : int
        Hop size in samples (:data:`MTD_HOP` = 896, :data:`SWD_HOP` = 512).
    fmin : float
        Frequency in Hz of the lowest semitone (C1).
    bins_per_octave : int
        Bins per octave, a multiple of 12 (36: three per semitone).
    n_octaves : int
        Octaves per channel (216 bins = 6 * 36).
    harmonics : sequence of float
        Harmonic of each channel; channel c uses the lowest frequency harmonics[c] * fmin.
    compression : {"log", None}
        "log": log(1 + compression_factor * magnitude); None: the magnitude of the CQT.
    compression_factor : float
        Factor (> 0) of the logarithmic compression "log".
    center_bins : bool
        Centre the bins of each semitone on it (module docstring).
    tuning : float or None
        Tuning offset in fractions of a bin (1 bin = 1200 / bins_per_octave cents); None
        estimates it from the audio with ``librosa.estimate_tuning``.

    Returns
    -------
    features : ndarray, shape (len(harmonics), n_octaves * bins_per_octave, N), float32
        The HCQT; N = 1 + L // hop, frame n is at time n * hop / sr.
    """
    import librosa

    audio = np.asarray(audio)
    if audio.ndim != 1 or audio.size == 0 or not np.issubdtype(audio.dtype, np.number):
        raise ValueError(f"audio must be a non-empty 1-D numeric array (mono), got shape {audio.shape}")
    audio = audio.astype(np.float32, copy=False)
    if not np.isfinite(audio).all():
        raise ValueError("audio must be finite (no NaN or inf)")
    for name, value in (("sr", sr), ("hop", hop), ("bins_per_octave", bins_per_octave), ("n_octaves", n_octaves)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if bins_per_octave % 12:
        raise ValueError(f"bins_per_octave must be a multiple of 12, got {bins_per_octave}")
    if not np.isfinite(fmin) or fmin <= 0:
        raise ValueError(f"fmin must be a positive frequency in Hz, got {fmin!r}")
    harmonics = tuple(float(h) for h in np.atleast_1d(harmonics))
    if not harmonics or min(harmonics) <= 0:
        raise ValueError(f"harmonics must be a non-empty sequence of positive numbers, got {harmonics!r}")
    if compression not in ("log", None):
        raise ValueError(f"compression must be 'log' or None, got {compression!r}")
    if not np.isfinite(compression_factor) or compression_factor <= 0:
        raise ValueError(f"compression_factor must be a positive number, got {compression_factor!r}")
    n_bins = n_octaves * bins_per_octave
    per_semitone = bins_per_octave // 12
    if center_bins:   # shift down by (bins per semitone - 1) / 2 bins: the middle bin is on the pitch
        fmin = fmin * 2.0 ** (-(per_semitone - 1) / (2 * bins_per_octave))
    if tuning is None:   # estimated in semitones (+-50 cents), then converted to bins
        tuning = per_semitone * float(librosa.estimate_tuning(y=audio, sr=sr, bins_per_octave=12))
    elif not np.isfinite(tuning):
        raise ValueError(f"tuning must be a finite number (fractions of a bin) or None, got {tuning!r}")
    fmin = fmin * 2.0 ** (tuning / bins_per_octave)
    top = max(harmonics) * fmin * 2.0 ** ((n_bins - 1) / bins_per_octave)
    if top >= sr / 2:
        raise ValueError(f"the highest bin ({top:.0f} Hz = {max(harmonics)} * fmin * 2^(n_bins-1)/bins_per_octave) "
                         f"must lie below the Nyquist frequency sr/2 = {sr / 2} Hz; lower fmin, n_octaves or "
                         f"harmonics, or raise sr")

    N = 1 + len(audio) // hop
    features = np.empty((len(harmonics), n_bins, N), dtype=np.float32)
    for c, h in enumerate(harmonics):
        try:
            with warnings.catch_warnings():
                # the CQT downsamples the audio for its low octaves; for short excerpts that signal is shorter
                # than librosa's FFT, which it zero-pads (correctly) with a warning
                warnings.filterwarnings("ignore", "n_fft=.* is too large for input signal", UserWarning)
                cqt = librosa.cqt(audio, sr=sr, hop_length=hop, fmin=h * fmin, n_bins=n_bins,
                                  bins_per_octave=bins_per_octave, tuning=0.0)
        except librosa.util.exceptions.ParameterError as err:
            raise ValueError(f"librosa.cqt rejects the parameters of harmonic {h}: {err}") from None
        features[c] = np.abs(cqt[:, :N])
    if compression == "log":
        np.log1p(compression_factor * features, out=features)
    return features


# ----------------------------------------------------------------------------- cache

def default_cache_dir():
    """``$DDTW_EDU_CACHE`` if set, else ``~/.cache/ddtw_edu`` (never inside the repository)."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "ddtw_edu")


def _hcqt_params(params):
    """All hcqt parameters (defaults filled in) as a JSON-ready dict; unknown names raise."""
    defaults = {name: p.default for name, p in inspect.signature(hcqt).parameters.items() if name != "audio"}
    unknown = set(params) - set(defaults)
    if unknown:
        raise ValueError(f"unknown hcqt parameter(s) {sorted(unknown)}; allowed: {sorted(defaults)}")
    bound = dict(defaults)
    bound.update(params)
    bound["harmonics"] = [float(h) for h in np.atleast_1d(bound["harmonics"])]
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in sorted(bound.items())}


def _source_identity(audio):
    """(identity dict, loader) for a file path or an in-memory array."""
    if isinstance(audio, (str, os.PathLike)):
        path = Path(audio).resolve()
        if not path.is_file():
            raise ValueError(f"audio file {str(audio)!r} does not exist")
        stat = path.stat()
        return {"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}, path
    array = np.ascontiguousarray(audio)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"audio must be a file path or a 1-D numeric array, got {type(audio).__name__} "
                         f"with shape {getattr(array, 'shape', None)}")
    digest = hashlib.sha256(array.tobytes()).hexdigest()
    return {"sha256": digest, "dtype": str(array.dtype), "length": len(array)}, array


def load_audio(path, sr=SR):
    """Mono float32 audio from a file (soundfile), channels averaged, resampled to ``sr`` if needed.

    Parameters
    ----------
    path : str or Path
        A file soundfile can read (WAV, FLAC, OGG, ...).
    sr : int
        Target sampling rate in Hz.

    Returns
    -------
    audio : ndarray, shape (L,), float32
    """
    import soundfile

    try:
        audio, file_sr = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as err:
        raise ValueError(f"path {str(path)!r} is not a readable audio file: {err}") from None
    audio = audio.mean(axis=1)
    if file_sr != sr:
        import librosa

        audio = librosa.resample(audio, orig_sr=file_sr, target_sr=sr)
    return audio.astype(np.float32, copy=False)


def _cache_entry(audio, cache_dir, params):
    """(cache file, audio source, full parameters) of the HCQT of ``audio``."""
    import librosa

    params = _hcqt_params(params)
    identity, source = _source_identity(audio)
    # the key keeps the factor's former name "gamma", so features cached before the rename are still found
    named = {("gamma" if name == "compression_factor" else name): value for name, value in params.items()}
    key = json.dumps({"format": _CACHE_FORMAT, "librosa": librosa.__version__, "source": identity,
                      "params": named}, sort_keys=True)
    folder = Path(cache_dir if cache_dir is not None else default_cache_dir()) / "hcqt"
    return folder / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".npy"), source, params


def is_hcqt_cached(audio, cache_dir=None, **params):
    """Whether :func:`cached_hcqt` would load these features from the cache (same arguments)."""
    return _cache_entry(audio, cache_dir, params)[0].is_file()


def cached_hcqt(audio, cache_dir=None, **params):
    """:func:`hcqt` with an on-disk cache: computed once per audio and parameter set.

    The cache key is a SHA-256 hash of the source's identity (for a file: its absolute
    path, size and modification time; for an array: the hash of its bytes, dtype and
    length), of all :func:`hcqt` parameters with defaults filled in, and of the librosa
    version. The features are stored as ``<cache_dir>/hcqt/<key>.npy`` (written to a
    temporary name first, then renamed, so an interrupted run leaves no broken file).

    Parameters
    ----------
    audio : str or Path or ndarray, shape (L,)
        An audio file (loaded mono at ``params["sr"]``) or a mono signal at that rate.
    cache_dir : str or Path, optional
        Default :func:`default_cache_dir` (``$DDTW_EDU_CACHE`` or ``~/.cache/ddtw_edu``).
    **params
        Parameters of :func:`hcqt` (sr, hop, fmin, ...).

    Returns
    -------
    features : ndarray, shape (len(harmonics), n_bins, N), float32
    """
    target, source, params = _cache_entry(audio, cache_dir, params)
    if target.is_file():
        return np.load(target)
    signal = load_audio(source, sr=params["sr"]) if isinstance(source, Path) else source
    features = hcqt(signal, **params)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp.npy")
    np.save(tmp, features)
    os.replace(tmp, target)
    return features
