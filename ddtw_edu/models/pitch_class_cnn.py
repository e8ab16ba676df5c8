"""CNN for polyphonic pitch classes on SWD (paper Table V, after Weiß et al. [16], [33]).

Layout. Features (B, 6, 216, N + 74) as in :mod:`.melody_cnn`; the convolutions run on
(B, C, time, frequency) so kernel sizes read as in the paper, (time x frequency).

Layers (``size="paper"``):

==============  =============  ========  ===================================  ==========
layer           kernel (t, f)  channels  output (time, bins)                  parameters
==============  =============  ========  ===================================  ==========
layer norm      over (6, 216)            (N + 74, 216)                        2592
conv 1, MP 1    15 x 15        6 -> 20   (N + 74, 216); MP (3, 1), stride 1   27020
conv 2, MP 2    3 x 3          20 -> 20  (N + 74, 72); MP (1, 3), stride 3    3620
conv 3          75 x 1         20 -> 10  (N, 72), no time padding             15010
conv 4          1 x 1          10 -> 1   (N, 72)                              11
conv 5          1 x 61         1 -> 1    (N, 12), no padding                  62
blank           Linear         72 -> 1   (N, 1), only with a blank            73
==============  =============  ========  ===================================  ==========

Total 48315 + 73 Z, as in Table V. The layer norm normalizes each frame over all 6 x 216
values with an elementwise affine map (2 x 1296 parameters); Table V writes its shape
(216, 6), here it is (6, 216) because channels come first, the same normalization.

Pooling. MP 1 takes the maximum over 3 neighbouring frames and pads them with one frame
on each side, so the shape is kept (as Table V states); MP 2 takes the maximum over the
3 bins of each semitone, 216 bins to 72 semitones (6 octaves from C1).

Pitch classes. Conv 5 slides a 61-semitone filter (5 octaves and a semitone) over the 72
semitones without padding: output k covers semitones k .. k + 60, which start at pitch
class k, so output 0 is C and output 11 is B.

Context. Conv 3 (75 frames, no time padding) turns N + 74 input frames into N output
frames: output n is centred on input frame n + 37. ``PitchClassCNN.context = 74`` tells
training code how many frames to add (37 on each side of a segment).

Activations. Leaky ReLU (torch's default slope 0.01) after conv 1-4; since it is monotone
it commutes with the max pooling. Conv 5 and the blank give logits, and ``forward``
applies a sigmoid to each channel: independent probabilities in [0, 1] (multi-label,
Sec. VI-B), the blank in channel 0 when Z = 1.

Book: chapter 8, "The network and its context".
"""
import torch
import torch.nn.functional as F
from torch import nn

from .melody_cnn import N_BINS, N_CHANNELS, N_OCTAVES, N_PITCH_CLASSES, check_choice, check_features

N_SEMITONES = N_OCTAVES * N_PITCH_CLASSES      # 72


class PitchClassCNN(nn.Module):
    """Multi-label pitch-class CNN of Table V: HCQT (B, 6, 216, N + 74) to X (B, N, 12 + Z).

    Book: chapter 8, "The network and its context".

    Parameters
    ----------
    with_blank : bool
        Add a blank output in channel 0 (Z = 1, for MCTC); Z = 0 otherwise (SDTW).
    size : {"paper", "small"}
        "paper": Table V, 48315 + 73 Z parameters. "small": the same layers and context
        with a 9 x 9 first kernel and channels 8, 8, 4 instead of 15 x 15 and 20, 20, 10,
        for training on a CPU: 9543 + 73 Z parameters (2592 of them the layer norm), and
        about 7x fewer multiply-adds per frame (1.1M vs 7.7M), most of which the first
        convolution spends on all 216 bins.

    Attributes
    ----------
    K : int
        Output dimension 12 + Z (K as in book/notation.md; D is the accumulated cost there).
    context : int
        Extra input frames: N + 74 frames in give N frames out.
    """

    SIZES = {"paper": {"kernel": 15, "channels": (20, 20, 10)},
             "small": {"kernel": 9, "channels": (8, 8, 4)}}
    context = 74

    def __init__(self, with_blank=False, size="paper"):
        super().__init__()
        check_choice(with_blank, "with_blank", (False, True))
        check_choice(size, "size", tuple(self.SIZES))
        self.with_blank, self.size, self.K = with_blank, size, N_PITCH_CLASSES + int(with_blank)
        k = self.SIZES[size]["kernel"]
        c1, c2, c3 = self.SIZES[size]["channels"]
        self.norm = nn.LayerNorm((N_CHANNELS, N_BINS))
        self.conv1 = nn.Conv2d(N_CHANNELS, c1, (k, k), padding=(k // 2, k // 2))
        self.pool1 = nn.MaxPool2d((3, 1), stride=1, padding=(1, 0))
        self.conv2 = nn.Conv2d(c1, c2, (3, 3), padding=(1, 1))
        self.pool2 = nn.MaxPool2d((1, 3), stride=(1, 3))
        self.conv3 = nn.Conv2d(c2, c3, (self.context + 1, 1))
        self.conv4 = nn.Conv2d(c3, 1, (1, 1))
        self.conv5 = nn.Conv2d(1, 1, (1, N_SEMITONES - N_PITCH_CLASSES + 1))
        self.blank_layer = nn.Linear(N_SEMITONES, 1) if with_blank else None

    def logits(self, features):
        """Pre-sigmoid outputs.

        Parameters
        ----------
        features : tensor, shape (B, 6, 216, N + 74)
            HCQT batch with N >= 1, the model's dtype and device.

        Returns
        -------
        logits : tensor, shape (B, N, 12 + Z)
            Channel 0 is the blank when Z = 1; pitch classes C, ..., B follow.
        """
        check_features(features, self.conv1.weight, min_frames=self.context + 1)
        h = self.norm(features.permute(0, 3, 1, 2))     # (B, N + 74, 6, 216): one norm per frame
        h = h.transpose(1, 2)                           # (B, 6, N + 74, 216)
        h = self.pool1(F.leaky_relu(self.conv1(h)))
        h = self.pool2(F.leaky_relu(self.conv2(h)))     # (B, c2, N + 74, 72)
        h = F.leaky_relu(self.conv3(h))                 # (B, c3, N, 72)
        h = F.leaky_relu(self.conv4(h))                 # (B, 1, N, 72)
        pitch_classes = self.conv5(h)[:, 0]             # (B, N, 12)
        if self.blank_layer is None:
            return pitch_classes
        return torch.cat([self.blank_layer(h[:, 0]), pitch_classes], dim=-1)

    def forward(self, features):
        """Per-frame probabilities X, shape (B, N, 12 + Z), each entry in [0, 1] (Sec. VI-B).

        Parameters
        ----------
        features : tensor, shape (B, 6, 216, N + 74)

        Returns
        -------
        X : tensor, shape (B, N, 12 + Z)
        """
        return torch.sigmoid(self.logits(features))
