"""Local cost functions of Sec. VI, in torch (batched over any leading axes).

Predictions X have shape (..., N, K) and hold probabilities; targets have
shape (..., M, K) (one-hot, multi-hot, or all zeros for a rest). Each
function returns the cost matrix C of shape (..., N, M) (Eq. 4). ``eps``
clips probabilities away from 0 (and 1) before a log: with ``eps > 0`` every
cost is finite, and every function but :func:`ctc_cost` defaults to ``EPS``.
:func:`ctc_cost` defaults to ``eps = 0``, the exact -log p of Eq. (9) as
torch's CTC uses it, so a probability of 0 costs ``inf`` there (pass
``eps=EPS`` for finite costs, as the training objectives do).

Book: chapter 5, "Single-label: CTC" (:func:`ctc_cost`), "Single-label: soft-DTW"
(:func:`nll_cost`), "Multi-label: why not one big alphabet?" (:func:`mctc_cost`) and
"Multi-label: binary cross-entropy for soft-DTW" (:func:`bce_cost`). The chapter prints
these functions, so their own docstrings do not point back to it.
"""
import torch

EPS = 1e-7      # probabilities are clipped to [EPS, 1 - EPS] before a log: finite costs


def ctc_cost(X, Ye, eps=0.0):
    """Single-label CTC cost, C(n, m) = -log <x_n, y^e_m> (Eq. 26 and 9).

    Parameters
    ----------
    X : tensor, shape (..., N, K)
        Class probabilities (K = 13 with the blank).
    Ye : tensor of int, shape (..., M)
        Extended label sequence as class indices.
    eps : float
        Clipping before the log; the default 0 keeps -log 0 = inf.
    """
    shape = (*Ye.shape[:-1], X.shape[-2], Ye.shape[-1])
    index = Ye.unsqueeze(-2).expand(*shape)
    return -torch.log(torch.gather(X, -1, index).clamp_min(eps))


def multilabel_probability(X, Y, eps=EPS):
    """p(y_m | x_n) = prod_i (y_i x_i + (1 - y_i)(1 - x_i)) (Eq. 30), as log.

    Returns log p of all frames and labels, shape (..., N, M).
    """
    X = X.clamp(eps, 1 - eps)
    return (torch.log(X) @ Y.transpose(-1, -2)
            + torch.log1p(-X) @ (1 - Y).transpose(-1, -2))


def mctc_cost(X, Y, eps=EPS):
    """Multi-label CTC cost over the extended sequence (Eq. 28-30).

    Parameters
    ----------
    X : tensor, shape (..., N, 1 + K)
        ``X[..., 0]`` is the blank probability, ``X[..., 1:]`` the K class
        activations (independent probabilities, e.g. sigmoids).
    Y : tensor, shape (..., M, K)
        Multi-hot target vectors.

    Returns
    -------
    C : tensor, shape (..., N, 2M + 1)
        -log p(y^e_m | x_n): blanks in the even columns, labels in the odd.
    """
    p_blank = X[..., :1].clamp(eps, 1 - eps)
    label_logp = (torch.log1p(-p_blank)                          # Eq. 28-29
                  + multilabel_probability(X[..., 1:], Y, eps))  # Eq. 30
    shape = (*label_logp.shape[:-1], 2 * Y.shape[-2] + 1)
    C = (-torch.log(p_blank)).expand(*shape).clone()
    C[..., 1::2] = -label_logp
    return C


def bce_cost(X, Y, eps=EPS):
    """Binary cross-entropy cost (Eq. 31).

    c(x_n, y_m) = -sum_i (y_i log x_i + (1 - y_i) log(1 - x_i)). It equals
    -log p(y_m | x_n) of Eq. 30: the identity of Sec. VI-C.
    """
    return -multilabel_probability(X, Y, eps)


def nll_cost(X, Y, eps=EPS, rest_cost="constant"):
    """Single-label SDTW cost, c(x_n, y_m) = -log <x_n, y_m> (Eq. 27).

    Parameters
    ----------
    X : tensor, shape (..., N, K)
        Class probabilities.
    Y : tensor, shape (..., M, K)
        One-hot targets, all zeros for a rest.
    eps : float
    rest_cost : {"constant", "zero"}
        A rest has <x_n, y_m> = 0. ``"constant"`` (the library's choice):
        clipping at ``eps`` gives it the cost -log(eps) with no gradient,
        so alignments spend as few frames on rests as the steps allow.
        ``"zero"`` (the authors' code, :mod:`ddtw_edu.protocols`): the cost
        is -sum_k y_k log x_k, equal for one-hot targets and 0 for a rest,
        which then absorbs frames for free.

    Returns
    -------
    C : tensor, shape (..., N, M)
    """
    if rest_cost == "zero":
        return -(torch.log(X.clamp_min(eps)) @ Y.transpose(-1, -2))
    if rest_cost != "constant":
        raise ValueError("rest_cost must be 'constant' or 'zero', "
                         f"got {rest_cost!r}")
    return -torch.log((X @ Y.transpose(-1, -2)).clamp_min(eps))
