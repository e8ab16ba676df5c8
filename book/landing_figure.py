"""The landing page's figure: CTC-A and SDTW-E align the same predictions (book/intro.md).

One made-up prediction sequence of N = 16 frames over the alphabet (blank, a, b, c) and the
label sequence Y = (a, b, c). CTC-A aligns it to the extended labels Y^e with the cost of
Eq. (9); SDTW-E aligns the blank-free, renormalised predictions to Y with the cost of Eq. (27).
Both soft alignments E come from ``ddtw_edu.ddtw`` (Algorithms 1-2) at gamma = 1.

Usage: python book/landing_figure.py [OUT.png]   (default book/figures/landing.png)
"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from ddtw_edu import ctc_config, ddtw, sdtw_config  # noqa: E402
from ddtw_edu.configs import extended_labels  # noqa: E402
from ddtw_edu.costs import ctc_cost, nll_cost  # noqa: E402
from ddtw_edu.plotting import plot_matrix  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "book" / "figures" / "landing.png"
SYMBOLS = ["ε", "a", "b", "c"]          # class 0 is the blank
Y = [1, 2, 3]


def predictions(N=16):
    """Class probabilities X, shape (N, 4): a, then b, then c, each with a blank between."""
    n = np.arange(N)[:, None]
    centres = np.array([2.5, 7.5, 12.5])                       # where a, b and c sound
    logits = np.concatenate([np.full((N, 1), 1.0), 3.0 - 0.4 * (n - centres) ** 2], axis=1)
    X = np.exp(logits - logits.max(axis=1, keepdims=True))
    return X / X.sum(axis=1, keepdims=True)


def soft_alignments():
    """(E of CTC-A over Y^e, E of SDTW-E over Y), shapes (N, 2M + 1) and (N, M)."""
    X = torch.from_numpy(predictions())
    N, M = len(X), len(Y)
    Ye = extended_labels(Y)
    E_ctc = ddtw(ctc_cost(X, torch.as_tensor(Ye)).numpy(), **ctc_config(Y, N)._asdict()).E
    X_labels = X[:, 1:] / X[:, 1:].sum(dim=1, keepdim=True)       # SDTW has no blank class
    targets = torch.eye(3, dtype=X.dtype)[[y - 1 for y in Y]]      # one-hot y_m
    E_sdtw = ddtw(nll_cost(X_labels, targets).numpy(), **sdtw_config(N, M, "SDTW-E")._asdict()).E
    return E_ctc, E_sdtw, [SYMBOLS[k] for k in Ye]


def draw(out=OUT):
    E_ctc, E_sdtw, Ye = soft_alignments()
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 2.7), layout="constrained")
    for ax, E, labels, title in [(axes[0], E_ctc, Ye, "CTC-A: over the extended labels $Y^e$"),
                                 (axes[1], E_sdtw, [SYMBOLS[y] for y in Y], "SDTW-E: over the labels $Y$")]:
        plot_matrix(E, ax=ax, cmap="Reds", vmin=0, vmax=1, colorbar=ax is axes[1], title=title)
        ax.set_yticks(np.arange(len(labels)))
        ax.set_yticklabels(labels)
    fig.suptitle("Soft alignment $\\mathbf{E}$ of the same 16 predictions to $Y = (a, b, c)$", fontsize="medium")
    fig.savefig(out, dpi=120, metadata={"Software": None})
    plt.close(fig)
    return out


if __name__ == "__main__":
    print(draw(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
