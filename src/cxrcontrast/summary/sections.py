"""The summary's sections on what a reviewer asks beyond the paper (label equivalence, calibration,
robustness, protocol sensitivity), and the cell formats every section of summary.md shares."""

from __future__ import annotations

from ..evaluation.calibration import BINS
from ..evaluation.display import experiment_label, percent
from ..evaluation.label_equivalence import METRICS as EQUIVALENCE_METRICS
from ..evaluation.multiplicity import ALPHA
from ..evaluation.protocol_sensitivity import END_TO_END, PROTOCOLS, RANDOM_ENCODER, kendall_rows, left_out, ranks
from .label_equivalence import collapsed_mark, sentence
from .markdown_text import markdown_text


def table(head: list[str], rows) -> list[str]:
    """A Markdown table: the header, its rule, then one line per row of cells."""
    lines = ["| " + " | ".join(cells) + " |" for cells in (head, *rows)]
    return [lines[0], "|" + "---|" * len(head), *lines[1:]]


EXPERIMENT_COLUMNS = ["experiment", "labels", "seeds"]


def experiment_cells(row: dict, metrics=()) -> list[str]:
    """An experiment's name (with its collapse mark), label budget and number of seeds, then each of ``metrics``
    with its interval."""
    cells = [experiment_label(row) + collapsed_mark(row), percent(row["labels"]), str(row["n_seeds"])]
    return cells + [with_interval(row, m) for m in metrics]


def pct(value) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def with_interval(row: dict, metric: str) -> str:
    """The mean over seeds and its interval, in points; "n/a" where there is none (a column of an earlier
    version's summary, or no seed with the number)."""
    if row.get(f"{metric}_mean") is None:
        return "n/a"
    text = pct(row[f"{metric}_mean"])
    if row[f"{metric}_ci_low"] is not None:
        text += f" [{pct(row[f'{metric}_ci_low'])}, {pct(row[f'{metric}_ci_high'])}]"
    return text


def temperature_text(t: float | None) -> str:
    """A fitted temperature (mean over seeds); "–" where there is none. A fit at an end of the searched range is
    a failed fit (``evaluation.calibration.fit_failure``), recorded as no T, so no bound reaches this."""
    return "–" if t is None else f"{t:.2f}"


def equivalence_section(exp_rows) -> list[str]:
    """Per pretrained experiment with a baseline curve, its label-equivalence sentence per metric."""
    rows = [r for r in exp_rows if r.get("baseline_budgets")]
    if not rows:
        return []
    lines = [
        "",
        "## Label equivalence: the baseline's label budget that reaches the same value",
        "",
        "The baseline (same encoder and training set, no pretraining), linear in log budget between its "
        f"measured budgets ({', '.join(percent(b) for b in rows[0]['baseline_budgets'].split(';'))}); "
        "95% bootstrap interval over seeds and test images.",
        "",
    ]
    return lines + [f"- {sentence(r, metric)}." for r in rows for metric in EQUIVALENCE_METRICS]


# column of summary.csv -> its header in the calibration table: the plug-in ECE (Guo et al. 2017) is biased
# upwards on few images; the debiased one (Kumar et al. 2019) is not (evaluation.calibration)
ECE_COLUMNS = {
    "ece": "ECE natural (plug-in)",
    "ece_scaled": "ECE natural, scaled (plug-in)",
    "ece_debiased": "ECE natural, debiased (Kumar et al. 2019)",
    "ece_scaled_debiased": "ECE natural, scaled, debiased",
    "paper_ece": "ECE paper protocol (plug-in)",
    "paper_ece_scaled": "ECE paper protocol, scaled (plug-in)",
    "paper_ece_debiased": "ECE paper protocol, debiased",
    "paper_ece_scaled_debiased": "ECE paper protocol, scaled, debiased",
}


def temperature_cell(row: dict) -> str:
    """The mean fitted T; "failed fit (k of n seeds)" where a seed's fit failed (summary.csv
    ``temperature_fit_failed``: it has no T and no scaled ECE), after the others' mean T where there are others."""
    failed, n = int(row.get("temperature_fit_failed") or 0), row["n_seeds"]
    if not failed:
        return temperature_text(row["temperature_mean"])
    mark = f"failed fit ({failed} of {n} seeds)"
    return mark if row.get("temperature_mean") is None else f"{temperature_text(row['temperature_mean'])}; {mark}"


def calibration_section(rows: list[dict]) -> list[str]:
    """ECE before and after temperature scaling, plug-in and debiased, both protocols, mean over seeds."""
    if not rows:
        return []
    return [
        "",
        f"## Calibration: expected calibration error (ECE, points; {BINS} equal-width bins of the top-class "
        "confidence), as trained and after temperature scaling (one T fitted on the validation images of the "
        "experiment's label budget; a fit at the search bound, or one that does not lower the validation NLL, "
        "is a failed fit, with no scaled ECE)",
        "",
        *table(
            [*EXPERIMENT_COLUMNS, *ECE_COLUMNS.values(), "T"],
            [[*experiment_cells(r, ECE_COLUMNS), temperature_cell(r)] for r in rows],
        ),
    ]


def protocols_section(scores: dict[str, dict], collapsed: dict | None = None) -> list[str]:
    """Each encoder state's rank under every protocol (ties share their average rank), and Kendall's tau-b with its
    p-value and number of states per pair of protocols; a state a protocol left out as collapsed (``collapsed``:
    ``protocol_sensitivity.collapsed_states``) is ranked "collapsed" and named under the tables."""
    if len(scores) < 2:
        return []
    gone = {p: left_out(p, collapsed or {}) for p in scores}
    states = sorted(
        {s for by_state in [*scores.values(), *gone.values()] for s in by_state},
        key=lambda s: (s[0], s[1][:4] != "none", s[1]),
    )
    names = list(scores)
    rank_of = {p: ranks(by) for p, by in scores.items()}
    whys = {s: why for by_state in gone.values() for s, why in by_state.items()}

    def rank_cell(p, s):
        return "collapsed" if s in gone[p] else rank_text(rank_of[p].get(s))

    pairs = [r for r in kendall_rows(scores) if names.index(r["protocol"]) < names.index(r["against"])]
    return [
        "",
        "## Protocol sensitivity: the encoder states' ranks under each protocol (1 = best), Kendall's tau",
        "",
        *(f"- {p}: {PROTOCOLS[p]}" for p in names),
        "",
        *table(
            ["encoder", "pretrain", *names],
            ([*s, *(rank_cell(p, s) for p in names)] for s in states),
        ),
        "",
        *table(
            ["protocols", "states", "Kendall's tau-b", "p"],
            ([f"{r['protocol']} vs {r['against']}", str(r["states"]), *tau_cells(r)] for r in pairs),
        ),
        "",
        f"Pretrain {END_TO_END}: the classifier trained from scratch (natural, paper); {RANDOM_ENCODER}: the "
        "untrained encoder's features (the probes, the official task's frozen head): two states, never ranked as "
        "one. Tied scores share their average rank. Tau-b over the states both protocols scored (at least 3); "
        '+1: the same order, -1: reversed; p: two-sided, for "no association" (scipy\'s kendalltau); with few '
        "states only a large |tau| can be told from chance.",
        *(
            [
                "",
                "Left out of the rankings as collapsed: "
                + "; ".join(f"{e}/{p} ({markdown_text(w)})" for (e, p), w in whys.items()),
            ]
            * bool(whys)
        ),
    ]


def rank_text(rank: float | None) -> str:
    """A rank: "2", a shared one "1.5"; "–" for a state the protocol did not score."""
    return "–" if rank is None else f"{rank:g}"


def tau_cells(row: dict) -> list[str]:
    """Tau-b and its p-value; a p of ALPHA or more says the ranking difference is not significant."""
    if row["tau"] is None:
        return ["–", f"too few states ({row['states']})" if row["states"] < 3 else "undefined (a constant score)"]
    p = row["p_value"]
    return [f"{row['tau']:+.2f}", f"not significant (p = {p:.3f})" if p >= ALPHA else f"{p:.3f}"]


def robustness_section(rows: list[dict], left_out: list[str] = ()) -> list[str]:
    """Mean relative drop under the corruptions, per experiment (mean and interval over seeds); the collapsed
    models (``left_out``: ``evaluation.robustness.collapsed_models``) are left out of the means and named, as text
    (their reason may quote a class name)."""
    rows = [r for r in rows if r.get("corruption_drop_auc_macro_mean") is not None]
    named = "; ".join(map(markdown_text, left_out))
    if not rows and not left_out:
        return []
    drops = {"corruption_drop_auc_macro": "macro AUC drop", "corruption_drop_balanced_accuracy": "balanced acc drop"}
    return [
        "",
        "## Robustness: mean relative drop under MedMNIST-C's chest X-ray corruptions (points; higher: worse)",
        "",
        *table([*EXPERIMENT_COLUMNS, *drops.values()], [experiment_cells(r, drops) for r in rows]),
        "",
        "Per corruption and severity: robustness.csv and figures/robustness.png.",
        *(["", f"Left out as collapsed (no drop to measure): {named}."] * bool(left_out)),
    ]
