"""Bootstrap over test images, vectorized: each resample is a vector of multiplicities.

A resample draws n of the n test images with replacement; image i appears
w_i times. Every headline metric is a weighted statistic, so B resamples are B
rows of a (B, n) count matrix and the metrics come out of matrix products and
one sorted pass per class (AUC), not a Python loop over resamples.
"""
from __future__ import annotations

import numpy as np

from .metrics import in_top_k

HEADLINE = ("accuracy", "balanced_accuracy", "top1", "top5", "auc_macro")


def resample_counts(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """(size, n) multiplicities of ``size`` bootstrap resamples of n items."""
    idx = rng.integers(0, n, (size, n))
    offsets = (np.arange(size) * n)[:, None]
    return np.bincount((idx + offsets).ravel(), minlength=size * n).reshape(size, n).astype(np.float64)


def weighted_auc(scores: np.ndarray, positive: np.ndarray, w: np.ndarray) -> np.ndarray:
    """One-vs-rest AUC of ``scores`` for every weight row of ``w`` (ties count one half)."""
    order = np.argsort(scores, kind="stable")
    s, pos, w = scores[order], positive[order], w[:, order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])  # tie groups of equal scores
    w_neg = np.add.reduceat(w * ~pos, starts, axis=1)
    w_pos = np.add.reduceat(w * pos, starts, axis=1)
    below = np.cumsum(w_neg, axis=1) - w_neg
    num = (w_pos * (below + 0.5 * w_neg)).sum(1)
    den = w_pos.sum(1) * w_neg.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def metrics_under_weights(probs: np.ndarray, labels: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """Headline metrics for each row of weights ``w`` (B, n)."""
    n_classes = probs.shape[1]
    correct = (probs.argmax(1) == labels).astype(np.float64)
    total = w.sum(1)
    out = {"accuracy": w @ correct / total}
    out["top1"] = out["accuracy"]  # the same quantity, kept under both names
    recalls, aucs = [], []
    for c in np.unique(labels):
        member = (labels == c).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            recalls.append((w @ (correct * member)) / (w @ member))
        aucs.append(weighted_auc(probs[:, c], labels == c, w))
    out["balanced_accuracy"] = np.nanmean(np.stack(recalls), axis=0)
    out["top5"] = w @ in_top_k(probs, labels, 5).astype(np.float64) / total if n_classes > 5 else None
    out["auc_macro"] = np.nanmean(np.stack(aucs), axis=0) if len(aucs) > 1 else None
    return out


def bootstrap(probs, labels, resamples: int = 1000, seed: int = 0, chunk: int = 100):
    """Bootstrap distributions {metric: (resamples,)} of the headline metrics."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list] = {k: [] for k in HEADLINE}
    for start in range(0, resamples, chunk):
        w = resample_counts(len(labels), min(chunk, resamples - start), rng)
        for key, value in metrics_under_weights(probs, labels, w).items():
            parts[key].append(value)
    return {k: (np.concatenate(v) if v and v[0] is not None else None) for k, v in parts.items()}


LEVEL = 0.95  # of every bootstrap interval


def interval(values: np.ndarray | None, level: float = LEVEL) -> list[float] | None:
    if values is None:
        return None
    tail = (1 - level) / 2 * 100
    return [float(np.nanpercentile(values, tail)), float(np.nanpercentile(values, 100 - tail))]


def paired_difference(pairs, resamples: int = 1000, seed: int = 0, chunk: int = 100) -> dict:
    """Bootstrap of mean(metric(A) - metric(B)) over seeds, one shared resample of test images.

    ``pairs`` is a list of (probs_a, probs_b, labels) on the same test images in
    the same order (one pair per seed). Returns, per metric, the point
    difference, a 95% interval and a two-sided p-value for "no difference".
    """
    rng = np.random.default_rng(seed)
    n = len(pairs[0][2])
    diffs = {k: [] for k in ("balanced_accuracy", "auc_macro")}
    for start in range(0, resamples, chunk):
        w = resample_counts(n, min(chunk, resamples - start), rng)
        per_seed = [(metrics_under_weights(a, y, w), metrics_under_weights(b, y, w)) for a, b, y in pairs]
        for key in diffs:
            diffs[key].append(np.mean([ma[key] - mb[key] for ma, mb in per_seed], axis=0))
    ones = np.ones((1, n))  # the point estimate: every test image once
    points = [(metrics_under_weights(a, y, ones), metrics_under_weights(b, y, ones)) for a, b, y in pairs]
    out = {}
    for key, chunks in diffs.items():
        d = np.concatenate(chunks)
        point = float(np.mean([ma[key][0] - mb[key][0] for ma, mb in points]))
        p = 2 * min(np.mean(d <= 0), np.mean(d >= 0))
        out[key] = {"difference": point, "ci": interval(d), "p_value": float(min(1.0, p))}
    return out
