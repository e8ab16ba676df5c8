"""CTC costs read through the labels, never stored: the view every backend accepts besides a cost array."""
from dataclasses import dataclass

import numpy as np


@dataclass
class GatheredCosts:
    """CTC costs C[b, n, m] = -log_probs[n, b, Ye[b, m]] (Eq. 9), never materialized.

    The fast backends gather them straight into their own layout and scatter
    the gradient back to ``log_probs``, which saves a (B, N, 2M + 1) tensor
    and two passes over it. A backend tells this view from a cost array with
    ``isinstance(C, GatheredCosts)``.

    Attributes
    ----------
    log_probs : ndarray (or, for the "cuda" backend, a torch CUDA tensor), shape (T, B, K)
    Ye : int64 ndarray, shape (B, M_e)
        Extended label sequences (padded with any valid class).
    """
    log_probs: np.ndarray
    Ye: np.ndarray

    @property
    def shape(self):
        """(B, T, M_e), the shape of the cost array this view stands for."""
        return (self.Ye.shape[0], self.log_probs.shape[0], self.Ye.shape[1])

    @property
    def dtype(self):
        return self.log_probs.dtype

    def dense(self):
        """C as an array of shape (B, T, M_e)."""
        batch = np.arange(len(self.Ye))[:, None, None]
        return -self.log_probs.transpose(1, 0, 2)[batch, np.arange(self.shape[1])[None, :, None], self.Ye[:, None, :]]

    def scatter(self, H):
        """Gradient with respect to log_probs (T, B, K) of sum(H * C)."""
        grad = np.zeros(self.log_probs.shape, dtype=H.dtype)
        batch = np.arange(len(self.Ye))[:, None, None]
        frames = np.arange(self.shape[1])[None, :, None]
        np.add.at(grad, (frames, batch, self.Ye[:, None, :]), -H)
        return grad
