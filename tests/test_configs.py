"""Table I as dDTW building blocks, checked against label paths enumerated by brute force.

A CTC label path pi assigns one class to each of the N frames; pi is valid when
collapsing it (merge repeats, drop blanks) gives the labels (Sec. II-B). The
dDTW value with gamma = 1 on C = -log p must equal -log of the summed path
probabilities (Eq. 3, 8-10), with Table I's step weights applied per frame.
"""
import itertools
from math import comb

import numpy as np
import pytest
from scipy.special import logsumexp

from ddtw_edu import CONFIGS, CTC_CONFIGS, SDTW_CONFIGS, ctc_config, ddtw, extended_labels, sdtw_config
from ddtw_edu.bruteforce import enumerate_paths
from ddtw_edu.configs import ctc_weights, label_repeats, table_one_rows

BLANK = 0
K = 4                                               # blank + 3 labels, so repeats are frequent


def collapse(pi):
    """Graves' projection kappa: merge repeated classes, then remove blanks."""
    merged = [c for n, c in enumerate(pi) if n == 0 or c != pi[n - 1]]
    return tuple(c for c in merged if c != BLANK)


def ctc_label_paths(labels, N):
    """All pi in {0..K-1}^N with collapse(pi) == labels."""
    return [pi for pi in itertools.product(range(K), repeat=N) if collapse(pi) == tuple(labels)]


def is_ctc_c_path(pi):
    """CTC-C: a blank only as a single frame between two equal labels."""
    return all(0 < n < len(pi) - 1 and pi[n - 1] == pi[n + 1] != BLANK for n, c in enumerate(pi) if c == BLANK)


def frame_weights(pi, config):
    """Table I per frame: the start frame costs C alone (Eq. 14); a blank frame is entered by
    (1, 0) or (1, 1) into a blank (weight 2 for CTC-B); staying on a label is the (1, 0) step
    into a target (0.1 for -W); every other frame enters a target with weight 1."""
    blank_weight = 2.0 if config.startswith("CTC-B") else 1.0
    stay_weight = 0.1 if config.endswith("-W") else 1.0
    weights = [1.0]
    for n in range(1, len(pi)):
        if pi[n] == BLANK:
            weights.append(blank_weight)
        elif pi[n] == pi[n - 1]:
            weights.append(stay_weight)
        else:
            weights.append(1.0)
    return np.array(weights)


def label_path_of(path, Ye):
    """The label path of a dDTW alignment path on (frames x Y^e)."""
    return tuple(int(Ye[m]) for n, m, _ in path)


def random_case(rng, M_max=3, N_max=6):
    M = rng.integers(0, M_max + 1)
    labels = rng.integers(1, K, M)
    if M >= 2 and rng.random() < 0.5:
        labels[1] = labels[0]                                       # make sure repeats occur
    N = rng.integers(max(1, M), N_max + 1)
    p = rng.dirichlet(np.ones(K), size=N)
    return labels, N, p


@pytest.mark.parametrize("config", CTC_CONFIGS)
def test_ctc_config_value_equals_sum_over_enumerated_label_paths(config):
    rng = np.random.default_rng(CTC_CONFIGS.index(config))
    n_finite = 0
    for _ in range(25):
        labels, N, p = random_case(rng)
        if config.startswith("CTC-C") and len(labels) == 0:
            continue                      # CTC-C blocks every blank step: no all-blank path
        Ye = extended_labels(labels)
        C = -np.log(p[:, Ye])                                        # Eq. (9)
        paths = ctc_label_paths(labels, N)
        if config.startswith("CTC-C"):
            paths = [pi for pi in paths if is_ctc_c_path(pi)]
        result = ddtw(C, **ctc_config(labels, N, config)._asdict(), gamma=1.0)
        if not paths:
            assert result.value == np.inf
            continue
        n_finite += 1
        path_costs = [frame_weights(pi, config) @ -np.log(p[np.arange(N), pi]) for pi in paths]
        np.testing.assert_allclose(result.value, -logsumexp(-np.array(path_costs)), rtol=1e-12)
    assert n_finite >= 10


@pytest.mark.parametrize("config", CTC_CONFIGS)
def test_ctc_config_alignment_paths_are_exactly_the_label_paths(config):
    rng = np.random.default_rng(100 + CTC_CONFIGS.index(config))
    for _ in range(25):
        labels, N, _ = random_case(rng)
        if config.startswith("CTC-C") and len(labels) == 0:
            continue
        cfg = ctc_config(labels, N, config)
        Ye = extended_labels(labels)
        W = np.broadcast_to(cfg.weights, (N,) + cfg.weights.shape)
        paths = enumerate_paths(N, len(Ye), cfg.steps, W, cfg.start, cfg.end)
        assert all(len(path) == N for path in paths)                # one cell per frame
        found = [label_path_of(path, Ye) for path in paths]
        expected = ctc_label_paths(labels, N)
        if config.startswith("CTC-C"):
            expected = [pi for pi in expected if is_ctc_c_path(pi)]
        assert len(set(found)) == len(found)                         # no label path counted twice
        assert set(found) == set(expected)


def test_ctc_c_visits_a_blank_only_between_equal_labels():
    labels = np.array([2, 2, 1, 3, 3])
    N = 9
    cfg = ctc_config(labels, N, "CTC-C")
    W = np.broadcast_to(cfg.weights, (N,) + cfg.weights.shape)
    paths = enumerate_paths(N, 11, cfg.steps, W, cfg.start, cfg.end)
    assert paths
    for path in paths:
        blank_columns = [m for _, m, _ in path if m % 2 == 0]
        assert blank_columns == [2, 8]                              # one frame between 2,2 and between 3,3


@pytest.mark.parametrize("config", CTC_CONFIGS)
def test_ctc_weights_follow_table_1(config):
    labels = np.array([1, 1, 2, 3])                                  # one repeat, two changes
    W = ctc_config(labels, 7, config).weights
    blank, target = W[0::2], W[1::2]
    blank_weight = {"A": 1.0, "B": 2.0, "C": np.inf}[config[4]]
    horizontal = 0.1 if config.endswith("-W") else 1.0
    assert (target[:, 0] == horizontal).all()                        # (1, 0) within a target
    np.testing.assert_array_equal(blank[:, 2], np.inf)               # never skip into a blank
    np.testing.assert_array_equal(target[:, 2], [np.inf, np.inf, 1.0, 1.0])   # skip only between different labels
    np.testing.assert_array_equal(blank[:, 0], blank_weight)         # (1, 0) within a blank
    if config.startswith("CTC-C"):                                   # only the transit 1 -> blank -> 1
        np.testing.assert_array_equal(W[:, 1], [np.inf, np.inf, 1.0, 1.0, np.inf, np.inf, np.inf, np.inf, np.inf])
    else:
        np.testing.assert_array_equal(blank[:, 1], blank_weight)
        np.testing.assert_array_equal(target[:, 1], 1.0)


def test_ctc_c_blank_transit_weights():
    W = ctc_weights(label_repeats([1, 1, 2, 2]), "CTC-C")
    enter = W[:, 1]                                                   # (1, 1) into each column of Y^e
    np.testing.assert_array_equal(np.flatnonzero(np.isfinite(enter)), [2, 3, 6, 7])
    np.testing.assert_array_equal(enter[[2, 3, 6, 7]], 1.0)


def test_ctc_boundaries_are_the_first_and_last_two_columns():
    cfg = ctc_config([3, 1], 5)
    assert {tuple(c) for c in cfg.start.tolist()} == {(0, 0), (0, 1)}
    assert {tuple(c) for c in cfg.end.tolist()} == {(4, 4), (4, 3)}
    assert [tuple(s) for s in cfg.steps.tolist()] == [(1, 0), (1, 1), (1, 2)]


def test_multi_hot_repeats_compare_whole_vectors():
    Y = np.array([[1, 0, 1], [1, 0, 1], [1, 1, 1], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(label_repeats(Y), [True, False, False, True])
    assert label_repeats(Y[:1]).shape == (0,)                        # a single label has no neighbours
    assert label_repeats(np.array([5])).shape == (0,)


def test_ctc_config_rejects_the_blank_as_a_label():
    with pytest.raises(ValueError, match="labels"):
        ctc_config([1, 0, 2], 5)


def delannoy(a, b):
    """Number of lattice paths from (0, 0) to (a, b) with steps (1, 0), (0, 1), (1, 1)."""
    return sum(2 ** k * comb(a, k) * comb(b, k) for k in range(min(a, b) + 1))


@pytest.mark.parametrize("config", SDTW_CONFIGS)
def test_sdtw_configs_steps_weights_and_path_counts(config):
    N, M = 5, 4
    cfg = sdtw_config(N, M, config)
    steps = [tuple(s) for s in cfg.steps.tolist()]
    horizontal = 0.1 if config.endswith("-W") else 1.0
    weights = dict(zip(steps, cfg.weights.tolist()))
    if config.startswith("SDTW-D"):
        assert set(steps) == {(1, 0), (1, 1)}
    else:
        assert set(steps) == {(1, 0), (1, 1), (0, 1)}
        assert weights[(0, 1)] == 1.0
    assert weights[(1, 0)] == horizontal and weights[(1, 1)] == 1.0
    assert cfg.start.tolist() == [[0, 0]] and cfg.end.tolist() == [[N - 1, M - 1]]
    W = np.broadcast_to(cfg.weights, (N, M, len(steps)))
    n_paths = len(enumerate_paths(N, M, cfg.steps, W, cfg.start, cfg.end))
    # SDTW-E: Delannoy number (Sec. III-B); SDTW-D: choose which N - 1 frame steps are diagonal
    assert n_paths == (delannoy(N - 1, M - 1) if config.startswith("SDTW-E") else comb(N - 1, M - 1))


def test_unknown_config_names_are_rejected():
    with pytest.raises(ValueError, match="config"):
        ctc_config([1, 2], 4, "SDTW-E")
    with pytest.raises(ValueError, match="config"):
        sdtw_config(4, 3, "CTC-A")


# Table I exactly as the paper prints it (columns: (1,0) tgt, eps; (1,1) tgt, eps; (1,2) tgt, eps; (0,1)),
# transcribed row by row, independently of table_one_rows.
PRINTED_TABLE_I = """
CTC-A    1.0 1.0 1.0 1.0 1.0 inf -
CTC-B    1.0 2.0 1.0 2.0 1.0 inf -
CTC-C    1.0 inf inf inf 1.0 inf -
SDTW-D   1.0 -   1.0 -   -   -   -
SDTW-E   1.0 -   1.0 -   -   -   1.0
CTC-A-W  0.1 1.0 1.0 1.0 1.0 inf -
CTC-B-W  0.1 2.0 1.0 2.0 1.0 inf -
CTC-C-W  0.1 inf inf inf 1.0 inf -
SDTW-D-W 0.1 -   1.0 -   -   -   -
SDTW-E-W 0.1 -   1.0 -   -   -   1.0
"""
TABLE_I_COLUMN = {"(1,0) into a target": 0, "(1,0) into a blank": 1, "(1,1) into a target": 2,
                  "(1,1) into a blank": 3, "(1,1) into a blank between equal labels": 3,
                  "(1,1) into the target after it": 2,
                  "(1,2) between different labels": 4, "(1,2) into a blank": 5,
                  "(1,0)": 0, "(1,1)": 2, "(0,1)": 6}


def printed_table_i():
    rows = {}
    for line in PRINTED_TABLE_I.strip().splitlines():
        name, *values = line.split()
        rows[name] = [None if v == "-" else float(v) for v in values]
    return rows


def blocked_as_inf(value):
    """The authors' code blocks with the finite weight 1e20; read it as inf to compare meanings."""
    return np.inf if isinstance(value, float) and value >= 1e20 else value


@pytest.mark.parametrize("config", CTC_CONFIGS + SDTW_CONFIGS)
def test_table_one_rows_quote_the_printed_table_and_the_library_follows_it(config):
    printed = printed_table_i()[config]
    rows = table_one_rows(config)
    assert [row["entry"] for row in rows][-2:] == ["start cells", "end cells"]
    for row in rows:
        assert row["library"] == row["paper"], f"{config}, {row['entry']}: library departs from the paper"
        if row["source"] == "Table I":
            assert row["paper"] == printed[TABLE_I_COLUMN[row["entry"]]], f"{config}, {row['entry']}"
        else:                                     # rules that only the text states
            assert row["source"] in ("Sec. IV-B", "Sec. V-A", "Sec. VII-A")


def test_table_one_rows_read_the_library_configs():
    """The library column is read from ctc_config / sdtw_config, not copied from the paper column."""
    W = ctc_config([1, 1, 2], 4, "CTC-C").weights
    rows = {row["entry"]: row for row in table_one_rows("CTC-C")}
    assert rows["(1,1) into a target"]["library"] == W[5, 1] == np.inf
    assert rows["(1,1) into a blank between equal labels"]["library"] == W[2, 1] == 1.0
    assert {row["entry"]: row["library"] for row in table_one_rows("SDTW-D")}["(0,1)"] is None
    assert table_one_rows("CTC-A")[-1]["library"] == "{(N, M^e - 1), (N, M^e)}"


def test_authors_code_departs_from_table_one_exactly_in_two_entries():
    """groupmm/dDTW_CTC (CTC_targets_to_dDTW) and ddtw 0.1.2 (class CTC): the blank between two equal
    labels keeps the (1, 1) weight 1.0 under CTC-B, and CTC-C keeps the (1, 1) step into a target."""
    departures = {(config, row["entry"]) for config in CONFIGS for row in table_one_rows(config)
                  if blocked_as_inf(row["authors"]) != row["paper"]}
    assert departures == {("CTC-B", "(1,1) into a blank between equal labels"),
                          ("CTC-B-W", "(1,1) into a blank between equal labels"),
                          ("CTC-C", "(1,1) into a target"), ("CTC-C-W", "(1,1) into a target")}


def authors_ctc_weights(labels, config):
    """The authors' weights for one label sequence, built by their rules (see table_one_rows)."""
    blank = {"A": 1.0, "B": 2.0, "C": 1e20}[config[4]]
    repeats = np.flatnonzero(label_repeats(np.asarray(labels)))
    W = np.empty((2 * len(labels) + 1, 3))
    W[1::2] = [0.1 if config.endswith("-W") else 1.0, 1.0, 1.0]
    W[0::2] = blank
    W[0::2, 2] = 1e20                              # never skip a blank
    W[2 * repeats + 3, 2] = 1e20                   # nor jump between equal labels
    W[2 * repeats + 2, 1] = 1.0                    # the blank between them: the global (1, 1) weight
    return W


@pytest.mark.parametrize("config", CTC_CONFIGS)
def test_authors_column_matches_the_authors_rules_on_the_probe_labels(config):
    W = authors_ctc_weights([1, 1, 2], config)
    cells = {"(1,0) into a target": (1, 0), "(1,0) into a blank": (4, 0), "(1,1) into a target": (5, 1),
             "(1,1) into a blank": (4, 1), "(1,1) into a blank between equal labels": (2, 1),
             "(1,1) into the target after it": (3, 1),
             "(1,2) between different labels": (5, 2),
             "(1,2) between equal labels": (3, 2), "(1,2) into a blank": (4, 2)}
    for row in table_one_rows(config)[:-2]:
        assert row["authors"] == W[cells[row["entry"]]], f"{config}, {row['entry']}"


def test_smallest_witnesses_of_the_departures():
    """Uniform probabilities 1/6 (C = log 6 everywhere): CTC-B, labels [1, 1], N = 3 has the one path
    1, blank, 1: Table I 4 log 6, the authors 3 log 6. CTC-C, labels [1], N = 2: Table I keeps only
    (1, 1) -> (2, 2) by (1, 0), 2 log 6; the authors add the path from the first blank: 2 log 6 - log 2."""
    L = np.log(6.0)
    for labels, N, config, table_i, authors in [([1, 1], 3, "CTC-B", 4 * L, 3 * L),
                                                ([1], 2, "CTC-C", 2 * L, 2 * L - np.log(2))]:
        cfg = ctc_config(labels, N, config)
        C = np.full((N, 2 * len(labels) + 1), L)
        ours = ddtw(C, **cfg._asdict()).value
        theirs = ddtw(C, **cfg._replace(weights=authors_ctc_weights(labels, config))._asdict()).value
        np.testing.assert_allclose([ours, theirs], [table_i, authors], rtol=1e-12)


@pytest.mark.parametrize("blank", [True, 1.0, -1, None])
def test_ctc_config_takes_the_blank_as_an_index_only(blank):
    with pytest.raises(ValueError, match="blank must be a class index"):
        ctc_config([1, 2], 4, blank=blank)
