"""Audio from notes: random smooth tempo curves and additive synthesis with NumPy.

This module is the audio half of the generated data set (paper Sec. VII-B/C stand-ins).
A score in beats becomes a performance in two steps:

1. :func:`tempo_curve` draws a random, smooth, strictly increasing map from beats to
   seconds, and :func:`apply_tempo` maps score notes through it. Because the audio is
   rendered from exactly these note times, the mapped notes *are* the strong alignment
   (the reference annotation of the strong baseline, Sec. VII-A 4): no alignment has to
   be estimated.
2. :func:`synthesize` renders notes in seconds as a sum of decaying harmonics.

Recording conditions, applied to the rendered audio: :func:`level_curve` (a slow
random gain in dB, e.g. per voice), :func:`reverberate` (a simple room:
convolution with exponentially decaying noise, :func:`room_impulse_response`, of a
given RT60, mixed with the dry signal) and :func:`add_noise` (white to pink noise
at a given signal-to-noise ratio). :func:`random_timbre` draws a timbre. All of
them use NumPy only (FFT convolution), no further dependency.

Conventions: notes are float arrays of shape (K, 3), rows [start, end, midi_pitch]
(beats for score time, seconds after :func:`apply_tempo`). Randomness comes only from
the ``rng`` argument (a ``numpy.random.Generator``), so results are deterministic given it.
"""
from dataclasses import dataclass

import numpy as np

from .features import SR
from .targets import check_notes


# ----------------------------------------------------------------------------- checks

def _check_positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _check_rng(rng):
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)) or None, got {rng!r}")
    return rng


# ----------------------------------------------------------------------------- tempo

@dataclass(frozen=True, eq=False)
class TempoCurve:
    """A strictly increasing, piecewise-linear map from beats to seconds.

    Attributes
    ----------
    beats : ndarray, shape (G,)
        Grid of beat positions, beats[0] = 0, strictly increasing.
    seconds : ndarray, shape (G,)
        Time of each grid beat, seconds[0] = 0, strictly increasing. Between grid points
        the tempo is constant, so linear interpolation is exact.
    """

    beats: np.ndarray
    seconds: np.ndarray

    @property
    def n_beats(self):
        """Length of the curve in beats (its last grid point)."""
        return float(self.beats[-1])

    def bpm(self):
        """Tempo in beats per minute on each grid cell, shape (G - 1,)."""
        return 60.0 * np.diff(self.beats) / np.diff(self.seconds)

    def __call__(self, beats):
        """Seconds at the given beats (any shape); beats must lie in [0, n_beats]."""
        beats = np.asarray(beats, dtype=np.float64)
        if beats.size and (beats.min() < 0 or beats.max() > self.beats[-1] + 1e-9):
            raise ValueError(f"beats must lie in [0, {self.n_beats}] (the curve's range), "
                             f"got [{beats.min()}, {beats.max()}]")
        return np.interp(beats, self.beats, self.seconds)


def tempo_curve(n_beats, rng, bpm_range=(60.0, 120.0), smoothness=8.0, variation=0.1, resolution=8):
    """A random smooth tempo curve: log-tempo is a smoothed random walk.

    The tempo is constant on cells of 1/``resolution`` beat. Its logarithm is
    ``log(bpm_0) + variation * w(b)``, where bpm_0 is drawn log-uniformly from
    ``bpm_range`` and w is a random walk over the cells, smoothed with a Gaussian of
    standard deviation ``smoothness`` beats and scaled to unit standard deviation. The
    tempo is finally clipped to ``bpm_range``. Seconds are the running sum of the cell
    durations 60 / bpm / resolution, so the map is strictly increasing.

    Parameters
    ----------
    n_beats : float
        Length of the score in beats (> 0); the curve covers [0, n_beats].
    rng : numpy.random.Generator
        Source of randomness; the same seed gives the same curve.
    bpm_range : (float, float)
        Lowest and highest tempo in beats (quarter notes) per minute.
    smoothness : float
        Time scale of tempo changes in beats (standard deviation of the smoothing kernel).
    variation : float
        Standard deviation of the log-tempo around its mean (0.1: about +-10 % tempo).
    resolution : int
        Grid cells per beat.

    Returns
    -------
    curve : TempoCurve
        With ``resolution * ceil(n_beats) + 1`` grid points.
    """
    n_beats = _check_positive(n_beats, "n_beats")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {rng!r}")
    try:
        low, high = (float(b) for b in bpm_range)
    except (TypeError, ValueError):
        raise ValueError(f"bpm_range must be two numbers (low, high), got {bpm_range!r}") from None
    if not (0 < low <= high < np.inf):
        raise ValueError(f"bpm_range must satisfy 0 < low <= high, got {bpm_range!r}")
    smoothness = _check_positive(smoothness, "smoothness")
    if isinstance(variation, bool) or not np.isfinite(variation) or variation < 0:
        raise ValueError(f"variation must be a finite number >= 0, got {variation!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 1:
        raise ValueError(f"resolution must be an integer >= 1, got {resolution!r}")

    G = int(np.ceil(n_beats - 1e-9)) * resolution          # number of cells
    log_bpm0 = rng.uniform(np.log(low), np.log(high))
    walk = np.cumsum(rng.standard_normal(G))
    sigma = smoothness * resolution                         # kernel width in cells
    radius = int(np.ceil(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    padded = np.pad(walk, radius, mode="reflect" if G > radius else "edge")
    smooth = np.convolve(padded, kernel / kernel.sum(), mode="valid")
    smooth -= smooth.mean()
    std = smooth.std()
    w = smooth / std if std > 1e-12 else np.zeros(G)
    bpm = np.clip(np.exp(log_bpm0 + variation * w), low, high)

    beats = np.arange(G + 1) / resolution
    seconds = np.concatenate([[0.0], np.cumsum(60.0 / bpm / resolution)])
    return TempoCurve(beats=beats, seconds=seconds)


def apply_tempo(notes_beats, curve):
    """Notes in beats -> notes in seconds through a tempo curve (exact; the strong alignment).

    Parameters
    ----------
    notes_beats : ndarray, shape (K, 3)
        Rows [start_beat, end_beat, midi_pitch], within [0, curve.n_beats].
    curve : TempoCurve

    Returns
    -------
    notes_seconds : ndarray, shape (K, 3)
        Rows [start_seconds, end_seconds, midi_pitch] (same order, pitch unchanged).
    """
    notes = check_notes(notes_beats, "notes_beats")
    if not isinstance(curve, TempoCurve):
        raise ValueError(f"curve must be a TempoCurve (from tempo_curve), got {type(curve).__name__}")
    out = notes.copy()
    out[:, :2] = curve(notes[:, :2])
    return out


# ----------------------------------------------------------------------------- synthesis

@dataclass(frozen=True)
class Timbre:
    """Sound of one voice: harmonic spectrum and amplitude envelope.

    Harmonic h (1-based) of a note with fundamental f has amplitude
    ``h ** -rolloff * exp(-(decay + (h - 1) * damping) * t)`` at time t after the onset,
    so upper harmonics die away faster than the fundamental. Harmonics at or above
    0.45 * sr are left out (no aliasing).

    Attributes
    ----------
    n_harmonics : int
        Number of harmonics including the fundamental.
    rolloff : float
        Spectral slope; smaller is brighter (0.7: bright, 1.5: dull).
    decay : float
        Decay rate of the fundamental in 1/s (amplitude halves after log(2)/decay s).
    damping : float
        Extra decay rate per harmonic number in 1/s.
    attack : float
        Linear fade-in in seconds.
    release : float
        Linear fade-out after the note's end in seconds (the note sounds until end + release).
    vibrato_cents : float
        Depth of a sinusoidal vibrato: the frequency swings +-``vibrato_cents`` around
        the note's (0: none).
    vibrato_rate : float
        Vibrato frequency in Hz.
    """

    n_harmonics: int = 8
    rolloff: float = 1.2
    decay: float = 1.0
    damping: float = 0.5
    attack: float = 0.01
    release: float = 0.06
    vibrato_cents: float = 0.0
    vibrato_rate: float = 5.5

    def __post_init__(self):
        if isinstance(self.n_harmonics, bool) or not isinstance(self.n_harmonics, (int, np.integer)) \
                or self.n_harmonics < 1:
            raise ValueError(f"n_harmonics must be an integer >= 1, got {self.n_harmonics!r}")
        for name in ("rolloff", "decay", "damping", "vibrato_cents"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        for name in ("attack", "release", "vibrato_rate"):
            _check_positive(getattr(self, name), name)


#: A brighter timbre (more upper harmonics), e.g. for the melody of an MTD-like excerpt.
BRIGHT = Timbre(n_harmonics=10, rolloff=0.7, decay=0.8, damping=0.3)


def midi_to_hz(pitch, tuning_cents=0.0):
    """Frequency in Hz of MIDI pitches, A4 = 69 = 440 Hz, shifted by ``tuning_cents``."""
    return 440.0 * 2.0 ** ((np.asarray(pitch, dtype=np.float64) - 69.0) / 12.0 + tuning_cents / 1200.0)


def _as_parts(notes, timbre, gains):
    """Normalize (notes, timbre, gains) to lists with one entry per part."""
    single = isinstance(notes, np.ndarray) and notes.ndim == 2
    parts = [notes] if single else list(notes)
    parts = [check_notes(p, "notes" if single else f"notes[{i}]") for i, p in enumerate(parts)]
    P = len(parts)
    timbres = [timbre] * P if timbre is None or isinstance(timbre, Timbre) else list(timbre)
    timbres = [Timbre() if t is None else t for t in timbres]
    if len(timbres) != P or not all(isinstance(t, Timbre) for t in timbres):
        raise ValueError(f"timbre must be a Timbre or a sequence of {P} Timbre (one per part)")
    gains = np.ones(P) if gains is None else np.atleast_1d(np.asarray(gains, dtype=np.float64))
    if gains.shape != (P,) or not np.isfinite(gains).all() or (gains < 0).any():
        raise ValueError(f"gains must be {P} finite numbers >= 0 (one per part), got {gains!r}")
    return parts, timbres, gains


def _render_part(audio, notes, sr, timbre, level, phase, tuning_cents, max_block):
    """Add one part (one timbre) to ``audio`` in place; ``level``, ``phase`` are per note."""
    L = len(audio)
    onset = np.round(notes[:, 0] * sr).astype(np.int64)
    held = np.maximum(np.round(notes[:, 1] * sr).astype(np.int64) - onset, 1)     # samples until the end
    length = np.clip(held + int(round(timbre.release * sr)), 0, np.maximum(L - onset, 0))
    f0 = midi_to_hz(notes[:, 2], tuning_cents)
    keep = length > 0
    onset, held, length, f0, level, phase = (a[keep] for a in (onset, held, length, f0, level, phase))
    h = np.arange(1, timbre.n_harmonics + 1)
    a_h = h ** -float(timbre.rolloff)
    audible = np.outer(f0, h) < 0.45 * sr                      # no partials near or above Nyquist

    ends = np.cumsum(length)
    k0, K = 0, len(length)
    while k0 < K:   # blocks of notes with at most max_block samples in all (at least one note)
        k1 = max(k0 + 1, int(np.searchsorted(ends, ends[k0] - length[k0] + max_block, side="right")))
        ks = np.arange(k0, k1)
        k0 = k1
        idx = np.repeat(ks, length[ks])                         # note of each rendered sample
        j = np.arange(len(idx)) - np.repeat(ends[ks] - length[ks] - (ends[ks[0]] - length[ks[0]]), length[ks])
        t = j / sr                                              # seconds since the onset
        theta = 2 * np.pi * f0[idx] * t + phase[idx]
        if timbre.vibrato_cents > 0:   # f(t) = f0 (1 + a sin(2 pi r t)): theta gains -f0 a / r cos(2 pi r t)
            a = 2.0 ** (timbre.vibrato_cents / 1200.0) - 1.0
            rate = timbre.vibrato_rate
            theta += f0[idx] * a / rate * (1.0 - np.cos(2 * np.pi * rate * t))
        # y_h = d^h sin(h theta), d = exp(-damping t), by the recursion (float32, in place)
        # y_{h+1} = 2 d cos(theta) y_h - d^2 y_{h-1}, y_0 = 0, y_1 = d sin(theta)
        d = np.exp(-timbre.damping * t)
        two_d_cos = (2.0 * d * np.cos(theta)).astype(np.float32)
        d2 = (d * d).astype(np.float32)
        previous = np.zeros(len(t), dtype=np.float32)
        current = (d * np.sin(theta)).astype(np.float32)
        S = np.zeros(len(t), dtype=np.float32)
        scratch = np.empty_like(S)
        for hh in range(timbre.n_harmonics):
            if hh:
                np.multiply(two_d_cos, current, out=scratch)
                np.multiply(d2, previous, out=previous)
                np.subtract(scratch, previous, out=previous)
                previous, current = current, previous
            if audible[ks, hh].all():
                np.multiply(current, np.float32(a_h[hh]), out=scratch)
            else:
                np.multiply(current, (a_h[hh] * audible[idx, hh]).astype(np.float32), out=scratch)
            S += scratch
        env = np.minimum(t / timbre.attack, 1.0) * np.exp((timbre.damping - timbre.decay) * t)
        env *= np.clip(1.0 - (j - held[idx]) / (timbre.release * sr), 0.0, 1.0)   # release after the end
        audio += np.bincount(onset[idx] + j, weights=S * env * level[idx], minlength=L)[:L]


def synthesize(notes, sr=SR, rng=None, timbre=None, gains=None, tuning_cents=0.0, duration=None,
               jitter_db=2.0, peak=0.9, max_block=1 << 20):
    """Additive synthesis of notes in seconds: decaying harmonics under a note envelope.

    Each note k with pitch p sounds from its start to end + release as

        x_k(t) = g_k * env(t) * sum_h h^-rolloff * exp(-(decay + (h - 1) damping) t)
                 * sin(h (2 pi f t + phi_k)),   f = 440 * 2^((p - 69)/12 + cents/1200),

    where t is the time since the onset and env a linear attack, flat until the note's
    end, then a linear release. The mixture is normalized to a peak of ``peak`` (not
    with ``peak=None``: then part p's notes have amplitude ``gains[p]`` times the jitter).
    Transposition is done on the notes beforehand (add to the pitch column); tuning is
    ``tuning_cents``.

    Randomness (only with ``rng``): a start phase phi_k uniform in [0, 2 pi) and a gain
    jitter of ``jitter_db`` dB (standard deviation) per note. With ``rng=None`` all
    phases are 0 and there is no jitter.

    Parameters
    ----------
    notes : ndarray, shape (K, 3), or sequence of P such arrays
        Rows [start_seconds, end_seconds, midi_pitch]; a sequence gives one part per voice.
    sr : int
        Sampling rate in Hz.
    rng : numpy.random.Generator or None
    timbre : Timbre or sequence of P Timbre, optional
        Default ``Timbre()``. Use e.g. :data:`BRIGHT` for a voice that should stand out.
    gains : sequence of P float, optional
        Linear amplitude per part (e.g. 2.0 for a louder melody). Default all 1.
    tuning_cents : float
        Global tuning offset in cents (+100 = one semitone up).
    duration : float, optional
        Length of the output in seconds; default: until the last note's release ends.
    jitter_db : float
        Standard deviation of the random per-note level in dB (with ``rng``).
    peak : float or None
        Peak absolute value of the output (if it is not silent); None: no normalization.
    max_block : int
        Samples rendered at once (bounds memory, about 64 bytes per sample; the result
        does not depend on it).

    Returns
    -------
    audio : ndarray, shape (L,), float32
        Mono signal; L = round(duration * sr), or ceil((last end + release) * sr).
    """
    rng = _check_rng(rng)
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ValueError(f"sr must be a positive integer (Hz), got {sr!r}")
    if not np.isfinite(tuning_cents):
        raise ValueError(f"tuning_cents must be finite, got {tuning_cents!r}")
    if not np.isfinite(jitter_db) or jitter_db < 0:
        raise ValueError(f"jitter_db must be a finite number >= 0, got {jitter_db!r}")
    if isinstance(max_block, bool) or not isinstance(max_block, (int, np.integer)) or max_block < 1:
        raise ValueError(f"max_block must be an integer >= 1, got {max_block!r}")
    peak = None if peak is None else _check_positive(peak, "peak")
    parts, timbres, gains = _as_parts(notes, timbre, gains)
    for i, part in enumerate(parts):
        if (part[:, 0] < 0).any():
            raise ValueError(f"notes (part {i}) must start at time >= 0 seconds")

    ends = [float((p[:, 1] + t.release).max()) for p, t in zip(parts, timbres) if len(p)]
    if duration is None:
        L = int(np.ceil(max(ends, default=0.0) * sr))
    else:
        L = int(round(_check_positive(duration, "duration") * sr))
    audio = np.zeros(L, dtype=np.float64)
    for part, t, gain in zip(parts, timbres, gains):
        K = len(part)
        if rng is not None:       # drawn for every part, so one part's draws do not depend on L
            level = gain * 10.0 ** (jitter_db * rng.standard_normal(K) / 20.0)
            phase = rng.uniform(0.0, 2 * np.pi, size=K)
        else:
            level, phase = np.full(K, gain), np.zeros(K)
        if K and L:
            _render_part(audio, part, sr, t, level, phase, tuning_cents, max_block)

    top = np.abs(audio).max(initial=0.0)
    if top > 0 and peak is not None:
        audio *= peak / top
    return audio.astype(np.float32)


# ----------------------------------------------------------------------------- recording conditions

def random_timbre(rng, sustained=None, vibrato=False):
    """A random :class:`Timbre`: a sustained (voice, strings, winds, organ) or a struck one (piano, harp).

    Sustained: slow decay (0.05-0.6 /s), soft attack (20-100 ms); struck: fast decay
    (1.2-3.5 /s), sharp attack (3-10 ms). Both: 4-12 harmonics, rolloff 0.6-1.7
    (bright to dull), damping 0.05-0.9 /s per harmonic, release 50-250 ms. With
    ``vibrato`` (sustained only) a vibrato of 15-45 cents at 4.5-6.5 Hz.

    Parameters
    ----------
    rng : numpy.random.Generator
    sustained : bool, optional
        Default: drawn (sustained with probability 0.6).
    vibrato : bool
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {rng!r}")
    if sustained is None:
        sustained = bool(rng.random() < 0.6)
    n_harmonics = int(rng.integers(4, 13))
    rolloff = float(rng.uniform(0.6, 1.7))
    damping = float(rng.uniform(0.05, 0.9))
    release = float(rng.uniform(0.05, 0.25))
    if sustained:
        decay, attack = float(rng.uniform(0.05, 0.6)), float(rng.uniform(0.02, 0.1))
    else:
        decay, attack = float(rng.uniform(1.2, 3.5)), float(rng.uniform(0.003, 0.01))
    depth, rate = (float(rng.uniform(15.0, 45.0)), float(rng.uniform(4.5, 6.5))) if vibrato and sustained \
        else (0.0, 5.5)
    return Timbre(n_harmonics=n_harmonics, rolloff=rolloff, decay=decay, damping=damping, attack=attack,
                  release=release, vibrato_cents=depth, vibrato_rate=rate)


def level_curve(n_samples, rng, sr=SR, depth_db=3.0, smoothness=3.0):
    """A slow random gain (crescendo, diminuendo) as a linear factor per sample.

    The level in dB is a random walk smoothed with a Gaussian of standard deviation
    ``smoothness`` seconds, scaled to a standard deviation of ``depth_db`` dB and
    centred on 0 dB; it is drawn on a 50 Hz grid and interpolated linearly.

    Returns
    -------
    gain : ndarray, shape (n_samples,)
        Positive factors, ``10 ** (level_db / 20)``.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 0:
        raise ValueError(f"n_samples must be an integer >= 0, got {n_samples!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {rng!r}")
    if not np.isfinite(depth_db) or depth_db < 0:
        raise ValueError(f"depth_db must be a finite number >= 0, got {depth_db!r}")
    smoothness = _check_positive(smoothness, "smoothness")
    rate = 50.0
    G = int(np.ceil(n_samples / sr * rate)) + 2
    walk = np.cumsum(rng.standard_normal(G))
    sigma = smoothness * rate
    radius = int(np.ceil(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    smooth = np.convolve(np.pad(walk, radius, mode="edge"), kernel / kernel.sum(), mode="valid")
    smooth -= smooth.mean()
    std = smooth.std()
    level = depth_db * smooth / std if std > 1e-12 else np.zeros(G)
    return 10.0 ** (np.interp(np.arange(n_samples) / sr * rate, np.arange(G), level) / 20.0)


def _fft_convolve(x, h):
    """Full linear convolution of two real signals with NumPy's FFT, length len(x) + len(h) - 1."""
    n = len(x) + len(h) - 1
    size = 1 << max(0, int(np.ceil(np.log2(n))))
    return np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(h, size), size)[:n]


def room_impulse_response(rt60, rng, sr=SR, predelay=0.01):
    """A simple room: Gaussian noise under an exponential decay that falls by 60 dB in ``rt60`` s.

    h[n] = e[n] * 10 ** (-3 * t / rt60) for t = n / sr from ``predelay`` to
    ``predelay + rt60`` (zero before), e white Gaussian noise, scaled to unit energy
    (sum h^2 = 1), so that the reverberant signal keeps about the level of the dry one.

    Returns
    -------
    h : ndarray, shape (round((predelay + rt60) * sr),)
    """
    rt60 = _check_positive(rt60, "rt60")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {rng!r}")
    if not np.isfinite(predelay) or predelay < 0:
        raise ValueError(f"predelay must be a finite number >= 0, got {predelay!r}")
    start, n = int(round(predelay * sr)), max(1, int(round(rt60 * sr)))
    t = np.arange(n) / sr
    h = np.zeros(start + n)
    h[start:] = rng.standard_normal(n) * 10.0 ** (-3.0 * t / rt60)
    return h / np.sqrt(np.sum(h ** 2))


def reverberate(audio, rt60, wet, rng, sr=SR, predelay=0.01):
    """The audio in a simple room: ``(1 - wet) * audio + wet * (audio * h)``, cut to the input's length.

    h is :func:`room_impulse_response` (``rt60``, ``predelay``), the convolution is
    done with NumPy's FFT. Annotated times stay valid: nothing is shifted, the
    reverberation only lets each sound ring on.

    Parameters
    ----------
    audio : ndarray, shape (L,)
    rt60 : float
        Reverberation time in seconds (time for a 60 dB decay).
    wet : float
        Share of the reverberant signal in [0, 1].

    Returns
    -------
    ndarray, shape (L,), float64
    """
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim != 1:
        raise ValueError(f"audio must be a 1-D array (mono), got shape {audio.shape}")
    if not np.isfinite(wet) or not 0 <= wet <= 1:
        raise ValueError(f"wet must be a number in [0, 1], got {wet!r}")
    h = room_impulse_response(rt60, rng, sr, predelay)
    if audio.size == 0:
        return audio.copy()
    return (1.0 - wet) * audio + wet * _fft_convolve(audio, h)[:len(audio)]


def add_noise(audio, snr_db, rng, color=0.0):
    """Audio plus Gaussian noise at a signal-to-noise ratio of ``snr_db`` dB.

    The noise has a power spectrum proportional to 1 / f ** ``color`` (0: white,
    1: pink, 2: brown; no DC), shaped with NumPy's FFT, and is scaled so that
    ``10 * log10(mean(audio ** 2) / mean(noise ** 2)) == snr_db`` exactly.

    Returns
    -------
    ndarray, shape (L,), float64
        A silent input comes back unchanged (no signal power to refer to).
    """
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim != 1:
        raise ValueError(f"audio must be a 1-D array (mono), got shape {audio.shape}")
    if not np.isfinite(snr_db):
        raise ValueError(f"snr_db must be a finite number, got {snr_db!r}")
    if not np.isfinite(color) or color < 0:
        raise ValueError(f"color must be a finite number >= 0, got {color!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {rng!r}")
    L = len(audio)
    size = 1 << max(1, int(np.ceil(np.log2(max(L, 1)))))   # a power of two: fast FFTs, cut to L afterwards
    white = rng.standard_normal(size)
    power = np.mean(audio ** 2) if L else 0.0
    if power == 0:
        return audio.copy()
    if color > 0:
        spectrum = np.fft.rfft(white)
        f = np.arange(len(spectrum), dtype=np.float64)
        f[0] = np.inf                                    # no DC
        noise = np.fft.irfft(spectrum * f ** (-color / 2), size)[:L]
    else:
        noise = white[:L]
    noise *= np.sqrt(power / 10.0 ** (snr_db / 10.0) / np.mean(noise ** 2))
    return audio + noise
