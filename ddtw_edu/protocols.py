"""The two experiment protocols: the paper as printed, and the authors' experiment code.

The library follows Table I and the text of the paper (protocol ``"table1"``,
the default). The authors' experiment code (github.com/groupmm/dDTW_CTC, and
the ``CTC`` class of the ``ddtw`` 0.1.2 package) departs from it in a few
places; protocol ``"authors"`` reproduces each of them. They are all listed
here, one field each, and the code that implements one reads its field:

``ctc_weights`` (:func:`ddtw_edu.configs.ctc_weights`)
    ``"authors"``: the (1, 1) step into the blank between two equal labels
    keeps the global weight 1.0 in CTC-B (Table I: the blank weight 2.0), and
    in CTC-C the (1, 1) step into a target keeps 1.0 (Table I: blocked).
    Smallest witnesses, probabilities 1/6 everywhere: CTC-B, labels [1, 1],
    T = 3 costs 4 log 6 by Table I and 3 log 6 by the authors' weights; CTC-C,
    labels [1], T = 2 costs 2 log 6 and 2 log 6 - log 2.
``rest_cost`` (:func:`ddtw_edu.costs.nll_cost`, :func:`ddtw_edu.costs.bce_cost`)
    The cost of an all-zero target (a rest). ``"constant"``: -log eps, so
    alignments spend as few frames on rests as they can. ``"zero"``: the
    authors' soft-DTW cost -sum_k y_k log x_k is 0 for y = 0, so rests absorb
    frames for free.
``frame_accuracy_rests`` (:func:`ddtw_edu.evaluation.frame_accuracy`)
    ``"skip"``: frame accuracy over sounding frames; ``"first_class"``: over
    all frames, a rest scored as class 0, as the authors' evaluation does.
``drop_last_note`` (MTD targets, :func:`ddtw_edu.experiments.data.load_splits`)
    The authors build the frame targets of every MTD theme without its last
    note (``note_list[:-1]``); the CTC labels keep it.
``split_header`` (MTD split files)
    The authors read ``MTD_split5-<k>.csv`` with a header row, so the first
    theme of every fold is dropped.

Blocked steps are masked (``inf``) under both protocols; the authors' code
multiplies by 1e20 instead, which differs only where no allowed path exists.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Protocol:
    """One choice for every point where the authors' code departs from the paper (see module docstring)."""
    name: str
    ctc_weights: str
    rest_cost: str
    frame_accuracy_rests: str
    drop_last_note: bool
    split_header: bool


PROTOCOLS = {
    "table1": Protocol("table1", ctc_weights="table1", rest_cost="constant", frame_accuracy_rests="skip",
                       drop_last_note=False, split_header=False),
    "authors": Protocol("authors", ctc_weights="authors", rest_cost="zero", frame_accuracy_rests="first_class",
                        drop_last_note=True, split_header=True),
}


def get_protocol(protocol="table1"):
    """The :class:`Protocol` named ``protocol`` ("table1" or "authors"); a Protocol is returned as is."""
    if isinstance(protocol, Protocol):
        return protocol
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {tuple(PROTOCOLS)}, got {protocol!r}")
    return PROTOCOLS[protocol]
