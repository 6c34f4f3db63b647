"""Classification metrics from labels and class probabilities.

Conventions: a class absent from ``labels`` has an undefined one-vs-rest AUC
(``None``, left out of the macro mean); top-5 is not applicable (``None``) with
five classes or fewer, where it would be trivially 1.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, roc_auc_score


def accuracy(labels, predicted) -> float:
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    return float(np.mean(labels == predicted))


def balanced_accuracy(labels, predicted) -> float:
    """Mean recall over the classes present in ``labels``."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    recalls = [np.mean(predicted[labels == c] == c) for c in np.unique(labels)]
    return float(np.mean(recalls))


def in_top_k(probs: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Per image: is the true class among the k highest scores? (ties broken by class order)"""
    top = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return np.any(top == np.asarray(labels)[:, None], axis=1)


def top_k(probs, labels, k: int) -> float | None:
    if probs.shape[1] <= k and k > 1:
        return None
    return float(np.mean(in_top_k(probs, labels, k)))


def per_class_auc(probs: np.ndarray, labels: np.ndarray) -> list[float | None]:
    out = []
    for c in range(probs.shape[1]):
        positive = np.asarray(labels) == c
        if positive.all() or not positive.any():
            out.append(None)  # undefined: a class absent (or alone) in this split
        else:
            out.append(float(roc_auc_score(positive, probs[:, c])))
    return out


def macro(values) -> float | None:
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def classification_metrics(probs: np.ndarray, labels: np.ndarray) -> dict:
    """Headline metrics of one prediction set."""
    predicted = probs.argmax(1)
    aucs = per_class_auc(probs, labels)
    return {
        "accuracy": accuracy(labels, predicted),
        "balanced_accuracy": balanced_accuracy(labels, predicted),
        "top1": top_k(probs, labels, 1),
        "top5": top_k(probs, labels, 5),
        "auc_macro": macro(aucs),
        "auc_per_class": aucs,
        "confusion": confusion_matrix(labels, predicted, labels=range(probs.shape[1])).tolist(),
    }
