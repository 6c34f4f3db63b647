"""Bootstrap over test images: each resample is a row of multiplicities for ``weighted_metrics``."""

from __future__ import annotations

import numpy as np

from .metrics import HEADLINE, weighted_metrics

LEVEL = 0.95  # of every bootstrap interval


def resample_counts(n: int, resamples: int, rng: np.random.Generator, chunk: int = 100):
    """The multiplicities of ``resamples`` bootstrap resamples of n items, in (chunk, n) arrays (the last smaller)."""
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        idx = rng.integers(0, n, (size, n)) + (np.arange(size) * n)[:, None]
        yield np.bincount(idx.ravel(), minlength=size * n).reshape(size, n).astype(np.float64)


def bootstrap(probs, labels, resamples: int = 1000, seed: int = 0, chunk: int = 100, extra: dict | None = None):
    """Bootstrap distributions {metric: (resamples,)} of the headline metrics (None where not applicable) and of
    ``extra`` ({name: f(w) -> (B,)}, further metrics of the same resamples)."""
    chunks = resample_counts(len(labels), resamples, np.random.default_rng(seed), chunk)
    return distributions(probs, labels, chunks, HEADLINE, extra)


def distributions(probs, labels, weight_chunks, keys, extra: dict | None = None) -> dict:
    """{metric: (rows,)} of ``keys`` (of ``weighted_metrics``) and of ``extra`` ({name: f(w)}) over every row of
    the weight chunks (each (B, n)); None for a metric not applicable."""
    extra = extra or {}
    parts: dict[str, list] = {k: [] for k in (*keys, *extra)}
    for w in weight_chunks:
        m = weighted_metrics(probs, labels, w)
        for key in keys:
            parts[key].append(m[key])
        for key, metric in extra.items():
            parts[key].append(metric(w))
    return {k: (np.concatenate(v) if v[0] is not None else None) for k, v in parts.items()}


def interval(values: np.ndarray | None) -> list[float] | None:
    if values is None:
        return None
    tail = (1 - LEVEL) / 2 * 100
    return [float(np.nanpercentile(values, tail)), float(np.nanpercentile(values, 100 - tail))]


def paired_difference(pairs, resamples: int = 1000, seed: int = 0, metrics=("balanced_accuracy", "auc_macro")) -> dict:
    """Bootstrap of mean(metric(A) - metric(B)) over seeds, one shared resample of test images.

    ``pairs`` is a list of (probs_a, probs_b, labels) on the same test images in the same
    order (one pair per seed). Returns, per metric, the point difference (every image
    once), a 95% interval and a two-sided p-value for "no difference" (``two_sided_p``).
    """
    n = len(pairs[0][2])

    def mean_difference(w):
        per_seed = [(weighted_metrics(a, y, w), weighted_metrics(b, y, w)) for a, b, y in pairs]
        return {k: np.mean([ma[k] - mb[k] for ma, mb in per_seed], axis=0) for k in metrics}

    draws = [mean_difference(w) for w in resample_counts(n, resamples, np.random.default_rng(seed))]
    point = mean_difference(np.ones((1, n)))
    out = {}
    for key in metrics:
        d = np.concatenate([c[key] for c in draws])
        out[key] = {"difference": float(point[key][0]), "ci": interval(d), "p_value": two_sided_p(d)}
    return out


def two_sided_p(differences: np.ndarray) -> float:
    """The bootstrap p-value of "no difference": twice the smaller tail at 0, each tail counted as (k + 1) / (B + 1)
    (Davison & Hinkley 1997, eq. 4.11) so that B resamples never claim p = 0: with no resample across 0 it is
    2 / (B + 1), the smallest p these resamples can show."""
    b = len(differences)
    tail = min(np.sum(differences <= 0), np.sum(differences >= 0))
    return float(min(1.0, 2 * (tail + 1) / (b + 1)))
