"""Audio from notes: random smooth tempo curves and additive synthesis with NumPy.

This module is the audio half of the generated data set (paper Sec. VII-B/C stand-ins).
A score in beats becomes a performance in two steps:

1. :func:`tempo_curve` draws a random, smooth, strictly increasing map from beats to
   seconds, and :func:`apply_tempo` maps score notes through it. Because the audio is
   rendered from exactly these note times, the mapped notes *are* the strong alignment
   (the reference annotation of the strong baseline, Sec. VII-A 4): no alignment has to
   be estimated.
2. :func:`synthesize` renders notes in seconds as a sum of decaying harmonics.

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
    """

    n_harmonics: int = 8
    rolloff: float = 1.2
    decay: float = 1.0
    damping: float = 0.5
    attack: float = 0.01
    release: float = 0.06

    def __post_init__(self):
        if isinstance(self.n_harmonics, bool) or not isinstance(self.n_harmonics, (int, np.integer)) \
                or self.n_harmonics < 1:
            raise ValueError(f"n_harmonics must be an integer >= 1, got {self.n_harmonics!r}")
        for name in ("rolloff", "decay", "damping"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        for name in ("attack", "release"):
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
        # u^h = exp(-h damping t) e^{i h (2 pi f t + phi)}: harmonic h by repeated multiplication
        u = np.exp(-timbre.damping * t + 1j * (2 * np.pi * f0[idx] * t + phase[idx]))
        w = np.ones_like(u)
        S = np.zeros_like(u)
        for hh in range(timbre.n_harmonics):
            w *= u
            if audible[ks, hh].all():
                S += a_h[hh] * w
            else:
                S += (a_h[hh] * audible[idx, hh]) * w
        env = np.minimum(t / timbre.attack, 1.0) * np.exp((timbre.damping - timbre.decay) * t)
        env *= np.clip(1.0 - (j - held[idx]) / (timbre.release * sr), 0.0, 1.0)   # release after the end
        audio += np.bincount(onset[idx] + j, weights=S.imag * env * level[idx], minlength=L)[:L]


def synthesize(notes, sr=SR, rng=None, timbre=None, gains=None, tuning_cents=0.0, duration=None,
               jitter_db=2.0, peak=0.9, max_block=1 << 20):
    """Additive synthesis of notes in seconds: decaying harmonics under a note envelope.

    Each note k with pitch p sounds from its start to end + release as

        x_k(t) = g_k * env(t) * sum_h h^-rolloff * exp(-(decay + (h - 1) damping) t)
                 * sin(h (2 pi f t + phi_k)),   f = 440 * 2^((p - 69)/12 + cents/1200),

    where t is the time since the onset and env a linear attack, flat until the note's
    end, then a linear release. The mixture is normalized to a peak of ``peak``.
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
    peak : float
        Peak absolute value of the output (if it is not silent).
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
    peak = _check_positive(peak, "peak")
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
    if top > 0:
        audio *= peak / top
    return audio.astype(np.float32)
