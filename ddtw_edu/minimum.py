"""Minimum functions mu for dDTW (paper Sec. V-A 4, Eq. 7 and 12), and the contract every backend keeps.

Each function takes a vector ``q`` of candidate costs, some of which may be
``+inf`` (a blocked step or an unreachable cell), and returns the value
``mu(q)`` and its gradient ``grad mu(q)``.

The contract
------------
The three implementations of each minimum (this module for the reference,
``_minimum_value``/``_minimum_gradient`` in :mod:`ddtw_edu.backends.numba_cpu`
and ``minimum_value``/``minimum_gradient`` in :mod:`ddtw_edu.backends.cuda_gpu`)
all follow it:

1. **inf handling.** Infinite candidates get a gradient of exactly zero and
   never enter a sum. If every candidate is infinite, the value is ``inf``
   and the gradient all zeros: nothing flows through a cell no path reaches.
2. **Stabilized softmin.** ``mu(q) = q_min - gamma log sum_s exp(-(q_s -
   q_min) / gamma)``, so the largest term is exp(0) = 1 and nothing
   overflows; its gradient is the softmax weights (Eq. 12).
3. **Tie rule of hardmin.** The gradient is one-hot at the *first* minimal
   candidate (the smallest index s); ``gamma`` is ignored.
4. **Sparsemin** is ``min_{p in simplex} <p, q> + gamma / 2 ||p||^2`` over the
   finite candidates; its gradient ``p = sparsemax(-q / gamma)`` gives
   exactly zero to clearly worse candidates.

All three functions are shift-equivariant, ``mu(q + c) = mu(q) + c``, so their
gradients sum to one over the finite candidates.

Book: chapter 2, "The soft minimum and its temperature"; chapter 4, "Other minimum
functions: hardmin and sparsemin".
"""
import numpy as np

MINIMUM_FUNCTIONS = ("softmin", "hardmin", "sparsemin")


def softmin(q, gamma):
    """Soft minimum, Eq. (7), and its gradient, Eq. (12).

    ``mu(q) = -gamma * log(sum_s exp(-q_s / gamma))``, evaluated stably by
    factoring out the smallest candidate.

    Parameters
    ----------
    q : ndarray, shape (S,)
        Candidate costs; ``inf`` marks a candidate that is not allowed.
    gamma : float
        Temperature, > 0.

    Returns
    -------
    value : float
    grad : ndarray, shape (S,)
        Softmax weights ``exp(-q_s / gamma) / sum_t exp(-q_t / gamma)``.
    """
    q = np.asarray(q, dtype=np.float64)
    finite = np.isfinite(q)
    grad = np.zeros_like(q)
    if not finite.any():
        return np.inf, grad
    q_min = q[finite].min()
    # the largest term is exp(0) = 1
    weights = np.exp(-(q[finite] - q_min) / gamma)
    total = weights.sum()
    grad[finite] = weights / total
    return q_min - gamma * np.log(total), grad


def hardmin(q, gamma=None):
    """Hard minimum (classic DTW / Viterbi, the limit gamma -> 0 of softmin).

    Book: chapter 4, "Other minimum functions: hardmin and sparsemin".

    The gradient is one-hot at the first minimal candidate (a subgradient
    where there are ties). ``gamma`` is ignored.
    """
    q = np.asarray(q, dtype=np.float64)
    grad = np.zeros_like(q)
    if not np.isfinite(q).any():
        return np.inf, grad
    s = int(np.argmin(q))
    grad[s] = 1.0
    return q[s], grad


def project_onto_simplex(z):
    """Euclidean projection of ``z`` onto the probability simplex (sparsemax).

    Uses the sorting characterisation: the threshold tau is the largest of
    ``(sum of the k largest entries - 1) / k`` over k = 1..len(z).
    """
    z_sorted = np.sort(z)[::-1]
    k = np.arange(1, len(z) + 1)
    tau = np.max((np.cumsum(z_sorted) - 1.0) / k)
    return np.maximum(z - tau, 0.0)


def sparsemin(q, gamma):
    """Sparse minimum: the minimum smoothed with a squared 2-norm regularizer.

    Book: chapter 4, "Other minimum functions: hardmin and sparsemin".

    Following Mensch & Blondel (2018) (paper refs. [19], [31]),
    ``mu(q) = min_{p in simplex} <p, q> + gamma / 2 * ||p||^2``; the minimizer
    ``p = sparsemax(-q / gamma)`` is also the gradient. Unlike softmin it gives
    exactly zero weight to clearly worse candidates.

    Parameters
    ----------
    q : ndarray, shape (S,)
    gamma : float
        Regularization strength, > 0.

    Returns
    -------
    value : float
    grad : ndarray, shape (S,)
    """
    q = np.asarray(q, dtype=np.float64)
    finite = np.isfinite(q)
    grad = np.zeros_like(q)
    if not finite.any():
        return np.inf, grad
    p = project_onto_simplex(-q[finite] / gamma)
    grad[finite] = p
    return float(p @ q[finite] + 0.5 * gamma * p @ p), grad


def get_minimum_function(minimum):
    """Look up a minimum function by name ("softmin", "hardmin" or "sparsemin")."""
    functions = {"softmin": softmin, "hardmin": hardmin, "sparsemin": sparsemin}
    if minimum not in functions:
        raise ValueError(f"minimum must be one of {MINIMUM_FUNCTIONS}, got {minimum!r}")
    return functions[minimum]
