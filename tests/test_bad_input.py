"""Bad arguments give a ValueError that names the argument, never a silent NaN."""
import numpy as np
import pytest
import torch

from ddtw_edu import bce_sdtw_loss, ctc_config, ctc_loss, ddtw, multilabel_ctc_loss, sdtw_config, sdtw_loss
from ddtw_edu.backends.problem import BatchProblem

STEPS = [(1, 0), (0, 1), (1, 1)]
C = np.random.default_rng(0).uniform(0, 1, (4, 3))


def costs(B=2, N=4, M=3, dtype=torch.float64):
    return torch.rand(B, N, M, dtype=dtype)


def ctc_args(T=6, B=2, K=4):
    """Valid ctc_loss arguments: log_probs (T, B, K), targets, input_lengths, target_lengths."""
    return torch.randn(T, B, K).log_softmax(-1), torch.tensor([[1, 2], [3, 3]]), torch.tensor([6, 5]), torch.tensor([2, 2])


# ----------------------------------------------------------------------------- cost matrices

@pytest.mark.parametrize("bad, match", [
    (np.zeros(4), "C must have 2 dimensions"),
    (np.zeros((2, 4, 3)), "C must have 2 dimensions"),
    (np.zeros((0, 3)), "C must have N >= 1"),
    (np.zeros((4, 3), dtype=complex), "C must be a real-valued array"),
    (np.array([["a", "b"]]), "C must be a real-valued array"),
    (np.zeros((4, 3), dtype=bool), "C must be a real-valued array"),
])
def test_ddtw_rejects_bad_cost_matrix(bad, match):
    with pytest.raises(ValueError, match=match):
        ddtw(bad, STEPS)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_ddtw_rejects_non_finite_costs(value):
    bad = C.copy()
    bad[1, 2] = value
    with pytest.raises(ValueError, match="C must be finite"):
        ddtw(bad, STEPS)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((2, 4, 3)), "C must be a torch tensor"),
    (torch.zeros(4, 3), r"C must have shape \(B, N, M\)"),
    (torch.zeros(2, 0, 3), r"C must have shape \(B, N, M\)"),
    (torch.zeros(2, 4, 3, dtype=torch.float16), "C must be float32 or float64"),
    (torch.zeros(2, 4, 3, dtype=torch.int64), "C must be float32 or float64"),
])
def test_sdtw_loss_rejects_bad_cost_tensor(bad, match):
    with pytest.raises(ValueError, match=match):
        sdtw_loss(bad)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_sdtw_loss_rejects_non_finite_costs_inside_the_lengths(value):
    bad = costs()
    bad[1, 0, 0] = value
    with pytest.raises(ValueError, match="C must be finite"):
        sdtw_loss(bad)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_ctc_loss_rejects_non_finite_log_probs(value):
    log_probs, *rest = ctc_args()
    log_probs[2, 1, 0] = value
    with pytest.raises(ValueError, match="log_probs must be finite"):
        ctc_loss(log_probs, *rest)


@pytest.mark.parametrize("bad, match", [
    (torch.zeros(6, 2), r"log_probs must be a tensor of shape \(T, B, K\)"),
    (np.zeros((6, 2, 4)), r"log_probs must be a tensor of shape \(T, B, K\)"),
    (torch.zeros(6, 2, 4, dtype=torch.float16), "log_probs must be float32 or float64"),
])
def test_ctc_loss_rejects_bad_log_probs(bad, match):
    _, *rest = ctc_args()
    with pytest.raises(ValueError, match=match):
        ctc_loss(bad, *rest)


# ----------------------------------------------------------------------------- building blocks

@pytest.mark.parametrize("weights, match", [
    (np.array([1.0, -0.5, 1.0]), "weights must be >= 0"),
    (np.array([1.0, np.nan, 1.0]), "weights must be >= 0"),
    (np.ones((3, 3, 3)), "weights must have shape"),
    (np.ones(2), "weights must have shape"),
])
def test_ddtw_rejects_bad_weights(weights, match):
    with pytest.raises(ValueError, match=match):
        ddtw(C, STEPS, weights)


def test_batch_problem_rejects_negative_weights():
    with pytest.raises(ValueError, match="weights must be >= 0"):
        BatchProblem(STEPS, -np.ones((1, 1, 1, 3)), [[(0, 0)]], [[(3, 2)]], [4], [3], 1.0, "softmin")


@pytest.mark.parametrize("name", ["start", "end"])
@pytest.mark.parametrize("cells, match", [
    (np.zeros((0, 2), dtype=int), "must be a non-empty set"),
    ([(4, 0)], "has cells outside the 4 x 3 grid"),
    ([(0, 3)], "has cells outside the 4 x 3 grid"),
    ([(-1, 0)], "has cells outside the 4 x 3 grid"),
    ([(0, 0, 0)], "must be a non-empty set"),
])
def test_ddtw_rejects_bad_boundary_cells(name, cells, match):
    with pytest.raises(ValueError, match=f"{name} {match}"):
        ddtw(C, STEPS, **{name: cells})


def test_batch_problem_rejects_empty_boundary_and_cells_outside_the_lengths():
    args = dict(steps=STEPS, W=np.ones((1, 1, 1, 3)), N_lengths=[2], M_lengths=[3], gamma=1.0, minimum="softmin")
    with pytest.raises(ValueError, match="start must hold at least one cell"):
        BatchProblem(start=[[(-1, -1)]], end=[[(1, 2)]], **args)
    with pytest.raises(ValueError, match="end has cells outside"):
        BatchProblem(start=[[(0, 0)]], end=[[(3, 2)]], **args)            # row 3 beyond N_lengths = 2


@pytest.mark.parametrize("steps, match", [
    ([(0, 0), (1, 1)], "steps must satisfy"),
    ([(1, 0), (-1, 2)], "steps must satisfy"),
    ([(1, 0), (1, 1), (1, 0)], "steps must not repeat"),
    ([(1.5, 0)], "steps must contain integers"),
    ([], "steps must be a non-empty list"),
    ([1, 1], "steps must be a non-empty list"),
])
def test_ddtw_rejects_bad_steps(steps, match):
    with pytest.raises(ValueError, match=match):
        ddtw(C, steps)


@pytest.mark.parametrize("minimum", ["softmin", "sparsemin"])
@pytest.mark.parametrize("gamma", [0.0, -1.0, np.nan, np.inf])
def test_gamma_must_be_positive_for_smooth_minima(minimum, gamma):
    with pytest.raises(ValueError, match="gamma must be"):
        ddtw(C, STEPS, gamma=gamma, minimum=minimum)
    with pytest.raises(ValueError, match="gamma must be"):
        sdtw_loss(costs(), gamma=gamma, minimum=minimum)
    with pytest.raises(ValueError, match="gamma must be"):
        ctc_loss(*ctc_args(), gamma=gamma)


@pytest.mark.parametrize("gamma", [0.0, -1.0])
def test_gamma_is_ignored_by_hardmin(gamma):
    assert ddtw(C, STEPS, gamma=gamma, minimum="hardmin").value == ddtw(C, STEPS, minimum="hardmin").value


def test_unknown_minimum_is_rejected():
    with pytest.raises(ValueError, match="minimum must be one of"):
        ddtw(C, STEPS, minimum="softmax")
    with pytest.raises(ValueError, match="minimum must be one of"):
        sdtw_loss(costs(), minimum="min")


# ----------------------------------------------------------------------------- names: config, backend, reduction

def test_unknown_config_is_rejected():
    with pytest.raises(ValueError, match="config must be one of"):
        sdtw_loss(costs(), config="CTC-A")
    with pytest.raises(ValueError, match="config must be one of"):
        ctc_loss(*ctc_args(), config="SDTW-E")
    with pytest.raises(ValueError, match="config must be one of"):
        multilabel_ctc_loss(torch.rand(1, 4, 3, dtype=torch.float64), torch.ones(1, 2, 2, dtype=torch.float64),
                            config="CTC-D")
    with pytest.raises(ValueError, match="config must be one of"):
        bce_sdtw_loss(torch.rand(1, 4, 2), torch.ones(1, 2, 2), config="SDTW-F")
    with pytest.raises(ValueError, match="config must be one of"):
        ctc_config([1, 2], 4, "ctc-a")
    with pytest.raises(ValueError, match="config must be one of"):
        sdtw_config(4, 3, "SDTW")


@pytest.mark.parametrize("backend, match", [("torch", "backend must be one of"), ("cuda", "needs an NVIDIA GPU")])
def test_unknown_or_unavailable_backend_is_rejected(backend, match, monkeypatch):
    from ddtw_edu.backends import cuda_gpu
    monkeypatch.setattr(cuda_gpu, "is_available", lambda: False)     # as on a machine without a GPU
    with pytest.raises(ValueError, match=match):
        ddtw(C, STEPS, backend=backend)
    with pytest.raises(ValueError, match=match):
        sdtw_loss(costs(), backend=backend)
    with pytest.raises(ValueError, match=match):
        ctc_loss(*ctc_args(), backend=backend)


def test_unknown_reduction_is_rejected():
    with pytest.raises(ValueError, match="reduction must be one of"):
        sdtw_loss(costs(), reduction="avg")
    with pytest.raises(ValueError, match="reduction must be one of"):
        ctc_loss(*ctc_args(), reduction="batchmean")


# ----------------------------------------------------------------------------- lengths and targets

@pytest.mark.parametrize("name, lengths, match", [
    ("input_lengths", [0, 4], r"input_lengths must lie in \[1, 4\]"),
    ("input_lengths", [5, 4], r"input_lengths must lie in \[1, 4\]"),
    ("target_lengths", [3, 0], r"target_lengths must lie in \[1, 3\]"),
    ("target_lengths", [3, 4], r"target_lengths must lie in \[1, 3\]"),
    ("input_lengths", [4, 4, 4], r"input_lengths must have shape \(2,\)"),
    ("input_lengths", [4.0, 3.0], "input_lengths must hold integers"),
])
def test_sdtw_loss_rejects_lengths_out_of_range(name, lengths, match):
    with pytest.raises(ValueError, match=match):
        sdtw_loss(costs(), **{name: torch.tensor(lengths)})


@pytest.mark.parametrize("lengths", [[0, 6], [7, 6]])
def test_ctc_loss_rejects_input_lengths_out_of_range(lengths):
    log_probs, targets, _, target_lengths = ctc_args()
    with pytest.raises(ValueError, match=r"input_lengths must lie in \[1, 6\]"):
        ctc_loss(log_probs, targets, torch.tensor(lengths), target_lengths)


@pytest.mark.parametrize("targets, match", [
    (torch.tensor([[1, 0], [3, 3]]), "targets must not contain the blank index 0"),
    (torch.tensor([[1, 4], [3, 3]]), r"targets must be class indices in \[0, 4\)"),
    (torch.tensor([[1, -1], [3, 3]]), r"targets must be class indices in \[0, 4\)"),
    (torch.tensor([[1.0, 2.0], [3.0, 3.0]]), "targets must hold integer class indices"),
    (torch.tensor([1, 2, 3, 0]), "targets must not contain the blank index 0"),
])
def test_ctc_loss_rejects_bad_targets(targets, match):
    log_probs, _, input_lengths, target_lengths = ctc_args()
    with pytest.raises(ValueError, match=match):
        ctc_loss(log_probs, targets, input_lengths, target_lengths)


@pytest.mark.parametrize("blank", [4, -1, True, 0.0, None])
def test_ctc_loss_rejects_a_blank_that_is_no_class_index(blank):
    with pytest.raises(ValueError, match="blank must be a class index"):
        ctc_loss(*ctc_args(), blank=blank)


@pytest.mark.parametrize("targets, target_lengths", [
    (torch.tensor([[1, 2], [3, 3]]), torch.tensor([2, 3])),          # padded: longer than S
    (torch.tensor([[1, 2], [3, 3]]), torch.tensor([2, 2, 1])),       # one length per item
    (torch.tensor([[1, 2], [3, 3]]), torch.tensor([2, -1])),
    (torch.tensor([1, 2, 3, 3]), torch.tensor([2, 1])),              # concatenated: sum must match
    (torch.tensor([[1, 2], [3, 3]]), torch.tensor([2.0, 2.0])),
])
def test_ctc_loss_rejects_target_lengths_not_matching_the_targets(targets, target_lengths):
    log_probs, _, input_lengths, _ = ctc_args()
    with pytest.raises(ValueError, match="target_lengths"):
        ctc_loss(log_probs, targets, input_lengths, target_lengths)


def test_multilabel_ctc_loss_rejects_lengths_out_of_range():
    X, Y = torch.rand(2, 5, 4, dtype=torch.float64), torch.ones(2, 2, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match="input_lengths must lie in"):
        multilabel_ctc_loss(X, Y, input_lengths=torch.tensor([6, 5]))
    with pytest.raises(ValueError, match="target_lengths must lie in"):
        multilabel_ctc_loss(X, Y, target_lengths=torch.tensor([0, 2]))


# ----------------------------------------------------------------------------- found on a new user's first run

def test_batch_first_log_probs_are_named_as_such():
    """(B, T, K) instead of (T, B, K) used to fail with a message about target_lengths."""
    log_probs, *rest = ctc_args(T=6, B=2)
    with pytest.raises(ValueError, match=r"layout \(T, B, K\).*batch-first"):
        ctc_loss(log_probs.transpose(0, 1), *rest)


@pytest.mark.parametrize("gamma", ["1.0", b"1", True, None, [1.0]])
def test_gamma_must_be_a_number(gamma):
    with pytest.raises(ValueError, match="gamma must be a positive number"):
        ddtw(C, STEPS, gamma=gamma)
    with pytest.raises(ValueError, match="gamma must be a positive number"):
        sdtw_loss(costs(), gamma=gamma)
    with pytest.raises(ValueError, match="gamma must be a positive number"):
        ctc_loss(*ctc_args(), gamma=gamma)


def test_numbers_of_any_kind_are_accepted_as_gamma():
    values = [ddtw(C, STEPS, gamma=gamma).value for gamma in (1, 1.0, np.float32(1.0), np.int64(1), torch.tensor(1.0))]
    assert len(set(values)) == 1


@pytest.mark.parametrize("X, Y, match", [
    (torch.rand(5, 4), torch.ones(1, 2, 3), r"X must have shape \(B, N, channels\)"),
    (np.zeros((1, 5, 4)), torch.ones(1, 2, 3), "X must be a torch tensor"),
    (torch.rand(1, 5, 4), torch.ones(2, 3), r"Y must have shape \(B, M, channels\)"),
    (torch.rand(1, 5, 3), torch.ones(1, 2, 3), r"X must have shape \(B, N, 1 \+ K\) with the blank in channel 0"),
    (torch.rand(2, 5, 4), torch.ones(1, 2, 3), r"X must have shape \(B, N, 1 \+ K\)"),
    (torch.rand(1, 5, 4, dtype=torch.float16), torch.ones(1, 2, 3), "X must be float32 or float64"),
    (torch.rand(1, 5, 4), torch.ones(1, 2, 3, dtype=torch.int64), "Y must be a float tensor"),
])
def test_multilabel_ctc_loss_checks_X_and_Y_before_using_their_shapes(X, Y, match):
    with pytest.raises(ValueError, match=match):
        multilabel_ctc_loss(X, Y)


def test_bce_sdtw_loss_checks_that_X_and_Y_have_the_same_classes():
    with pytest.raises(ValueError, match=r"X must have shape \(B, N, K\)"):
        bce_sdtw_loss(torch.rand(1, 5, 4), torch.ones(1, 2, 3))


def test_loss_options_are_keyword_only():
    """Data are positional (torch's order); options such as gamma and config are keywords."""
    with pytest.raises(ValueError, match="input_lengths must hold integers.*keyword-only"):
        sdtw_loss(costs(), 0.5)
    X, Y = torch.rand(1, 5, 4, dtype=torch.float64), torch.ones(1, 2, 3, dtype=torch.float64)
    with pytest.raises(TypeError):
        multilabel_ctc_loss(X, Y, None, None, "CTC-A")
    with pytest.raises(TypeError):
        ctc_loss(*ctc_args(), 0, "mean", False, "CTC-A")


def test_batch_problem_from_configs_rejects_mixed_steps_and_wrong_weights():
    with pytest.raises(ValueError, match="need the same steps"):
        BatchProblem.from_configs([sdtw_config(4, 3, "SDTW-E"), sdtw_config(4, 3, "SDTW-D")], [4, 4], [3, 3], 4, 3)
    wrong = ctc_config([1, 2], 4)._replace(weights=np.ones((4, 3)))        # 4 columns for 2M + 1 = 5
    with pytest.raises(ValueError, match="weights of item 0 must have shape"):
        BatchProblem.from_configs([wrong], [4], [5], 4, 5)
