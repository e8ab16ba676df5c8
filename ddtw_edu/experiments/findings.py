"""The paper's findings checked on a rerun, as sentences for chapters 7 and 8.

Each function looks at the summary tables of :mod:`.report` (and, where a
finding is about alignments or the blank, at the stored test examples) and
says whether one of the paper's findings holds, with the numbers and rankings
that decide it. The book's prose about a rerun comes from here, so that it
cannot disagree with the tables beside it; rankings are compared at three
decimals, as the tables show them.

Book: chapter 7, "What reproduces, and what does not"; chapter 8, "What reproduces,
and what does not".
"""
from collections import Counter, namedtuple

import numpy as np

from ..protocols import get_protocol
from ..tables import markdown_table
from ..training import uses_blank
from .alignments import compute_soft_alignment, reference_alignment
from .evaluate import decode
from .paper_results import TABLE_III, TABLE_IV
from ..data.generate import GENERATOR_VERSION
from .report import paper_mtd, single_run, summarize_mtd, summarize_swd, training_seconds
from .run import generator_version, load_results, published_results


Finding = namedtuple("Finding", ["name", "holds", "text"])
Finding.__doc__ = "One of the paper's findings checked on a rerun: a short name, whether it holds, a sentence."

_ORDINALS = ("", "", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
             "eleventh", "twelfth")


def _ordinal(k):
    return _ORDINALS[k] if k < len(_ORDINALS) else f"{k}th"


def _count(n, word):
    """ "1 epoch", "15 epochs" """
    return f"{n} {word}" + ("" if n == 1 else "s")


def _f(value):
    return f"{value:.3f}"


def _names(items):
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _rounded(values):
    return {config: round(float(value), 3) for config, value in values.items()}


def best_configs(values, lowest=False):
    """The configurations with the highest (or lowest) value, compared at three decimals, as shown."""
    rounded = _rounded(values)
    target = (min if lowest else max)(rounded.values())
    return [config for config, value in rounded.items() if value == target]


def rank_phrase(values, config, lowest=False, what="configurations"):
    """Where ``values[config]`` ranks, compared at three decimals: "the second highest of the 12 configurations".

    Parameters
    ----------
    values : dict
        {config: value}.
    config : str
    lowest : bool
        Rank from the lowest value (error rates) instead of the highest.
    what : str
        What the values belong to, for the phrase.

    Returns
    -------
    str
        "the highest of ...", "tied for the lowest of ...", "the third lowest of ...";
        a value at the other end is named from that end ("the lowest", not
        "the twelfth highest").
    """
    rounded = _rounded(values)
    mine = rounded[config]
    ahead = sum((value < mine) if lowest else (value > mine) for value in rounded.values())
    behind = sum((value > mine) if lowest else (value < mine) for value in rounded.values())
    tied = sum(value == mine for value in rounded.values()) > 1
    word, other = ("lowest", "highest") if lowest else ("highest", "lowest")
    if ahead == 0:
        place = f"the {word}"
    elif behind == 0:                                  # at the other end: "the lowest", not "the tenth highest"
        place = f"the {other}"
    else:
        place = f"the {_ordinal(ahead + 1)} {word}"
    return f"{'tied for ' if tied else ''}{place} of the {len(values)} {what}"


def _column(table, column):
    return {config: row[column] for config, row in table.items()}


def _present(table, *configs):
    return [config for config in configs if config in table]


def runs_phrase(table):
    """How many runs per configuration a summary holds: "one run", "5 runs" or "2-5 runs"."""
    low, high = min(row.get("runs", 1) for row in table.values()), max(row.get("runs", 1) for row in table.values())
    return "one run" if high == 1 else (f"{high} runs" if low == high else f"{low}-{high} runs")


def blank_usage(examples, multilabel):
    """How much the CTC networks of a rerun use the blank, on its stored test examples.

    Parameters
    ----------
    examples : dict
        {config: list of examples} from :func:`.run.load_examples`.
    multilabel : bool

    Returns
    -------
    dict
        {config: {"probability": mean blank probability X[:, 0],
        "share": mean share of the soft alignment E on the blank rows of Y^e,
        "empty": how many examples decode greedily to an empty sequence,
        "examples": how many examples}} for the CTC configurations.
    """
    usage = {}
    for config, items in examples.items():
        if uses_blank(config):
            shares = []
            for example in items:
                E = compute_soft_alignment(config, example["X"], example, multilabel)
                shares.append(E[:, 0::2].sum() / E.sum())          # blanks: even 0-based rows of Y^e
            usage[config] = {"probability": float(np.mean([example["X"][:, 0].mean() for example in items])),
                             "share": float(np.mean(shares)),
                             "empty": sum(len(decode(example["X"], with_blank=True)[0]) == 0 for example in items),
                             "examples": len(items)}
    return usage


def alignment_agreement(examples, multilabel):
    """For the SDTW configurations: the share of frames where E's most likely target is the annotation's.

    The reference is the alignment of the strong annotation (Fig. 10(f)),
    averaged over the stored test examples.

    Returns
    -------
    dict
        {config: share in [0, 1]}.
    """
    agreement = {}
    for config, items in examples.items():
        if config.startswith("SDTW"):
            agreement[config] = float(np.mean([
                np.mean(compute_soft_alignment(config, example["X"], example, multilabel).argmax(axis=1)
                        == reference_alignment(example["strong"]).argmax(axis=1)) for example in items]))
    return agreement


def describe_published(task):
    """A paragraph on the rerun of ``task`` that the package ships: what was trained, on which data, how long.

    Book: chapter 7 and chapter 8, "Our rerun". Results made with an older version of the data
    generator (:func:`.run.generator_version`) are said to be so, since the chapters describe the
    recordings of the current one.
    """
    folder = published_results(task)
    if folder is None:
        return "The package ships no published rerun."
    settings, rows = load_results(folder)
    table = summarize_mtd(rows) if task == "mtd" else summarize_swd(rows)
    minutes = sum(training_seconds(row) for row in rows) / 60
    workers = len(settings.get("merged_from", [])) or 1
    version = generator_version(settings)
    five_runs = min(Counter(row["config"] for row in rows).values()) >= 5
    text = (f"{len(table)} configurations, {runs_phrase(table)} each, the {settings['model_size']} network and "
            f"the `{settings['data_size']}` data, trained on the {settings['device'].upper()} with "
            f"`python -m ddtw_edu.experiments {task} --epochs {settings['epochs']} --out <folder>`. Training took "
            f"{minutes:.0f} core-minutes ({settings['machine']})"
            + (f", shared by {workers} workers, one per core" if workers > 1 else "")
            + f"; a GPU or a Colab session is the place for {'' if five_runs else 'five runs with '}"
              "the paper's network.")
    if version is not None and version < GENERATOR_VERSION:
        text += (f" These results were made on version {version} of the generated data, before the recording "
                 f"conditions described above (version {GENERATOR_VERSION}); the same command reruns them on "
                 "the current data, and `ddtw_edu/experiments/published/rerun.sh` is that rerun, under way.")
    return text


def describe_rerun(settings, rows, table):
    """A paragraph on what a rerun is and what it cannot show (runs, epochs, test items), from its results."""
    n = len(table)
    last = sum(row["best_epoch"] == row["epochs"] - 1 for row in rows)
    items = settings["items"]["test"]
    runs = runs_phrase(table)
    text = (f"The discussion below is computed from the results above: the {settings['model_size']} network "
            f"trained on the `{settings['data_size']}` data set for at most "
            f"{_count(settings['epochs'], 'epoch')}"
            + (", five runs per configuration as in the paper" if runs == "5 runs" else "") + ". Its limits: ")
    if runs == "one run":
        text += "one run per configuration, so no best of five and no spread between runs; "
    elif runs != "5 runs":
        text += f"{runs} per configuration, not five; "
    if settings["epochs"] > 1:
        text += (f"{last} of the {len(rows)} training runs had their lowest validation loss in their last "
                 "epoch, so they were still improving; ")
    if settings["task"] == "mtd":
        top = {k: sum(round(row[k], 3) == 1 for row in table.values()) for k in ("top1", "top10", "top50")}
        documents = settings.get("documents", items)    # results before generator v2: one per test theme
        joint = ", so" if documents == items else " and"
        text += (f"{_count(items, 'test theme')}{joint} a retrieval database of {_count(documents, 'full recording')}, "
                 f"in which top-10 and top-50 are 1 for {top['top10']} and {top['top50']} of the {n} "
                 "configurations")
        if top["top1"] == n:
            text += ", and top-1 for all of them: the retrieval columns say nothing here."
        elif min(top["top10"], top["top50"]) > n / 2:
            text += ": top-1 and MRR are the informative columns."
        else:
            text += "."
    else:
        text += f"{_count(items, 'test recording')}."
    return text


def mtd_findings(table, examples=None, protocol="table1"):
    """The findings of Sec. VII-B checked on a rerun, each with the numbers that decide it.

    Parameters
    ----------
    table : dict
        From :func:`summarize_mtd`; configurations that are missing are
        left out of every comparison, findings that need them are skipped.
    examples : dict, optional
        {config: examples} of the rerun (:func:`.run.load_examples`), for the
        blank's share of the predictions.
    protocol : {"table1", "authors"}
        The rerun's protocol (:mod:`ddtw_edu.protocols`): whether its frame
        accuracy scores rests as the paper's does.

    Returns
    -------
    list of Finding
    """
    findings = []
    acc, top1, mrr = _column(table, "accuracy_mean"), _column(table, "top1"), _column(table, "mrr")
    greedy, beam = _column(table, "ler_greedy_mean"), _column(table, "ler_beam_mean")
    usage = blank_usage(examples, multilabel=False) if examples else {}
    dominated = [config for config in usage if usage[config]["probability"] > 0.5]
    if "CTC-A" in usage:
        holds = "CTC-A" in dominated
        text = (f"**CTC-A {'is' if holds else 'is not'} dominated by the blank.** On the stored "
                f"{_count(usage['CTC-A']['examples'], 'test theme')}, ")
        if dominated:
            text += ("the blank's average probability is "
                     + _names(f"{_f(usage[c]['probability'])} ({c})" for c in dominated) + ", and greedy decoding "
                     + ("returns an empty sequence for every one of them"
                        if all(usage[c]["empty"] == usage[c]["examples"] for c in dominated) else
                        "returns an empty sequence for "
                        + _names(f"{usage[c]['empty']} of them ({c})" for c in dominated))
                     + "; the mean greedy LER over the whole test set is "
                     + _names(f"{_f(greedy[c])} ({c})" for c in dominated if c in greedy) + ". ")
        else:
            text += f"CTC-A gives the blank an average probability of {_f(usage['CTC-A']['probability'])}. "
        text += "In the paper CTC-A's predictions are dominated by the blank (its Fig. 9(a))."
        findings.append(Finding("CTC-A's dominant blank", holds, text))
    w1 = {config: value for config, value in acc.items() if not config.endswith("-W")}
    if "CTC-A" in acc and len(w1) > 1:
        holds = best_configs(w1, lowest=True) == ["CTC-A"]
        text = (f"**CTC-A {'has' if holds else 'does not have'} the lowest frame accuracy of the $w_h = 1$ "
                f"configurations and baselines.** Its accuracy, {_f(acc['CTC-A'])}, is "
                f"{rank_phrase(acc, 'CTC-A', lowest=True)} (paper: 0.473, the lowest with $w_h = 1$). Accuracy "
                "reads the pitch-class channels only: a network that ranks the blank first everywhere is scored "
                "on its second choice.")
        findings.append(Finding("CTC-A's low accuracy", holds, text))
    spread = {config: row["accuracy_best"] - row["accuracy_mean"] for config, row in table.items()
              if row.get("runs", 1) > 1}
    steady = _present(spread, "SDTW-D", "SDTW-E", "SDTW-D-W", "SDTW-E-W", "EM", "strong")
    if "CTC-A" in spread and steady:
        paper_gap = {config: TABLE_III[config][1] - TABLE_III[config][0] for config in ("CTC-A",) + tuple(steady)}
        widest = max(steady, key=lambda c: spread[c])
        holds = round(spread["CTC-A"], 3) > round(spread[widest], 3)
        text = (f"**CTC-A {'varies more' if holds else 'does not vary more'} between runs than the SDTW "
                f"configurations and the baselines.** Its best run is {_f(spread['CTC-A'])} above its mean "
                f"accuracy ({_f(acc['CTC-A'])} to {_f(table['CTC-A']['accuracy_best'])}); the widest gap among "
                f"{_names(steady)} is {widest}'s, {_f(spread[widest])}. In the paper CTC-A's gap is "
                f"{_f(paper_gap['CTC-A'])} ({_f(TABLE_III['CTC-A'][0])} to {_f(TABLE_III['CTC-A'][1])}), the "
                f"others' at most {_f(max(paper_gap[c] for c in steady))}.")
        findings.append(Finding("the variance of CTC-A", holds, text))
    chain = _present(table, "CTC-A", "CTC-B", "CTC-C")
    sdtw = _present(table, "SDTW-D", "SDTW-E")
    if chain and len(chain + sdtw) > 1:
        steps = [round(acc[c], 3) for c in chain] + ([min(round(acc[c], 3) for c in sdtw)] if sdtw else [])
        holds = all(a < b for a, b in zip(steps, steps[1:]))
        shown = chain + sdtw
        lead = ("Penalising or forbidding the blank raises accuracy step by step" if holds
                else "Weakening the blank does not raise accuracy step by step here")
        text = (f"**{lead}**: "
                + ", ".join(f"{c} {_f(acc[c])}" for c in shown)
                + " (paper: " + ", ".join(f"{TABLE_III[c][0]:.3f}" for c in shown) + ").")
        if "strong" in acc:
            text += (f" The strong baseline reaches {_f(acc['strong'])}, {rank_phrase(acc, 'strong')} "
                     "(paper: 0.676, the highest).")
        findings.append(Finding("the accuracy gained by weakening the blank", holds, text))
    if "SDTW-D-W" in top1:
        best = best_configs(top1)
        holds = "SDTW-D-W" in best
        text = (f"**{_names(best)} retrieve{'s' if len(best) == 1 else ''} best** (top-1 {_f(top1[best[0]])}, "
                f"MRR {_names(_f(mrr[c]) for c in best)}), {'as' if holds else 'where'} SDTW-D-W does in the paper "
                "(top-1 0.891, MRR 0.908)" + ("." if holds else
                                              f"; here SDTW-D-W's top-1 ({_f(top1['SDTW-D-W'])}) is "
                                              f"{rank_phrase(top1, 'SDTW-D-W')}."))
        findings.append(Finding("the best retrieval of SDTW-D-W", holds, text))
    if "EM" in top1 and len(top1) > 2:
        ahead = sum(value > round(top1["EM"], 3) for value in _rounded(top1).values())
        holds = ahead <= 1
        text = (f"**EM {'retrieves well' if holds else 'does not retrieve well'}**: its top-1 rate, "
                f"{_f(top1['EM'])}, is {rank_phrase(top1, 'EM')}; in the paper it is the second highest (0.888).")
        findings.append(Finding("EM's strong retrieval", holds, text))
    if "CTC-A" in top1 and len(top1) > 2:
        holds = round(top1["CTC-A"], 3) >= round(float(np.median(list(top1.values()))), 3)
        text = (f"**CTC-A {'retrieves well despite its low accuracy' if holds else 'does not retrieve well'}**"
                f": its top-1 rate, {_f(top1['CTC-A'])}, is {rank_phrase(top1, 'CTC-A')}. In the paper, "
                "accuracy and retrieval do not go together: CTC-A retrieves well (top-1 0.870).")
        findings.append(Finding("CTC-A's good retrieval", holds, text))
    pairs = [(base, base + "-W") for base in ("CTC-A", "CTC-B") if base in acc and base + "-W" in acc]
    if pairs:
        holds = all(round(acc[w], 3) < round(acc[base], 3) for base, w in pairs)
        text = (f"**Lowering $w_h$ {'breaks' if holds else 'does not break'} CTC with a blank"
                f"{'' if holds else ' here'}.** "
                + "; ".join(f"{w} reaches an accuracy of {_f(acc[w])} against {_f(acc[base])} for {base}"
                            for base, w in pairs)
                + ". Their greedy LERs: "
                + "; ".join(f"{w} {_f(greedy[w])}, {rank_phrase(greedy, w, lowest=True)}" for _, w in pairs)
                + ". In the paper CTC-A-W and CTC-B-W fail to learn (accuracy 0.230 and 0.228, top-1 0.000).")
        if not holds and single_run(table):
            text += (" With one run per configuration we cannot tell whether the paper's failures are frequent "
                     "or rare.")
        findings.append(Finding("the failure of CTC with a blank at a low $w_h$", holds, text))
    pairs = [(base, base + "-W") for base in ("SDTW-D", "SDTW-E") if base in acc and base + "-W" in acc]
    if pairs:
        holds = all(abs(acc[w] - acc[base]) <= 0.05 for base, w in pairs)
        text = (f"**SDTW {'hardly changes' if holds else 'changes'} when $w_h$ is lowered**: accuracy "
                + ", ".join(f"{_f(acc[base])} to {_f(acc[w])} ({base} to {w})" for base, w in pairs)
                + " (paper: " + ", ".join(f"{TABLE_III[base][0]:.3f} to {TABLE_III[w][0]:.3f}" for base, w in pairs)
                + ").")
        findings.append(Finding("the stability of SDTW at a low $w_h$", holds, text))
    without = [config for config in table if not uses_blank(config)]
    if without and len(table) > 1:
        helped = [config for config in table if round(beam[config], 3) < round(greedy[config], 3)]
        harmed = [config for config in table if round(beam[config], 3) > round(greedy[config], 3)]
        holds = all(config in harmed for config in without)
        text = f"**Beam search {'harms every' if holds else 'does not harm every'} network without a blank.** "
        text += ("It lowers the mean LER only for " + _names(f"{c} ({_f(greedy[c])} to {_f(beam[c])})" for c in helped)
                 if helped else "It lowers the mean LER for no configuration")
        if harmed:
            worst = max(harmed, key=lambda c: beam[c])
            above = sum(beam[c] > 1 for c in harmed)
            text += (f" and raises it for {len(harmed)} of the {len(table)} configurations, above 1 for {above} of "
                     f"them (the most: {worst}, {_f(greedy[worst])} to {_f(beam[worst])})")
        text += ". In the paper it helps only CTC-A (0.282 to 0.256) and raises the LER of all others."
        if helped and all(config in dominated for config in helped):
            text += (f" Here it helps {'the network' if len(helped) == 1 else 'exactly the networks'} dominated by "
                     "the blank.")
        findings.append(Finding("the harm beam search does without a blank", holds, text))
    repeats = {c: (row["ler_greedy_repeats_mean"], row["ler_greedy_no_repeats_mean"]) for c, row in table.items()
               if "ler_greedy_repeats_mean" in row and "ler_greedy_no_repeats_mean" in row}
    ctc, sdtw = _present(repeats, "CTC-A", "CTC-B"), _present(repeats, "SDTW-D", "SDTW-E")
    if ctc and sdtw:
        best = {group: min(members, key=lambda c: repeats[c][0]) for group, members in (("ctc", ctc), ("sdtw", sdtw))}
        gap = [repeats[best["sdtw"]][k] - repeats[best["ctc"]][k] for k in (0, 1)]
        c, d = best["ctc"], best["sdtw"]
        decodes = round(repeats[c][0], 3) < 1          # an LER of 1 or more: no better than decoding nothing
        holds = decodes and round(gap[0], 3) > 0 and round(gap[0], 3) > round(gap[1], 3)
        text = (f"**CTC {'decodes' if holds else 'does not decode'} themes with repeated notes better than SDTW.** "
                f"On the test themes with two equal neighbouring notes, the greedy LER of {c} is "
                f"{_f(repeats[c][0])} against {_f(repeats[d][0])} for {d} (the better of each kind); on the themes "
                f"without, {_f(repeats[c][1])} against {_f(repeats[d][1])}."
                + ("" if decodes else f" An error rate of 1 or more is no better than decoding nothing (which "
                                      f"gives exactly 1), so {c} does not decode these themes yet.")
                + " In the paper, CTC's blank keeps repeated symbols apart, so CTC decodes with a lower error rate "
                "than SDTW, especially on them (Sec. VIII).")
        findings.append(Finding("CTC's decoding of repeated notes", holds, text))
    others = _present(table, "SDTW-D", "SDTW-E", "strong")
    if "EM" in greedy and others:
        holds = all(round(greedy["EM"], 3) > round(greedy[c], 3) for c in others)
        text = (f"**EM {'decodes worse' if holds else 'does not decode worse'} than "
                f"{_names(others)}**: its greedy LER is {_f(greedy['EM'])}, against "
                + _names(_f(greedy[c]) for c in others) + " (paper: 0.577 against "
                + _names(f"{TABLE_IV[c][0]:.3f}" for c in others) + ").")
        findings.append(Finding("EM's poor decoding", holds, text))
    paper = paper_mtd()
    known = [config for config in table if config in paper]
    if known:
        higher_acc = sum(acc[c] > paper[c]["accuracy_mean"] for c in known)
        higher_ler = sum(greedy[c] > paper[c]["ler_greedy_mean"] for c in known)
        gap_acc = float(np.mean([abs(acc[c] - paper[c]["accuracy_mean"]) for c in known]))
        gap_ler = float(np.mean([abs(greedy[c] - paper[c]["ler_greedy_mean"]) for c in known]))
        holds = gap_acc <= 0.05 and gap_ler <= 0.05
        text = (f"**Absolute levels {'are close' if holds else 'differ'}.** Our accuracy is above the paper's for "
                f"{higher_acc} of {len(known)} configurations (mean absolute difference {gap_acc:.2f}), our "
                f"greedy LER above the paper's for {higher_ler} of {len(known)} (mean absolute difference "
                f"{gap_ler:.2f}).")
        if not holds and get_protocol(protocol).frame_accuracy_rests == "first_class":
            text += (" Data, network and training length differ (this rerun scores the rest frames as pitch "
                     "class C, as the authors' code does), so only orderings are comparable.")
        elif not holds:
            text += (" Data, network and training length differ, and the paper's accuracy also scores the rest "
                     "frames (as pitch class C, in the authors' code), ours only the sounding ones, so only "
                     "orderings are comparable.")
        findings.append(Finding("the absolute levels", holds, text))
    return findings


def swd_findings(table, examples=None):
    """The findings of Sec. VII-C (Fig. 10 and 11) checked on a rerun, each with the numbers that decide it.

    Parameters
    ----------
    table : dict
        From :func:`summarize_swd`; findings that need a missing configuration are skipped.
    examples : dict, optional
        {config: examples} of the rerun, for the blank's share of the soft
        alignments and the agreement of SDTW alignments with the annotation.

    Returns
    -------
    list of Finding
    """
    findings = []
    f = _column(table, "f_median")
    best = _column(table, "f_max")
    usage = blank_usage(examples, multilabel=True) if examples else {}
    agreement = alignment_agreement(examples, multilabel=True) if examples else {}
    pairs = [(base, base + "-W") for base in ("CTC-C", "SDTW-D", "SDTW-E") if base in f and base + "-W" in f]
    if pairs:
        holds = all(round(f[w], 3) > round(f[base], 3) for base, w in pairs)
        text = (f"**Lowering $w_h$ {'helps' if holds else 'does not help'} the configurations that align only "
                "targets**: " + ", ".join(f"{base} {_f(f[base])} to {w} {_f(f[w])}" for base, w in pairs)
                + " (median F-measure). In the paper both the median and the best run improve.")
        findings.append(Finding("the gain from a low $w_h$ without a blank", holds, text))
    weak = {config: value for config, value in best.items() if config not in ("EM", "strong")}
    if "SDTW-E-W" in weak and len(weak) > 1:
        top = best_configs(weak)
        holds = top == ["SDTW-E-W"]
        verb = "has" if holds else ("shares" if "SDTW-E-W" in top else "does not have")
        above = [config for config in best if round(best[config], 3) > round(best["SDTW-E-W"], 3)]
        text = (f"**SDTW-E-W {verb} the best runs of the weak-label "
                f"configurations**: its best F-measure, {_f(best['SDTW-E-W'])}, is "
                f"{rank_phrase(weak, 'SDTW-E-W', what='Table I configurations')}")
        text += (f"; {_names(above)} {'is' if len(above) == 1 else 'are'} better ("
                 + _names(_f(best[c]) for c in above) + ")." if above else ", and no configuration is better.")
        if "EM" in best:
            text += f" EM reaches {_f(best['EM'])}."
        text += (" In the paper SDTW-E-W's best run is above 0.84, above EM's and close to the strong "
                 "baseline's.")
        findings.append(Finding("the best runs of SDTW-E-W", holds, text))
    if "CTC-C" in f and "SDTW-D" in f:
        holds = abs(f["CTC-C"] - f["SDTW-D"]) <= 0.03
        text = (f"**CTC-C and SDTW-D {'end up alike' if holds else 'differ'}** ({_f(f['CTC-C'])} and "
                f"{_f(f['SDTW-D'])}): the same targets, steps and weights, apart from a blank output that CTC-C "
                "never aligns.")
        if "CTC-C" in usage:
            text += (f" Our CTC-C network gives that blank an average probability of "
                     f"{_f(usage['CTC-C']['probability'])}.")
        text += " In the paper the two are very similar, SDTW-D slightly better on average."
        findings.append(Finding("the likeness of CTC-C and SDTW-D", holds, text))
    if "SDTW-D" in f and "SDTW-E" in f:
        d, e = round(f["SDTW-D"], 3), round(f["SDTW-E"], 3)
        holds = e < d
        if e == d:
            text = f"**SDTW-E's median equals SDTW-D's** at three decimals ({_f(f['SDTW-E'])})."
        else:
            text = (f"**SDTW-E's median is {'below' if holds else 'above'} SDTW-D's** ({_f(f['SDTW-E'])} against "
                    f"{_f(f['SDTW-D'])}).")
        text += " In the paper it is slightly lower, with a comparable minimum and maximum."
        findings.append(Finding("SDTW-E's lower median", holds, text))
    if "SDTW-E" in agreement and "SDTW-E-W" in agreement:
        holds = agreement["SDTW-E-W"] > agreement["SDTW-E"]
        text = (f"**SDTW-E-W's alignment {'follows' if holds else 'does not follow'} the annotation more closely "
                f"than SDTW-E's**: on the stored test excerpts, its most likely target is the annotation's in "
                f"{agreement['SDTW-E-W']:.0%} of the frames, SDTW-E's in {agreement['SDTW-E']:.0%}. In the paper "
                "SDTW-E stays on some targets for too long (Fig. 10(b)), SDTW-E-W resembles the reference "
                "(Fig. 10(e)).")
        findings.append(Finding("the cleaner alignment of SDTW-E-W", holds, text))
    if "CTC-A" in usage:
        share = usage["CTC-A"]["share"]
        holds = share > 0.5
        text = (f"**CTC-A {'aligns mostly blanks' if holds else 'does not align mostly blanks'}**: {share:.0%} of "
                "its soft alignment lies on blank rows")
        if "CTC-A-W" in usage:
            moved = usage["CTC-A-W"]["share"] < share
            text += (f", {usage['CTC-A-W']['share']:.0%} for CTC-A-W, which "
                     f"{'moves' if moved else 'does not move'} mass to the target rows")
        text += ". In the paper the alignment of CTC-A focuses on the blank (Fig. 10(a)), CTC-A-W's a little less."
        findings.append(Finding("CTC-A's alignment on the blank", holds, text))
    rivals = _present(table, "CTC-C", "SDTW-D")
    if "CTC-A" in f and rivals:
        holds = all(round(f["CTC-A"], 3) < round(f[c], 3) for c in rivals)
        text = (f"**CTC-A {'is weaker than' if holds else 'is not weaker than'} {_names(rivals)}**: its "
                f"F-measure, {_f(f['CTC-A'])}, is {rank_phrase(f, 'CTC-A')}, against "
                + _names(f"{_f(f[c])} ({c})" for c in rivals) + ".")
        if (any(round(f["CTC-A"], 3) > round(f[c], 3) for c in rivals) and "CTC-A" in usage
                and usage["CTC-A"]["share"] > 0.5):
            text += " Its frame-wise activations score well although its alignment leans on the blank."
        text += " In the paper CTC-A is clearly below them (about 0.81) with a large spread between runs."
        findings.append(Finding("the weakness of CTC-A", holds, text))
    if "CTC-B" in best and len(best) > 1:
        holds = best_configs(best, lowest=True) == ["CTC-B"]
        text = (f"**CTC-B {'fails' if holds else 'does not fail'}**: its best F-measure, {_f(best['CTC-B'])}, is "
                f"{rank_phrase(best, 'CTC-B')}. In the paper no run of CTC-B converged.")
        if not holds and single_run(table):
            text += " One run cannot tell whether this is luck: the paper's point was CTC-B's instability."
        findings.append(Finding("the failure of CTC-B", holds, text))
    pairs = [(base, base + "-W") for base in ("CTC-A", "CTC-B") if base in f and base + "-W" in f]
    if pairs:
        holds = all(round(f[w], 3) > round(f[base], 3) for base, w in pairs)
        text = (f"**With a blank, lowering $w_h$ {'helps' if holds else 'does not help'}**: "
                + ", ".join(f"{base} {_f(f[base])} to {w} {_f(f[w])}" for base, w in pairs)
                + ". In the paper the medians and the best runs improve, though some runs still fail.")
        findings.append(Finding("the gain from a low $w_h$ with a blank", holds, text))
    return findings


def format_findings(findings, table):
    """Markdown: the findings that carry over, those that do not, and a one-sentence summary.

    Parameters
    ----------
    findings : list of Finding
        From :func:`mtd_findings` or :func:`swd_findings`.
    table : dict
        The summary the findings were computed from (for its number of runs).
    """
    held = [finding for finding in findings if finding.holds]
    failed = [finding for finding in findings if not finding.holds]
    parts = ["**What carries over from the paper:**",
             "\n".join(f"- {finding.text}" for finding in held) if held else "- nothing of what is checked here.",
             "**What does not:**",
             "\n".join(f"- {finding.text}" for finding in failed) if failed else "- nothing of what is checked here."]
    summary = f"In short, {len(held)} of the {len(findings)} findings checked here carry over"
    summary += f" ({_names(finding.name for finding in held)})" if held else ""
    summary += (f", and {len(failed)} do{'es' if len(failed) == 1 else ''} not ({_names(f.name for f in failed)})"
                if failed else "")
    summary += f", on this data and with {runs_phrase(table)} per configuration."
    return "\n\n".join(parts + [summary])


PROTOCOL_TITLES = {"table1": "Table I as printed", "authors": "the authors' code"}


def findings_table(findings_by_protocol):
    """Markdown: one row per finding, one column per protocol: reproduces, does not, or not checked.

    Parameters
    ----------
    findings_by_protocol : dict
        {protocol: list of Finding} (:func:`mtd_findings` or :func:`swd_findings`
        of the rerun under that protocol, :mod:`ddtw_edu.protocols`). A finding
        that a protocol's rerun cannot check (its configurations were not
        rerun, or it compares the spread of runs and there is one) reads
        "not checked".

    Returns
    -------
    str
        The table; the sentences with the evidence are those of :func:`format_findings`.
    """
    protocols = list(findings_by_protocol)
    by_name = {protocol: {finding.name: finding for finding in findings}
               for protocol, findings in findings_by_protocol.items()}
    names = list(dict.fromkeys(finding.name for findings in findings_by_protocol.values() for finding in findings))
    rows = [[name] + [("reproduces" if by_name[p][name].holds else "does not") if name in by_name[p]
                      else "not checked" for p in protocols] for name in names]
    return markdown_table(["finding of the paper"] + [PROTOCOL_TITLES.get(p, p) for p in protocols], rows)


__all__ = ["Finding", "findings_table", "PROTOCOL_TITLES", "best_configs", "rank_phrase", "runs_phrase", "blank_usage",
           "alignment_agreement", "describe_published", "describe_rerun", "mtd_findings", "swd_findings",
           "format_findings"]
