"""A batch of dDTW problems sharing one step set: what every backend's ``forward`` takes.

Items in a batch may differ in length (``N_lengths``, ``M_lengths``), in their
cell-wise weights (CTC's weights depend on the label sequence) and in their
boundary sets. :meth:`BatchProblem.from_configs` stacks the per-item building
blocks of :mod:`ddtw_edu.configs` (Table I) into one problem; every loss
builds its problem that way.
"""
from dataclasses import dataclass

import numpy as np

from ..parameters import check_batch_cells, check_batch_weights, check_gamma, check_steps


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
        self.W = check_batch_weights(self.W, len(self.steps))
        self.N_lengths = np.asarray(self.N_lengths, dtype=np.int64)
        self.M_lengths = np.asarray(self.M_lengths, dtype=np.int64)
        self.start = check_batch_cells(self.start, self.N_lengths, self.M_lengths, "start")
        self.end = check_batch_cells(self.end, self.N_lengths, self.M_lengths, "end")

    @classmethod
    def from_configs(cls, configs, N_lengths, M_lengths, N, M, gamma=1.0, minimum="softmin"):
        """Stack the building blocks of each item (Table I) into one problem.

        Parameters
        ----------
        configs : sequence of Config
            One per item, as :func:`ddtw_edu.configs.ctc_config` and
            :func:`ddtw_edu.configs.sdtw_config` return them (``steps``,
            ``weights``, ``start``, ``end``), all with the same steps.
            Weights of shape (S,), (M_b, S) or (N_b, M_b, S) for item b.
        N_lengths, M_lengths : array_like of int, shape (B,)
            Each item's cost matrix size.
        N, M : int
            Size of the padded cost array (B, N, M) the problem is for.
        gamma : float
        minimum : str

        Returns
        -------
        BatchProblem
            Weights of shape (B, 1, 1, S), (B, 1, M, S) or (B, N, M, S), the
            smallest that holds every item's, padded with ``inf``; boundary
            sets padded with ``-1`` rows.
        """
        steps = np.asarray(configs[0].steps)
        S = len(steps)
        weights = [np.asarray(config.weights, dtype=np.float64) for config in configs]
        for config in configs[1:]:
            if not np.array_equal(config.steps, steps):
                raise ValueError(f"all items of a batch need the same steps, got {steps.tolist()} and "
                                 f"{np.asarray(config.steps).tolist()}")
        ndim = max(w.ndim for w in weights)
        W = np.full((len(configs), N if ndim == 3 else 1, M if ndim >= 2 else 1, S), np.inf)
        N_lengths = np.asarray(N_lengths, dtype=np.int64)
        M_lengths = np.asarray(M_lengths, dtype=np.int64)
        for b, w in enumerate(weights):
            n_extent = N_lengths[b] if W.shape[1] > 1 else 1
            m_extent = M_lengths[b] if W.shape[2] > 1 else 1
            if not 1 <= w.ndim <= 3 or w.shape != (n_extent, m_extent, S)[3 - w.ndim:]:
                raise ValueError(f"weights of item {b} must have shape (S,), (M, S) or (N, M, S) = "
                                 f"({N_lengths[b]}, {M_lengths[b]}, {S}), got {w.shape}")
            W[b, :n_extent, :m_extent] = w          # (S,) and (M_b, S) broadcast over the item's cells
        return cls(steps, W, _stack_cells([config.start for config in configs]),
                   _stack_cells([config.end for config in configs]), N_lengths, M_lengths, gamma, minimum)

    def item(self, b):
        """Item b as reference arguments ``(steps, W (N_b, M_b, S), start, end)``."""
        N, M = self.N_lengths[b], self.M_lengths[b]
        W = self.W[b, : min(N, self.W.shape[1]), : min(M, self.W.shape[2])]
        W = np.broadcast_to(W, (N, M, len(self.steps)))
        start = self.start[b][self.start[b, :, 0] >= 0]
        end = self.end[b][self.end[b, :, 0] >= 0]
        return self.steps, W, start, end


def _stack_cells(cell_sets):
    """Boundary sets (K_b, 2) of each item as one int64 array (B, max K_b, 2), padded with -1 rows."""
    cell_sets = [np.asarray(cells, dtype=np.int64).reshape(-1, 2) for cells in cell_sets]
    out = np.full((len(cell_sets), max(len(cells) for cells in cell_sets), 2), -1, dtype=np.int64)
    for b, cells in enumerate(cell_sets):
        out[b, : len(cells)] = cells
    return out
