"""Classification metrics, each defined once, in weighted form.

A weight row w (n,) says how often each test image counts: a bootstrap resample is a
row of multiplicities, the plain metric is the row of ones. So the metrics of the test
split and of B resamples are one computation (matrix products and one sorted pass per
class for AUC, no Python loop over resamples).

Conventions: a class absent from ``labels`` (or alone in them) has an undefined
one-vs-rest AUC (None, left out of the macro mean); top-5 is not applicable (None)
with five classes or fewer, where it would be trivially 1. Top-1 is ``accuracy``.
"""

from __future__ import annotations

import numpy as np

HEADLINE = ("accuracy", "balanced_accuracy", "top5", "auc_macro")
# the paper protocol's records (metrics.json, the summary's paper_* columns) list balanced accuracy last
PAPER_ORDER = (*(k for k in HEADLINE if k != "balanced_accuracy"), "balanced_accuracy")


def in_top_k(probs: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Per image: is the true class among the k highest scores? (ties broken by class order)"""
    top = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return np.any(top == np.asarray(labels)[:, None], axis=1)


def weighted_auc(scores: np.ndarray, positive: np.ndarray, w: np.ndarray) -> np.ndarray:
    """One-vs-rest ROC AUC of ``scores`` for every weight row of ``w`` (B, n); ties count one half; NaN where
    a row has no positive or no negative weight."""
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


def weighted_metrics(probs: np.ndarray, labels: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray | None]:
    """The headline metrics (and per-class AUC, (B, classes)) for each weight row of ``w`` (B, n)."""
    labels = np.asarray(labels)
    n_classes = probs.shape[1]
    correct = (probs.argmax(1) == labels).astype(np.float64)
    total = w.sum(1)
    recalls = []
    for c in np.unique(labels):
        member = (labels == c).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            recalls.append((w @ (correct * member)) / (w @ member))
    aucs = np.stack([weighted_auc(probs[:, c], labels == c, w) for c in range(n_classes)], axis=1)
    defined = ~np.isnan(aucs)
    with np.errstate(invalid="ignore"):
        auc_macro = np.where(defined.any(1), np.nansum(aucs, 1) / np.maximum(defined.sum(1), 1), np.nan)
    return {
        "accuracy": w @ correct / total,
        "balanced_accuracy": np.nanmean(np.stack(recalls), axis=0),
        "top5": w @ in_top_k(probs, labels, 5).astype(np.float64) / total if n_classes > 5 else None,
        "auc_macro": auc_macro if n_classes > 1 else None,
        "auc_per_class": aucs,
    }


def plain(value) -> float | None:
    """A metric as metrics.json holds it: a float, None where undefined (None or NaN)."""
    return None if value is None or np.isnan(value) else float(value)


def classification_metrics(probs: np.ndarray, labels: np.ndarray) -> dict:
    """The metrics of one prediction set: every test image once."""
    from sklearn.metrics import confusion_matrix

    m = weighted_metrics(probs, labels, np.ones((1, len(labels))))
    out = {k: plain(None if m[k] is None else m[k][0]) for k in HEADLINE}
    out["auc_per_class"] = [plain(a) for a in m["auc_per_class"][0]]
    out["confusion"] = confusion_matrix(labels, probs.argmax(1), labels=range(probs.shape[1])).tolist()
    return out
