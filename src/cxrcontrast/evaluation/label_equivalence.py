"""Label equivalence: the baseline's label budget that reaches what a pretrained experiment reaches.

"SimCLR with 10% of the labels matches the baseline with 37%": for each pretrained experiment and budget,
the baseline (same encoder and training set, no pretraining) is measured at several budgets; its metric,
linear in log budget between measured budgets, first reaches the pretrained experiment's metric at the
equivalent budget. Above the baseline's best measured value it is "more than the largest budget" (+inf
here), at or below its smallest budget's value "at most the smallest budget" (0 here).

The interval is a bootstrap over seeds and test images: each resample draws test-image multiplicities
(shared by every experiment, so they are compared on the same images) and the seeds with replacement
(the same seed draw for every experiment: seeds are paired, as the comparisons pair them).

A collapsed classifier (``evaluation.collapse``) says nothing about what its labels taught it: a pretrained
experiment with a collapsed seed claims no equivalence, and a baseline budget with one is left out of the curve
(fewer than two budgets left: no claim either). Such an experiment's row has no budget (None) and is
``collapsed``, so the summary says "no claim (collapsed)" instead of leaving it out unsaid.
"""

from __future__ import annotations

import numpy as np

from ..vocabulary.experiments import EXPERIMENT_KEYS, experiment_key
from .bootstrap import LEVEL, resample_counts
from .metrics import weighted_metrics

METRICS = ("auc_macro", "balanced_accuracy")


def equivalent_budget(budgets, curve, target: float) -> float:
    """The first budget at which ``curve`` (values at ascending ``budgets``), linear in log budget, reaches
    ``target``: 0 if the smallest budget already does, +inf if no measured budget does."""
    logs = np.log(np.asarray(budgets, dtype=float))
    if target <= curve[0]:
        return 0.0
    for i in range(len(curve) - 1):
        if curve[i] < target <= curve[i + 1]:
            t = (target - curve[i]) / (curve[i + 1] - curve[i])
            return float(np.exp(logs[i] + t * (logs[i + 1] - logs[i])))
    return float("inf")


def _quantiles(values: np.ndarray) -> list[float]:
    """Interval of values that may be 0 or +inf: quantiles without interpolation between draws."""
    tail = (1 - LEVEL) / 2
    return [float(np.quantile(values, q, method="inverted_cdf")) for q in (tail, 1 - tail)]


def baseline_curves(predictions: dict) -> dict[tuple, list[tuple]]:
    """Pretrained experiment -> its baseline's experiments at ascending budgets (two or more)."""
    curves = {}
    for key in predictions:
        encoder, pretrain, trainset, _ = key
        budgets = sorted(k[3] for k in predictions if k[:3] == (encoder, "none", trainset))
        if pretrain != "none" and len(budgets) >= 2:
            curves[key] = [(encoder, "none", trainset, b) for b in budgets]
    return curves


def _seed_mean(per_seed: dict, seeds: list, chunk: int, metric: str, rows: np.ndarray | None = None) -> np.ndarray:
    """Mean over ``seeds`` of one experiment's metric in weight chunk ``chunk``; with ``rows`` (B, seeds), over
    the seeds each resample drew."""
    stacked = np.stack([per_seed[s][chunk][metric] for s in seeds], axis=1)  # (B, seeds)
    return stacked.mean(1) if rows is None else np.take_along_axis(stacked, rows, 1).mean(1)


def _no_claim(key: tuple, metric: str, budgets: list[float]) -> dict:
    """The row of an experiment whose equivalence is not claimed: it, or its baseline curve, collapsed."""
    return {
        **dict(zip(EXPERIMENT_KEYS, key)),
        "metric": metric,
        "baseline_budgets": ";".join(f"{b:g}" for b in budgets),
        "equivalent_budget": None,
        "ci_low": None,
        "ci_high": None,
        "seeds": 0,
        "collapsed": True,
    }


def label_equivalence(
    predictions: dict[tuple, dict[int, dict]], resamples: int, seed: int, collapsed=frozenset()
) -> list[dict]:
    """One row per pretrained experiment and metric whose baseline was measured at two budgets or more:
    the equivalent baseline budget (every test image, the seeds' mean) and its interval; ``collapsed``: the
    experiment keys with a collapsed seed, whose rows claim nothing (``_no_claim``)."""
    all_curves = baseline_curves(predictions)
    curves = {k: [b for b in base if b not in collapsed] for k, base in all_curves.items() if k not in collapsed}
    curves = {k: base for k, base in curves.items() if len(base) >= 2}
    out = [
        _no_claim(key, metric, [b[3] for b in base])
        for key, base in all_curves.items()
        if key not in curves
        for metric in METRICS
    ]
    needed = set(curves) | {b for base in curves.values() for b in base}
    if not needed:
        return out
    n = len(next(iter(predictions[next(iter(needed))].values()))["labels"])
    rng = np.random.default_rng(seed)
    draws = [np.ones((1, n)), *resample_counts(n, resamples, rng)]
    per_seed = {  # experiment -> seed -> the metrics of each weight chunk
        k: {s: [weighted_metrics(p["probs"], p["labels"], w) for w in draws] for s, p in predictions[k].items()}
        for k in needed
    }
    for key, base in curves.items():
        seeds = sorted(set.intersection(*(set(predictions[k]) for k in (key, *base))))
        if not seeds:
            continue
        seed_draw = rng.integers(0, len(seeds), (resamples, len(seeds)))
        budgets = [b[3] for b in base]
        for metric in METRICS:
            target = _seed_mean(per_seed[key], seeds, 0, metric)[0]
            point = equivalent_budget(budgets, [_seed_mean(per_seed[b], seeds, 0, metric)[0] for b in base], target)
            boot, start = [], 0
            for chunk in range(1, len(draws)):
                rows = seed_draw[start : start + len(draws[chunk])]
                start += len(rows)
                target = _seed_mean(per_seed[key], seeds, chunk, metric, rows)
                curve = np.stack([_seed_mean(per_seed[b], seeds, chunk, metric, rows) for b in base], axis=1)
                boot += [equivalent_budget(budgets, c, t) for c, t in zip(curve, target)]
            lo, hi = _quantiles(np.array(boot))
            out.append(
                {
                    **dict(zip(EXPERIMENT_KEYS, key)),
                    "metric": metric,
                    "baseline_budgets": ";".join(f"{b:g}" for b in budgets),
                    "equivalent_budget": point,
                    "ci_low": lo,
                    "ci_high": hi,
                    "seeds": len(seeds),
                    "collapsed": False,
                }
            )
    return out


def add_equivalence(exp_rows: list[dict], rows: list[dict]) -> None:
    """The summary's columns: per experiment and metric, the equivalent baseline budget and its interval
    (empty where there is no baseline curve, or no claim: then ``baseline_budgets`` is set and the budget empty)."""
    found = {(experiment_key(r), r["metric"]): r for r in rows}
    for e in exp_rows:
        e["baseline_budgets"] = found.get((experiment_key(e), METRICS[0]), {}).get("baseline_budgets")
        for metric in METRICS:
            r = found.get((experiment_key(e), metric), {})
            for column in ("equivalent_budget", "ci_low", "ci_high"):
                e[f"{metric}_baseline_labels" + ("" if column == "equivalent_budget" else f"_{column}")] = r.get(column)
