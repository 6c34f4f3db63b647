"""Label equivalence as a reader says it: the sentence of the summary and the report's landing text, from
the numbers of ``evaluation.label_equivalence``."""

from __future__ import annotations

import csv
from pathlib import Path

from ..evaluation.display import METRIC_LABELS, collapsed_seeds, experiment_label, percent


def collapsed_mark(row: dict, markdown: bool = True) -> str:
    """After an experiment's name in every table and sentence of the summary: " **collapsed** (k of n seeds)"
    where a seed's classifier collapsed, else nothing; not ``markdown`` (the report's landing text, escaped
    as reST): " (collapsed in k of n seeds)"."""
    seeds = collapsed_seeds(row)
    if not seeds:
        return ""
    return f" **collapsed** ({seeds})" if markdown else f" (collapsed in {seeds})"


def budget_text(value: float, budgets: str) -> str:
    """A budget as a reader says it: 37%, more than 100%, at most 1% (the smallest measured)."""
    measured = [float(b) for b in budgets.split(";")]
    if value == float("inf"):
        return f"more than {100 * max(measured):g}%"
    if value == 0:
        return f"at most {100 * min(measured):g}%"
    return f"{100 * value:.3g}%"


def sentence(row: dict, metric: str, markdown: bool = True) -> str:
    """ "VGG simclr pretrain with 10% of the labels matches the baseline with 37% [21%, 80%] (macro AUC)", from
    a row with ``baseline_budgets`` and the equivalent budget of ``metric`` under ``{metric}_baseline_labels``;
    that budget empty (None, or "" read from summary.csv): no claim, the experiment or its baseline collapsed
    (``evaluation.label_equivalence``). The experiment is marked where a seed's classifier collapsed."""
    budgets, column = row["baseline_budgets"], f"{metric}_baseline_labels"
    name = experiment_label({**row, "labels": 1.0}) + collapsed_mark(row, markdown)
    experiment = f"{name} with {percent(row['labels'])} of the labels"
    if row[column] in (None, ""):
        return f"{experiment}: no claim (collapsed) ({METRIC_LABELS[metric]})"
    value, lo, hi = (float(row[column + suffix]) for suffix in ("", "_ci_low", "_ci_high"))
    interval = f"[{budget_text(lo, budgets)}, {budget_text(hi, budgets)}]"
    return f"{experiment} matches the baseline with {budget_text(value, budgets)} {interval} ({METRIC_LABELS[metric]})"


def findings(summaries: dict[str, str]) -> list[str]:
    """The macro-AUC label equivalence of every dataset's summary.csv that exists (dataset -> path), for the
    report's landing text."""
    out = []
    for dataset, path in summaries.items():
        if Path(path).is_file():
            with open(path, newline="") as fh:
                rows = [r for r in csv.DictReader(fh) if r.get("baseline_budgets")]
            out += [f"{dataset}: {sentence(r, 'auc_macro', markdown=False)}" for r in rows]
    return out
