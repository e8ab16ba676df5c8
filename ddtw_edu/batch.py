"""A batch of dDTW problems sharing one step set, and the NumPy batch backend.

Items in a batch may differ in length (``N_lengths``, ``M_lengths``), in their
cell-wise weights (CTC's weights depend on the label sequence) and in their
boundary sets. The "numpy" backend loops over the items with the reference of
:mod:`ddtw_edu.reference`; the fast backends take the same :class:`BatchProblem`.
"""
from dataclasses import dataclass

import numpy as np

from .backends import numba_cpu
from .parameters import check_gamma, check_steps
from .reference import ddtw_backward, ddtw_forward

BACKENDS = ("numpy", "numba", "cuda")


@dataclass
class BatchProblem:
    """The building blocks of B alignment problems (paper Sec. V-A), 0-based.

    Attributes
    ----------
    steps : int64 ndarray, shape (S, 2)
    W : float64 ndarray, shape (B, 1 or N, 1 or M, S)
        Step weights, broadcast over a length-1 axis; ``inf`` blocks a step.
    start, end : int64 ndarray, shape (B, K, 2)
        Boundary cells of each item, padded with ``-1`` rows.
    N_lengths, M_lengths : int64 ndarray, shape (B,)
        Valid sizes of each item's cost matrix.
    gamma : float
    minimum : str
    """
    steps: np.ndarray
    W: np.ndarray
    start: np.ndarray
    end: np.ndarray
    N_lengths: np.ndarray
    M_lengths: np.ndarray
    gamma: float
    minimum: str

    def __post_init__(self):
        self.steps = check_steps(self.steps)
        self.gamma = check_gamma(self.gamma, self.minimum)
        self.W = np.asarray(self.W, dtype=np.float64)
        if self.W.ndim != 4 or self.W.shape[-1] != len(self.steps):
            raise ValueError(f"weights must have shape (B, N, M, S) with S = {len(self.steps)}, got {self.W.shape}")
        if np.isnan(self.W).any() or (self.W < 0).any():
            raise ValueError("weights must be >= 0 (or inf to block a step)")
        self.N_lengths = np.asarray(self.N_lengths, dtype=np.int64)
        self.M_lengths = np.asarray(self.M_lengths, dtype=np.int64)
        for name in ("start", "end"):
            cells = np.asarray(getattr(self, name), dtype=np.int64)
            if cells.ndim != 3 or cells.shape[2] != 2:
                raise ValueError(f"{name} must have shape (B, K, 2), got {cells.shape}")
            valid = cells[..., 0] >= 0
            if not valid.any(axis=1).all():
                raise ValueError(f"{name} must hold at least one cell for every item")
            inside = ((cells[..., 0] < self.N_lengths[:, None]) & (cells[..., 1] >= 0)
                      & (cells[..., 1] < self.M_lengths[:, None]))
            if (valid & ~inside).any():
                raise ValueError(f"{name} has cells outside an item's (N, M) lengths")
            setattr(self, name, _unique_cells(cells, valid))

    def item(self, b):
        """Item b as reference arguments ``(steps, W (N_b, M_b, S), start, end)``."""
        N, M = self.N_lengths[b], self.M_lengths[b]
        W = self.W[b, : min(N, self.W.shape[1]), : min(M, self.W.shape[2])]
        W = np.broadcast_to(W, (N, M, len(self.steps)))
        start = self.start[b][self.start[b, :, 0] >= 0]
        end = self.end[b][self.end[b, :, 0] >= 0]
        return self.steps, W, start, end


@dataclass
class GatheredCosts:
    """CTC costs C[b, n, m] = -log_probs[n, b, Ye[b, m]] (Eq. 9), never materialized.

    The fast backend gathers them straight into its own layout and scatters
    the gradient back to ``log_probs``, which saves a (B, N, 2M + 1) tensor
    and two passes over it.

    Attributes
    ----------
    log_probs : ndarray, shape (T, B, K)
    Ye : int64 ndarray, shape (B, M_e)
        Extended label sequences (padded with any valid class).
    """
    log_probs: np.ndarray
    Ye: np.ndarray

    @property
    def shape(self):
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


def _unique_cells(cells, valid):
    """Boundary sets are sets: drop repeated cells of an item, keep the -1 padding."""
    same = (cells[:, :, None] == cells[:, None, :]).all(axis=-1) & valid[:, :, None] & valid[:, None, :]
    if not np.triu(same, k=1).any():
        return cells
    unique = [np.unique(cells[b][valid[b]], axis=0) for b in range(len(cells))]
    out = np.full((len(cells), max(len(u) for u in unique), 2), -1, dtype=np.int64)
    for b, u in enumerate(unique):
        out[b, : len(u)] = u
    return out


def forward_numpy(C, problem):
    """Reference values for every item; returns ``(values, state)``.

    ``C`` is an array (B, N, M) or :class:`GatheredCosts`.
    """
    gathered = C if isinstance(C, GatheredCosts) else None
    C = C.dense() if gathered is not None else C
    values = np.empty(len(C))
    saved = []
    for b in range(len(C)):
        steps, W, start, end = problem.item(b)
        Cb = C[b, : problem.N_lengths[b], : problem.M_lengths[b]].astype(np.float64)
        values[b], _, B, end_grad = ddtw_forward(Cb, steps, W, start, end, problem.gamma, problem.minimum)
        saved.append((B, end_grad))
    return values, (problem, saved, C.shape, C.dtype, gathered)


def backward_numpy(state, grad_values, return_E=False):
    """Reference gradients H (B, N, M), zero outside each item's lengths.

    For :class:`GatheredCosts` the gradient with respect to ``log_probs``.
    """
    problem, saved, shape, dtype, gathered = state
    H = np.zeros(shape, dtype=dtype)
    E = np.zeros(shape)
    for b, (B, end_grad) in enumerate(saved):
        steps, W, start, end = problem.item(b)
        Eb, _, Hb = ddtw_backward(B, steps, W, start, end, end_grad)
        N, M = Hb.shape
        H[b, :N, :M] = grad_values[b] * Hb
        E[b, :N, :M] = Eb
    if gathered is not None:
        H = gathered.scatter(H)
    return (H, E) if return_E else H


def get_backend(backend):
    """The ``(forward, backward)`` pair of a backend name."""
    if backend == "numpy":
        return forward_numpy, backward_numpy
    if backend == "numba":
        return numba_cpu.forward, numba_cpu.backward
    if backend == "cuda":
        from .backends import cuda_gpu           # imported on demand: it loads the CUDA target of Numba
        if not cuda_gpu.is_available():
            raise ValueError("backend 'cuda' needs an NVIDIA GPU with a working CUDA driver (none found); "
                             "use 'numba' or 'numpy'")
        return cuda_gpu.forward, cuda_gpu.backward
    raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
