"""Targets of the EM-like baseline (Sec. VII-A-4): hard DTW alignment of the stretched weak targets.

In every training step the weak target sequence, stretched linearly to the
N frames of the predictions, is aligned to the predictions by hard DTW
(classical steps (1, 0), (0, 1), (1, 1), the cost of the task). Each
prediction frame then takes the target of the stretched frame it is aligned
to, and the network is trained frame-wise on these targets. The alignment is
computed by dDTW itself: with the hard minimum, the gradient
E = d DTW / d C is the indicator matrix of the optimal path (Eq. 19).

Book: chapter 7, "Twelve objectives".
"""
import torch

from ..losses import sdtw_loss


def compute_em_targets(X, stretched, lengths, cost, backend=None):
    """Frame-wise targets from the hard DTW path between predictions and stretched weak targets.

    Parameters
    ----------
    X : tensor, shape (B, N, K)
        Predicted probabilities (not differentiated through).
    stretched : tensor, shape (B, N, K)
        Weak targets stretched to N frames (``batch["stretched"]``).
    lengths : int tensor, shape (B,)
        Valid frames per item (the same for predictions and stretched targets).
    cost : callable
        ``cost(X, Y) -> C`` of shape (B, N, N), e.g. :func:`ddtw_edu.costs.nll_cost`.
    backend : {"numba", "numpy", "cuda"} or None

    Returns
    -------
    tensor, shape (B, N, K)
        For frame n, the stretched target of the first frame n' with (n, n')
        on the optimal path; padded frames get row 0 (their loss is masked).
    """
    if X.shape != stretched.shape:
        raise ValueError(f"X and stretched must have the same shape (B, N, K), got {tuple(X.shape)} and "
                         f"{tuple(stretched.shape)}")
    with torch.enable_grad():
        C = cost(X.detach().double(), stretched.detach().double()).requires_grad_(True)
        value = sdtw_loss(C, config="SDTW-E", input_lengths=lengths, target_lengths=lengths, reduction="sum",
                          backend=backend, minimum="hardmin")
        (E,) = torch.autograd.grad(value, C)
    first = (E > 0.5).to(torch.uint8).argmax(dim=2)            # first aligned target frame per prediction frame
    return torch.gather(stretched, 1, first[..., None].expand(-1, -1, stretched.shape[-1]))


__all__ = ["compute_em_targets"]
