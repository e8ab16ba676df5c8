"""Repeated notes without a blank: an onset channel and onset/sustain columns (paper Sec. VIII, future work).

The problem. Soft-DTW aligns the predictions with the labels Y, and a
decoder of its predictions merges runs of equal symbols, so two equal
adjacent notes come out as one (Sec. VII-B 3, VII-E 3). CTC keeps them apart
with the blank, y - blank - y. The paper suggests a dedicated onset class
instead (as in the Onsets-and-Frames models, its refs. [40], [44]); this
module builds it from the dDTW building blocks of Sec. V-A.

Predictions. The network gives X of shape (N, 1 + 12): ``X[n, 0] = o_n``, the
probability that a note starts at frame n (a sigmoid, independent of the
rest), and ``X[n, 1:]`` the pitch-class softmax. Channel k is pitch class
k - 1, the layout of the blank networks, so the CTC labels k_m in 1..12 (one
per note, repeated notes kept: ``ctc`` of :mod:`ddtw_edu.data.targets`)
index X directly.

Columns. Note m (0-based) gets two columns: its onset column 2m and its
sustain column 2m + 1, 2M columns in all. The local costs extend Eq. (26-27)
by the onset bit, which is scored like the blank's p(not blank | x_n) of
Eq. (28-29) or one term of the BCE of Eq. (31):

    C(n, 2m)     = -log x_n[k_m] - log o_n          (note m starts at frame n)
    C(n, 2m + 1) = -log x_n[k_m] - log(1 - o_n)     (note m sounds on)

Probabilities are clipped with ``ddtw_edu.costs.EPS`` before the logs, as in
the other costs.

Building blocks (Sec. V-A), 0-based:

- steps S = {(1, 0), (1, 1)}: each step moves one frame on, so a path holds
  exactly one cell per frame;
- weights W, column-wise (2M, 2): into an onset column the step (1, 0) is
  blocked (``inf``, masked by the recursion, never a large number) and
  (1, 1) weighs 1; into a sustain column (1, 0) weighs w_h (1, or 0.1 for
  SDTW-E-W-ONSET, as the -W variants of Table I) and (1, 1) weighs 1;
- B_start = {(0, 0)}, B_end = {(N - 1, 2M - 1)}: as SDTW-E, the path runs
  from the first onset at the first frame to the last sustain at the last
  frame.

Which paths. The only way into an onset column is the (1, 1) step from the
previous note's sustain column (or the start cell), and the only way out is
the (1, 1) step into its own sustain column, one frame later: every onset
column holds exactly one frame, every sustain column at least one. A path is
therefore fixed by its onset frames n_0 = 0 < n_1 < ... < n_{M-1} <= N - 2
with n_{m+1} - n_m >= 2, and one exists iff N >= 2M (otherwise the value is
``inf``, as for CTC with too few frames).

Why a repeated note now costs an onset frame. For Y = (k, k) the two notes
have the same pitch costs, but the path must still pass the second onset
column in a frame of its own and pay -log o_n there, while every sustain frame
pays -log(1 - o_n). Minimizing the loss therefore teaches the network to fire
the onset once per note, twice for a repeated one; the pitch channels alone
(what soft-DTW trains) cannot say where the second note begins.
:func:`ddtw_edu.evaluation.decoding.onset_decode` reads the notes back from
the onsets.

Why no (0, 1) step, although the name extends SDTW-E. The vertical step of
SDTW-E would let an onset cell share its frame with the sustain cell before
or after it, so the two onsets of a repeated note could fall on one frame and
the onset would no longer need a frame of its own. The configuration keeps
SDTW-E's boundary sets, its network without a blank and its -W variant; its
steps are SDTW-D's.

Rests. The CTC labels hold no rests (the blank covers them in CTC); here the
frames of a rest go to the sustain column of the note before it.

Book: chapter 9, "Repetitions without a blank".
"""
import numpy as np
import torch

from .backends.problem import BatchProblem
from .configs import Config, check_config_name, horizontal_weight
from .costs import EPS, ctc_cost
from .losses import ddtw_loss
from .parameters import check_lengths

ONSET_CONFIGS = ("SDTW-E-ONSET", "SDTW-E-W-ONSET")
ONSET_STEPS = np.array([(1, 0), (1, 1)])


def onset_weights(M, w_h=1.0):
    """Column-wise step weights of the onset configurations.

    Book: chapter 9, "Repetitions without a blank".

    Parameters
    ----------
    M : int
        Number of notes (>= 1).
    w_h : float
        Weight of the (1, 0) step within a sustain column (> 0).

    Returns
    -------
    W : ndarray, shape (2M, 2)
        Weights of the steps (1, 0), (1, 1) into each column: onset columns
        (even) ``(inf, 1)``, sustain columns (odd) ``(w_h, 1)``.
    """
    if isinstance(M, bool) or not isinstance(M, (int, np.integer)) or M < 1:
        raise ValueError(f"M must be an integer >= 1, got {M!r}")
    if not w_h > 0:
        raise ValueError(f"w_h must be a positive weight, got {w_h!r}")
    W = np.ones((2 * M, 2))
    W[0::2, 0] = np.inf      # an onset takes exactly one frame
    W[1::2, 0] = w_h
    return W


def onset_config(N, M, config="SDTW-E-ONSET"):
    """The building blocks of an onset configuration for N frames and M notes.

    Book: chapter 9, "Repetitions without a blank".

    Parameters
    ----------
    N : int
        Frames (rows of the cost matrix).
    M : int
        Notes; the cost matrix has 2M columns (onset 2m, sustain 2m + 1).
    config : str
        One of ``ONSET_CONFIGS``; "SDTW-E-W-ONSET" weighs the (1, 0) step
        within a sustain column 0.1.

    Returns
    -------
    Config
        Steps (1, 0), (1, 1); weights (2M, 2) of :func:`onset_weights`;
        start {(0, 0)}, end {(N - 1, 2M - 1)}.
    """
    check_config_name(config, ONSET_CONFIGS)
    W = onset_weights(M, horizontal_weight(config.removesuffix("-ONSET")))
    return Config(ONSET_STEPS.copy(), W, np.array([[0, 0]]), np.array([[N - 1, 2 * M - 1]]))


def onset_cost(X, labels, eps=EPS):
    """Onset and sustain costs of every frame and note (the module docstring's C).

    Book: chapter 9, "Repetitions without a blank".

    Parameters
    ----------
    X : tensor, shape (..., N, K)
        ``X[..., 0]`` the onset probabilities o_n, ``X[..., 1:]`` the class
        probabilities.
    labels : int tensor, shape (..., M)
        Channel index k_m in [1, K) of each note.
    eps : float
        Clipping of the probabilities before the logs.

    Returns
    -------
    C : tensor, shape (..., N, 2M)
        ``C[..., n, 2m] = -log x_n[k_m] - log o_n`` and
        ``C[..., n, 2m + 1] = -log x_n[k_m] - log(1 - o_n)``.
    """
    pitch = ctc_cost(X, labels, eps)                          # -log x_n[k_m], (..., N, M)
    o = X[..., :1].clamp(eps, 1 - eps)
    C = torch.stack([pitch - torch.log(o), pitch - torch.log1p(-o)], dim=-1)     # (..., N, M, 2)
    return C.flatten(-2)                                      # onset 2m, sustain 2m + 1


def _check_onset_inputs(X, labels):
    """X a float tensor (B, N, K) with K >= 2; labels an int tensor (B, M)."""
    if not isinstance(X, torch.Tensor) or X.dim() != 3 or X.shape[2] < 2 or min(X.shape) < 1:
        raise ValueError(f"X must be a tensor of shape (B, N, 1 + K) with the onsets in channel 0, "
                         f"got {getattr(X, 'shape', type(X).__name__)}")
    if X.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"X must be float32 or float64, got {X.dtype}")
    if not isinstance(labels, torch.Tensor) or labels.dim() != 2 or labels.shape[0] != X.shape[0] \
            or labels.shape[1] < 1:
        raise ValueError(f"labels must be a tensor of shape (B, M) = ({X.shape[0]}, M >= 1), "
                         f"got {getattr(labels, 'shape', type(labels).__name__)}")
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f"labels must hold integer channel indices, got {labels.dtype}")


def onset_loss(X, labels, input_lengths=None, target_lengths=None, *, config="SDTW-E-ONSET", gamma=1.0,
               minimum="softmin", reduction="mean", backend=None, eps=EPS):
    """dDTW loss of the onset configurations: :func:`onset_cost` under :func:`onset_config`.

    Book: chapter 9, "Repetitions without a blank".

    Parameters
    ----------
    X : tensor, shape (B, N, 1 + K)
        Onset probabilities in channel 0, class probabilities after it.
    labels : int tensor, shape (B, M)
        Padded channel indices in [1, 1 + K) (the CTC labels; padding is ignored).
    input_lengths, target_lengths : None or int tensor, shape (B,)
        Frames N_b and notes M_b of each item (default: full).
    config : str
        "SDTW-E-ONSET" or "SDTW-E-W-ONSET".
    gamma, minimum, reduction, backend
        As in :func:`ddtw_edu.losses.sdtw_loss`, except that ``reduction``
        defaults to "mean" (the plain mean over items, as soft-DTW; no division
        by the target length as in CTC).
    eps : float
        Clipping of the probabilities (:func:`onset_cost`).

    Returns
    -------
    tensor, shape (B,) for reduction "none", else a scalar
        An item with N_b < 2 M_b has no path and the value ``inf``.
    """
    check_config_name(config, ONSET_CONFIGS)
    _check_onset_inputs(X, labels)
    B, N, K = X.shape
    M = labels.shape[1]
    N_lengths = check_lengths(input_lengths, N, B, "input_lengths")
    M_lengths = check_lengths(target_lengths, M, B, "target_lengths")
    valid = torch.arange(M, device=labels.device)[None, :] < torch.as_tensor(M_lengths, device=labels.device)[:, None]
    if ((labels < 1) | (labels >= K))[valid].any():
        raise ValueError(f"labels must be channel indices in [1, {K}) (channel 0 holds the onsets)")
    labels = torch.where(valid, labels, torch.ones_like(labels)).to(X.device)   # any class for the padding
    C = onset_cost(X, labels, eps)
    configs = [onset_config(N_b, M_b, config) for N_b, M_b in zip(N_lengths, M_lengths)]
    problem = BatchProblem.from_configs(configs, N_lengths, 2 * M_lengths, N, 2 * M, gamma, minimum)
    return ddtw_loss(C, problem, reduction=reduction, backend=backend)


__all__ = ["ONSET_CONFIGS", "ONSET_STEPS", "onset_weights", "onset_config", "onset_cost", "onset_loss"]
