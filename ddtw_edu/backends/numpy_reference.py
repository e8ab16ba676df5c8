"""The "numpy" backend: the reference of :mod:`ddtw_edu.reference` run item by item.

No algorithm of its own: each item's cost matrix is cut to its lengths and
handed to :func:`ddtw_edu.reference.ddtw_forward` and
:func:`ddtw_edu.reference.ddtw_backward` (Algorithms 1 and 2) in float64. It is
the oracle the fast backends are tested against, and the only backend that
keeps the backtracking tensor B (Eq. 16) and G (Eq. 23) of every item.

Book: chapter 6, "Do the backends agree?".
"""
from dataclasses import dataclass, field

import numpy as np

from ..reference import ddtw_backward, ddtw_forward
from .gathered import GatheredCosts

RUNS_ON = "cpu"


def is_available():
    """Always True: NumPy is all it needs."""
    return True


@dataclass
class ReferenceState:
    """Per item, what Algorithm 1 returned; G (Eq. 23) once a backward pass has run."""
    problem: object
    shape: tuple
    dtype: np.dtype
    gathered: object
    D: list = field(default_factory=list)
    B: list = field(default_factory=list)
    end_grad: list = field(default_factory=list)
    G: list = field(default_factory=list)


def forward(C, problem):
    """Reference values for every item; returns ``(values, state)`` (contract: :mod:`ddtw_edu.backends`)."""
    gathered = C if isinstance(C, GatheredCosts) else None
    C = C.dense() if gathered is not None else C
    state = ReferenceState(problem, C.shape, C.dtype, gathered)
    values = np.empty(len(C))
    for b in range(len(C)):
        steps, W, start, end = problem.item(b)
        Cb = C[b, : problem.N_lengths[b], : problem.M_lengths[b]].astype(np.float64)
        values[b], D, B, end_grad = ddtw_forward(Cb, steps, W, start, end, problem.gamma, problem.minimum)
        state.D.append(D)
        state.B.append(B)
        state.end_grad.append(end_grad)
    return values, state


def backward(state, grad_values, return_E=False):
    """Reference gradients H (B, N, M), zero outside each item's lengths (contract: :mod:`ddtw_edu.backends`).

    H is float64, the reference's precision; for :class:`~.gathered.GatheredCosts`
    it is the gradient with respect to ``log_probs``, in their dtype.
    """
    H = np.zeros(state.shape, dtype=np.float64 if state.gathered is None else state.dtype)
    E = np.zeros(state.shape)
    state.G = []
    for b, (B, end_grad) in enumerate(zip(state.B, state.end_grad)):
        steps, W, start, end = state.problem.item(b)
        Eb, Gb, Hb = ddtw_backward(B, steps, W, start, end, end_grad)
        N, M = Hb.shape
        H[b, :N, :M] = grad_values[b] * Hb
        E[b, :N, :M] = Eb
        state.G.append(Gb)
    if state.gathered is not None:
        H = state.gathered.scatter(H)
    return (H, E) if return_E else H


def unpack_first_item(state):
    """D, G and B of item 0 (contract: :mod:`ddtw_edu.backends`); G once :func:`backward` has run."""
    return state.D[0], state.G[0] if state.G else None, state.B[0]
