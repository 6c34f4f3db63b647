"""The summary's sections on what a reviewer asks beyond the paper (label equivalence, calibration,
robustness, protocol sensitivity), and the cell formats every section of summary.md shares."""

from __future__ import annotations

from .calibration import BINS, T_RANGE
from .display import experiment_label, percent
from .label_equivalence import METRICS as EQUIVALENCE_METRICS
from .label_equivalence import sentence
from .protocols import PROTOCOLS, kendall_rows


def pct(value) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def with_interval(row: dict, metric: str) -> str:
    if row[f"{metric}_mean"] is None:
        return "n/a"
    text = pct(row[f"{metric}_mean"])
    if row[f"{metric}_ci_low"] is not None:
        text += f" [{pct(row[f'{metric}_ci_low'])}, {pct(row[f'{metric}_ci_high'])}]"
    return text


def temperature_text(t: float | None) -> str:
    """A fitted temperature; at an end of the searched range, said so (the fit wanted more: a model with
    near-uniform outputs is flattened without limit, a nearly constant one sharpened)."""
    if t is None:
        return "–"
    lo, hi = T_RANGE
    return f"≥ {hi:g} (bound)" if t >= hi * 0.999 else f"≤ {lo:g} (bound)" if t <= lo * 1.001 else f"{t:.2f}"


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


def calibration_section(rows: list[dict]) -> list[str]:
    """ECE before and after temperature scaling, both protocols, mean over seeds."""
    if not rows:
        return []
    lines = [
        "",
        f"## Calibration: expected calibration error (ECE, points; {BINS} equal-width bins of the top-class "
        "confidence), as trained and after temperature scaling (one T fitted on the validation split)",
        "",
        "| experiment | labels | seeds | ECE natural | ECE natural, scaled | ECE paper protocol | "
        "ECE paper protocol, scaled | T |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [with_interval(r, m) for m in ("ece", "ece_scaled", "paper_ece", "paper_ece_scaled")]
        cells.append(temperature_text(r["temperature_mean"]))
        lines.append(f"| {experiment_label(r)} | {percent(r['labels'])} | {r['n_seeds']} | " + " | ".join(cells) + " |")
    return lines


def protocols_section(scores: dict[str, dict]) -> list[str]:
    """Each encoder state's rank under every protocol, and Kendall's tau between the protocols."""
    if len(scores) < 2:
        return []
    states = sorted({s for by_state in scores.values() for s in by_state}, key=lambda s: (s[0], s[1] != "none", s[1]))
    names = list(scores)
    lines = [
        "",
        "## Protocol sensitivity: the encoder states' ranks under each protocol (1 = best), Kendall's tau",
        "",
        *(f"- {p}: {PROTOCOLS[p]}" for p in names),
        "",
        "| encoder | pretrain | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    ranks = {p: {s: i + 1 for i, s in enumerate(sorted(by, key=lambda s: -by[s]))} for p, by in scores.items()}
    for enc, pre in states:
        cells = [str(ranks[p].get((enc, pre), "–")) for p in names]
        lines.append(f"| {enc} | {pre} | " + " | ".join(cells) + " |")
    taus = {(r["protocol"], r["against"]): r for r in kendall_rows(scores)}
    lines += ["", "| Kendall's tau | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for a in names:
        cells = [("–" if taus[a, b]["tau"] is None else f"{taus[a, b]['tau']:+.2f}") for b in names]
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    return lines + [
        "",
        "Pretrain none: the classifier trained from scratch, or the untrained encoder's features. Tau over the "
        "states both protocols scored (at least 3); +1: the same order, -1: reversed.",
    ]


def robustness_section(rows: list[dict]) -> list[str]:
    """Mean relative drop under the corruptions, per experiment (mean and interval over seeds)."""
    rows = [r for r in rows if r.get("corruption_drop_auc_macro_mean") is not None]
    if not rows:
        return []
    lines = [
        "",
        "## Robustness: mean relative drop under MedMNIST-C's chest X-ray corruptions (points; higher: worse)",
        "",
        "| experiment | labels | seeds | macro AUC drop | balanced acc drop |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [with_interval(r, f"corruption_drop_{m}") for m in ("auc_macro", "balanced_accuracy")]
        lines.append(f"| {experiment_label(r)} | {percent(r['labels'])} | {r['n_seeds']} | " + " | ".join(cells) + " |")
    return lines + ["", "Per corruption and severity: robustness.csv and figures/robustness.png."]
