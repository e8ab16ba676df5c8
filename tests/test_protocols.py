"""Protocol "authors": each departure of the authors' experiment code from the paper, as an option.

The authors' CTC weights are rebuilt here from their rule as documented in ddtw_edu.configs
(every step into a blank gets the blank weight, every step into a target the global weights, then
the skips are blocked and the (1, 1) step into a blank between equal labels gets 1.0), and the
losses are checked against brute-force enumeration of all paths with those weights.
"""
import numpy as np
import pytest
import torch

import ddtw_edu
from ddtw_edu import ctc_config, ddtw
from ddtw_edu.bruteforce import ddtw_bruteforce
from ddtw_edu.configs import CTC_CONFIGS, ctc_weights, extended_labels, horizontal_weight, label_repeats
from ddtw_edu.costs import nll_cost
from ddtw_edu.data.batching import SequenceDataset
from ddtw_edu.data.mtd import read_mtd_splits, write_mtd_split_file
from ddtw_edu.data.targets import compute_targets
from ddtw_edu.experiments import configs_changed
from ddtw_edu.protocols import PROTOCOLS, get_protocol
from ddtw_edu.training import TRAINING_CONFIGS, Objective, uses_blank

LOG6 = np.log(6.0)


def authors_rule(labels, config):
    """The authors' CTC weights, (2M + 1, 3), written from their rule, independently of ctc_weights."""
    blank = {"A": 1.0, "B": 2.0, "C": np.inf}[config[4]]
    M = len(labels)
    W = np.empty((2 * M + 1, 3))
    W[0::2] = blank                                           # into a blank: the blank weight
    W[1::2] = [horizontal_weight(config), 1.0, 1.0]           # into a target: the global weights
    W[0::2, 2] = np.inf                                       # no skip into a blank
    W[1, 2] = np.inf                                          # nothing to skip before the first label
    for m in range(1, M):
        if labels[m] == labels[m - 1]:
            W[2 * m + 1, 2] = np.inf                          # no skip between equal labels
            W[2 * m, 1] = 1.0                                 # (1, 1) into the blank between them
    return W


def uniform_ctc(labels, T, config, protocol):
    log_probs = torch.full((T, 1, 6), -LOG6, dtype=torch.float64)
    return ddtw_edu.ctc_loss(log_probs, torch.tensor([labels]), [T], [len(labels)], config=config,
                             reduction="none", protocol=protocol).item()


@pytest.mark.parametrize("config, labels, T, table1, authors", [
    ("CTC-B", [1, 1], 3, 4 * LOG6, 3 * LOG6),
    ("CTC-C", [1], 2, 2 * LOG6, 2 * LOG6 - np.log(2))])
def test_the_smallest_witnesses(config, labels, T, table1, authors):
    assert uniform_ctc(labels, T, config, "table1") == pytest.approx(table1, rel=1e-12)
    assert uniform_ctc(labels, T, config, "authors") == pytest.approx(authors, rel=1e-12)


@pytest.mark.parametrize("config", CTC_CONFIGS)
def test_authors_weights_follow_their_rule_and_match_brute_force(config):
    rng = np.random.default_rng(CTC_CONFIGS.index(config))
    for labels in ([1, 1, 2], [2, 3, 3, 3], [1], [1, 2, 1]):
        W = ctc_weights(label_repeats(np.array(labels)), config, protocol="authors")
        np.testing.assert_array_equal(W, authors_rule(labels, config))
        N = 2 * len(labels) + 2
        C = rng.uniform(0.1, 2.0, (N, 2 * len(labels) + 1))
        blocks = ctc_config(labels, N, config, protocol="authors")
        result = ddtw(C, **blocks._asdict())
        value, H, E, n_paths = ddtw_bruteforce(C, **blocks._asdict())
        assert n_paths > 0
        assert result.value == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(result.H, H, atol=1e-12)


@pytest.mark.parametrize("config", CTC_CONFIGS)
def test_the_protocols_differ_only_where_documented(config):
    labels = np.array([1, 1, 2, 2, 3])                        # repeats and changes
    table1 = ctc_weights(label_repeats(labels), config)
    authors = ctc_weights(label_repeats(labels), config, protocol="authors")
    differ = {(m, s) for m, s in zip(*np.nonzero(table1 != authors))}
    between = {2, 6}                                          # blanks between the equal pairs
    if config.startswith("CTC-A"):
        assert not differ
    elif config.startswith("CTC-B"):
        assert differ == {(m, 1) for m in between}
    else:                                                     # (1, 1) into targets not after such a blank
        assert differ == {(1, 1), (5, 1), (9, 1)}


def test_ctc_loss_of_the_authors_protocol_equals_ddtw_on_the_gathered_costs():
    rng = np.random.default_rng(1)
    T, K = 9, 5
    logits = torch.from_numpy(rng.normal(size=(T, 1, K)))
    log_probs = logits.log_softmax(-1)
    labels = [2, 2, 3]
    Ye = extended_labels(labels)
    C = -log_probs[:, 0, Ye].numpy()
    for config in CTC_CONFIGS:
        ours = ddtw_edu.ctc_loss(log_probs, torch.tensor([labels]), [T], [3], config=config, reduction="none",
                                 protocol="authors").item()
        assert ours == pytest.approx(ddtw_bruteforce(C, **ctc_config(labels, T, config, protocol="authors")._asdict())[0],
                                     rel=1e-12)


def test_rests_cost_nothing_only_under_the_authors_protocol():
    X = torch.softmax(torch.randn(4, 12, dtype=torch.float64), -1)
    Y = torch.zeros(3, 12, dtype=torch.float64)
    Y[0, 2] = Y[2, 7] = 1.0                                   # Y[1] is a rest
    constant, zero = nll_cost(X, Y), nll_cost(X, Y, rest_cost="zero")
    torch.testing.assert_close(zero[:, [0, 2]], constant[:, [0, 2]])
    assert (zero[:, 1] == 0).all() and (constant[:, 1] > 10).all()
    with pytest.raises(ValueError, match="rest_cost"):
        nll_cost(X, Y, rest_cost="free")


def test_authors_targets_drop_the_last_note_but_the_ctc_labels_keep_it():
    notes = np.array([[0.0, 0.5, 60], [0.5, 1.0, 62], [1.0, 1.5, 64]])
    sr, hop, N = 100, 10, 15
    ours, theirs = compute_targets(notes, N, sr, hop), compute_targets(notes, N, sr, hop, drop_last_note=True)
    np.testing.assert_array_equal(ours["ctc"], theirs["ctc"])
    assert len(ours["weak"]) == 3 and ours["strong"][-1, 4] == 1    # E (pitch class 4) sounds at the end
    assert theirs["strong"][-1].sum() == 0 and not theirs["strong"][:, 4].any()   # a rest instead
    np.testing.assert_array_equal(theirs["strong"][:10], ours["strong"][:10])


def test_authors_split_files_lose_their_first_theme(tmp_path):
    write_mtd_split_file(tmp_path / "MTD_split5-1.csv", ["MTD0001", "MTD0002", "MTD0003"])
    write_mtd_split_file(tmp_path / "MTD_split5-2.csv", ["MTD0004", "MTD0005"])
    assert read_mtd_splits(folder=tmp_path) == {1: ["MTD0001", "MTD0002", "MTD0003"], 2: ["MTD0004", "MTD0005"]}
    assert read_mtd_splits(folder=tmp_path, header=True) == {1: ["MTD0002", "MTD0003"], 2: ["MTD0005"]}


def test_objective_uses_the_protocol():
    X = torch.softmax(torch.randn(1, 8, 13, dtype=torch.float64), -1)
    batch = {"input_lengths": torch.tensor([8]), "target_lengths": {"ctc": torch.tensor([2])},
             "ctc": torch.tensor([[3, 3]])}
    losses = {p: Objective("CTC-B", False, protocol=p)(X, batch).item() for p in PROTOCOLS}
    assert losses["authors"] < losses["table1"]               # the cheaper (1, 1) into the blank between
    with pytest.raises(ValueError, match="protocol must be one of"):
        get_protocol("paper")


def swd_like_batch(seed=0):
    """Multi-label note targets with a repeated chord and a rest, and random probabilities X (B, N, 13)."""
    # (start s, end s, MIDI pitch): chords C-E, D-F#, D-F# again, a rest from 2.0 to 2.5 s, then G-B
    chords = [(0.0, 0.75, 60), (0.75, 1.25, 62), (1.25, 2.0, 62), (2.5, 3.0, 67)]
    notes = np.array([(s, e, p + third) for s, e, p in chords for third in (0, 4)], dtype=float)
    N = 12                                            # frames at 4 per second
    items = [{"features": np.zeros((N, 1)), **compute_targets(notes, N, 4, 1, polyphonic=True)}]
    dataset = SequenceDataset(items, float_dtype=torch.float64)
    batch = dataset.collate([dataset[0]])
    X = torch.sigmoid(torch.from_numpy(np.random.default_rng(seed).standard_normal((1, N, 13))))
    return X, batch


def test_configs_changed_on_swd_are_those_whose_loss_the_protocol_changes():
    """Each SWD objective, computed under both protocols on a batch with a repeated chord and a rest."""
    X, batch = swd_like_batch()
    changed = configs_changed("swd", "authors")
    for config in TRAINING_CONFIGS:
        x = X if uses_blank(config) else X[..., 1:]
        table1, authors = (Objective(config, True, protocol=p)(x, batch).item() for p in ("table1", "authors"))
        assert np.isfinite(table1) and np.isfinite(authors)
        assert (table1 != authors) == (config in changed), (config, table1, authors)
    assert changed == ("CTC-C", "CTC-C-W")     # the repeated chord is one weak label: CTC-B is spared


def test_configs_changed_on_mtd_are_all_under_the_authors_protocol_and_none_under_table1():
    # the authors' split files lose a theme and their accuracy scores rests: no configuration is spared
    assert configs_changed("mtd", "authors") == TRAINING_CONFIGS
    assert configs_changed("mtd", "table1") == configs_changed("swd", "table1") == ()
    with pytest.raises(ValueError, match="task must be one of"):
        configs_changed("timit", "authors")
