"""Robustness to realistic image faults: a classifier scored on the corrupted copies of the test split.

Per corruption and severity: macro AUC and balanced accuracy; the relative drop of each against the clean
test split, (clean - corrupted) / clean; and its mean over the corruptions, per severity and overall.
"""

from __future__ import annotations

import numpy as np

from .metrics import plain, weighted_metrics

METRICS = ("auc_macro", "balanced_accuracy")
DROPS = tuple(f"corruption_drop_{m}" for m in METRICS)  # metrics.json's and the summary's mean drops


def corruption_scores(predict, corrupted: dict, clean: dict) -> dict:
    """``predict(images)``: class probabilities of uint8 (N,C,S,S) images; ``corrupted``: the arrays of a
    corrupted file (``images`` (K, N, ...), ``corruption``, ``severity``, ``labels``); ``clean``: the clean
    split's metrics. None where the file holds no copy (an RGB dataset, or no corruption chosen)."""
    if len(corrupted["corruption"]) == 0:
        return {"scores": [], **{d: None for d in DROPS}, "by_severity": {}}
    labels = corrupted["labels"]
    scores = []
    for images, name, severity in zip(corrupted["images"], corrupted["corruption"], corrupted["severity"]):
        m = weighted_metrics(predict(images), labels, np.ones((1, len(labels))))
        row = {"corruption": str(name), "severity": int(severity)}
        for metric in METRICS:
            row[metric] = None if m[metric] is None else plain(m[metric][0])
            row[f"drop_{metric}"] = relative_drop(clean[metric], row[metric])
        scores.append(row)
    return {
        "scores": scores,
        **{f"corruption_drop_{m}": _mean(r[f"drop_{m}"] for r in scores) for m in METRICS},
        "by_severity": {
            str(s): {m: _mean(r[f"drop_{m}"] for r in scores if r["severity"] == s) for m in METRICS}
            for s in sorted({r["severity"] for r in scores})
        },
    }


def relative_drop(clean: float | None, corrupted: float | None) -> float | None:
    if clean is None or corrupted is None or clean == 0:
        return None
    return (clean - corrupted) / clean


def _mean(values) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def collapsed_models(results: list[dict]) -> list[str]:
    """The collapsed classifiers among ``results`` (metrics.json ``collapsed``), named with their reason: a model
    of one class loses nothing to a corruption, and would be drawn as perfectly robust."""
    from .display import experiment_label

    return [
        f"{experiment_label(r)}, seed {r['seed']} ({r.get('collapsed_reason') or 'collapsed'})"
        for r in results
        if r.get("collapsed")
    ]


def robustness_rows(results: list[dict]) -> list[dict]:
    """The summary's table: per experiment, corruption and severity, the mean over seeds of each metric and
    of its relative drop (results: the experiments' metrics.json); collapsed models (``collapsed_models``) are
    left out, ``seeds`` counts those kept."""
    from ..vocabulary.experiments import EXPERIMENT_KEYS, experiment_key

    groups: dict[tuple, list[dict]] = {}
    for r in (r for r in results if not r.get("collapsed")):
        for score in r.get("robustness", {}).get("scores", []):
            groups.setdefault((experiment_key(r), score["corruption"], score["severity"]), []).append(score)
    rows = []
    for (key, corruption, severity), scores in groups.items():
        row = {**dict(zip(EXPERIMENT_KEYS, key)), "corruption": corruption, "severity": severity, "seeds": len(scores)}
        for column in (*METRICS, *(f"drop_{m}" for m in METRICS)):
            row[column] = _mean(s[column] for s in scores)
        rows.append(row)
    return rows
