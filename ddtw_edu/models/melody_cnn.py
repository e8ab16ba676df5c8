"""CNN for main-melody pitch classes on MTD (paper Table II, after Zalkow & Müller [12]).

Layout. Features arrive as HCQT tensors (B, 6, 216, N) (channels, pitch bins, frames;
:mod:`ddtw_edu.data.features`). The network transposes them once to (B, 6, N, 216) so that
every kernel size below reads as in the paper, (time x frequency).

Layers (``size="paper"``), all with zero 'same' padding so each keeps N frames and 216 bins:

=========  =============  ==========  ============
layer      kernel (t, f)  channels    parameters
=========  =============  ==========  ============
conv 1     3 x 3          6 -> 64     3520
conv 2     3 x 3          64 -> 32    18464
conv 3     3 x 3          32 -> 32    9248
conv 4     3 x 3          32 -> 32    9248
conv 5     3 x 42         32 -> 8     32264
conv 6     1 x 1          8 -> 1      9
blank      Linear         216 -> 1    217 (only with a blank)
onset      Linear         216 -> 1    217 (only with an onset channel)
=========  =============  ==========  ============

Table II lists one 3 x 3 32 -> 32 row, yet its rows then sum to 63505, not the stated total
72753; the difference is exactly 9248, one more 3 x 3 32 -> 32 layer. The total is taken
to be right: there are two such layers (conv 3 and conv 4).

Activations. Leaky ReLU (torch's default slope 0.01; the paper names the activation, not the
slope) after conv 1-5. Conv 6 has none: its (N, 216) output is a map of logits, one per pitch
bin, and the softmax after the pooling does the squashing.

Pooling (Table II, "Pooling", Z * 217 parameters). Pitch class k collects the 18 bins
``b`` with ``(b // 3) % 12 == k`` (6 octaves x 3 bins of its semitone; with the centred bins
of :func:`ddtw_edu.data.features.hcqt`, bin 0 lies in C1, so k = 0 is C) and takes their
**maximum**. The maximum, not the mean, because the melody sounds in one octave: the mean
would dilute its bin by the five octaves that hold only accompaniment. This step has no
parameters. The blank logit is a trainable Linear(216 -> 1) of the same map, 217 parameters;
so is the onset logit of ``with_onset=True`` (:mod:`ddtw_edu.onsets`).

Outputs. ``logits`` (B, N, 12 + Z) with the blank in channel 0 when Z = 1 (as the losses
expect) and pitch classes C, C#, ..., B after it; ``forward`` gives the softmax X (rows on
the probability simplex, Sec. VI-A); ``log_probs`` the log-softmax, for ``ctc_loss`` after
``.transpose(0, 1)`` to (N, B, 12 + Z). With an onset channel instead of the blank (Z = 1,
``with_onset=True``) channel 0 is the onset probability o_n, a sigmoid of its own logit,
independent of the pitch classes, whose softmax fills channels 1..12.

Receptive field. Five layers have time extent 3, so output frame n sees input frames
n - 5 .. n + 5 only. Padded frames behind a shorter item therefore change at most its last
five outputs, and the losses read only the first ``input_lengths`` frames anyway.

``check_features`` is shared with :mod:`.pitch_class_cnn`.

Book: chapter 7, "The task and the network".
"""
import torch
import torch.nn.functional as F
from torch import nn

N_CHANNELS = 6      #: HCQT harmonics (0.5, 1, 2, 3, 4, 5)
N_OCTAVES = 6
N_BINS = 216        #: N_OCTAVES x 36 bins from C1
N_PITCH_CLASSES = 12


def check_features(features, like, min_frames=1):
    """Raise ValueError unless ``features`` is an HCQT batch the model can run on.

    Parameters
    ----------
    features : tensor, shape (B, 6, 216, N)
        HCQT batch, N >= ``min_frames``.
    like : tensor
        A model parameter; ``features`` must share its dtype and device.
    min_frames : int
        Fewest frames the model accepts.
    """
    if not isinstance(features, torch.Tensor):
        raise ValueError(f"features must be a torch tensor, got {type(features).__name__}")
    if features.dim() != 4 or features.shape[1:3] != (N_CHANNELS, N_BINS) or features.shape[0] < 1:
        raise ValueError(f"features must have shape (B, {N_CHANNELS}, {N_BINS}, N), got {tuple(features.shape)}")
    if features.shape[3] < min_frames:
        raise ValueError(f"features need at least {min_frames} frames, got {features.shape[3]}")
    if features.dtype != like.dtype or features.device != like.device:
        raise ValueError(f"features are {features.dtype} on {features.device}, the model is {like.dtype} on "
                         f"{like.device}")


def check_extra_channel(with_blank, with_onset):
    """Raise ValueError unless ``with_onset`` is a bool and not True together with ``with_blank``.

    Both flags put a channel at index 0 (the blank of CTC, the onsets of :mod:`ddtw_edu.onsets`).
    """
    check_choice(with_onset, "with_onset", (False, True))
    if with_blank and with_onset:
        raise ValueError("with_onset and with_blank cannot both be True: both use output channel 0")


def check_choice(value, name, choices):
    """Raise ValueError naming ``name`` unless ``value`` is one of ``choices``."""
    if not any(type(value) is type(c) and value == c for c in choices):    # so 1 is no stand-in for True
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")


class SameConv2d(nn.Conv2d):
    """Conv2d with 'same' zero padding for any kernel, even ones included.

    An even kernel needs one zero more on one side; as in TensorFlow's 'same' it goes at
    the end (after the last frame or bin). Odd kernels use the convolution's own padding,
    which avoids the padded copy (and the warning) of ``padding="same"`` for even kernels.
    """

    def __init__(self, in_channels, out_channels, kernel_size):
        kernel_size = tuple(kernel_size)
        super().__init__(in_channels, out_channels, kernel_size, padding=tuple((k - 1) // 2 for k in kernel_size))
        kt, kf = kernel_size
        self.extra = (0, 1 - kf % 2, 0, 1 - kt % 2)     # F.pad order: (f start, f end, t start, t end)

    def forward(self, x):
        if any(self.extra):
            x = F.pad(x, self.extra)
        return super().forward(x)


class MelodyCNN(nn.Module):
    """Main-melody pitch-class CNN of Table II: HCQT (B, 6, 216, N) to X (B, N, 12 + Z).

    Book: chapter 7, "The task and the network".

    Parameters
    ----------
    with_blank : bool
        Add a blank output in channel 0 (Z = 1, for CTC; the losses' ``blank=0``);
        Z = 0 otherwise (SDTW).
    size : {"paper", "small"}
        "paper": Table II with channels 64, 32, 32, 32, 8 (72753 + 217 Z parameters; see the
        module docstring for the row the table omits). "small": the same six layers and
        kernels, hence the same receptive field, with channels 16, 8, 8, 8, 4 for training
        on a CPU: 7249 + 217 Z parameters, and since every layer works on all N x 216
        positions, about 10x fewer multiply-adds per frame (7.2k vs 72.6k per position).
    with_onset : bool
        Add an onset output in channel 0 instead (Z = 1, for the onset configurations of
        :mod:`ddtw_edu.onsets`): a sigmoid, independent of the pitch-class softmax. Not
        together with ``with_blank``. Book: chapter 9, "Repetitions without a blank".

    Attributes
    ----------
    K : int
        Output dimension 12 + Z (K as in book/notation.md; D is the accumulated cost there).
    context : int
        Extra input frames per output frame: 0, N frames in give N frames out.
    """

    SIZES = {"paper": (64, 32, 32, 32, 8), "small": (16, 8, 8, 8, 4)}
    KERNELS = ((3, 3), (3, 3), (3, 3), (3, 3), (3, 42), (1, 1))
    context = 0

    def __init__(self, with_blank=False, size="paper", *, with_onset=False):
        super().__init__()
        check_choice(with_blank, "with_blank", (False, True))
        check_choice(size, "size", tuple(self.SIZES))
        check_extra_channel(with_blank, with_onset)
        self.with_blank, self.with_onset, self.size = with_blank, with_onset, size
        self.K = N_PITCH_CLASSES + int(with_blank or with_onset)
        channels = (N_CHANNELS, *self.SIZES[size], 1)
        self.convs = nn.ModuleList(SameConv2d(c_in, c_out, kernel)
                                   for c_in, c_out, kernel in zip(channels[:-1], channels[1:], self.KERNELS))
        # created after the convolutions, so that a network without it draws the same initial weights
        self.blank_layer = nn.Linear(N_BINS, 1) if with_blank else None
        self.onset_layer = nn.Linear(N_BINS, 1) if with_onset else None

    def logits(self, features):
        """Pre-softmax outputs.

        Parameters
        ----------
        features : tensor, shape (B, 6, 216, N)
            HCQT batch, N >= 1, the model's dtype and device.

        Returns
        -------
        logits : tensor, shape (B, N, 12 + Z)
            Channel 0 is the blank or the onset when Z = 1; pitch classes C, ..., B follow.
        """
        check_features(features, self.convs[0].weight)
        h = features.transpose(2, 3)                    # (B, 6, N, 216): kernels read (time, frequency)
        for conv in self.convs[:-1]:
            h = F.leaky_relu(conv(h))
        h = self.convs[-1](h)[:, 0]                     # (B, N, 216) bin logits
        B, N, _ = h.shape
        pitch_classes = h.reshape(B, N, N_OCTAVES, N_PITCH_CLASSES, 3).amax(dim=(2, 4))
        extra = self.blank_layer if self.blank_layer is not None else self.onset_layer
        if extra is None:
            return pitch_classes
        return torch.cat([extra(h), pitch_classes], dim=-1)

    def log_probs(self, features):
        """Log of :meth:`forward`, shape (B, N, 12 + Z); ``ctc_loss`` wants ``.transpose(0, 1)``.

        The log-softmax of :meth:`logits`; with an onset channel, its log-sigmoid beside the
        log-softmax of the pitch classes.
        """
        logits = self.logits(features)
        if self.onset_layer is None:
            return F.log_softmax(logits, dim=-1)
        return torch.cat([F.logsigmoid(logits[..., :1]), F.log_softmax(logits[..., 1:], dim=-1)], dim=-1)

    def forward(self, features):
        """Per-frame probabilities X, shape (B, N, 12 + Z), each row on the simplex (Sec. VI-A).

        With an onset channel, channel 0 holds o_n in [0, 1] and channels 1..12 are on the simplex.

        Parameters
        ----------
        features : tensor, shape (B, 6, 216, N)

        Returns
        -------
        X : tensor, shape (B, N, 12 + Z)
        """
        logits = self.logits(features)
        if self.onset_layer is None:
            return F.softmax(logits, dim=-1)
        return torch.cat([torch.sigmoid(logits[..., :1]), F.softmax(logits[..., 1:], dim=-1)], dim=-1)
