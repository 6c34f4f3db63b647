"""A collapsed classifier: one whose numbers say nothing about what it learned.

A classifier is collapsed when either
  1. its test predictions (the top class of each test image) are a single class, or
  2. its balanced accuracy on the whole validation split (the mean over the classes present in its labels of the
     recall of each) is not above chance, 1 / (number of classes present there). Every val image, whatever the
     label budget: this is a diagnosis, not a selection, and a 1% budget's ~7 val images would judge by noise.
A model at chance differs from its baseline by noise only, and one that predicts a single class loses nothing
to a corrupted image: its comparisons, robustness and ranks would be claims about nothing, so the summary marks
it and makes none.
"""

from __future__ import annotations

import numpy as np

from .metrics import classification_metrics

# a constant predictor scores exactly 1/k; float round-off must not lift it above chance
_TOLERANCE = 1e-12


def collapse_of(test_probs: np.ndarray, val_probs: np.ndarray, val_labels: np.ndarray, names: list[str]) -> dict:
    """metrics.json's ``collapsed`` (bool) and ``collapsed_reason`` (None, or why, in one line; ``names``: the
    class names), with the validation balanced accuracy and its chance level the criterion compared."""
    predicted = np.unique(np.asarray(test_probs).argmax(1))
    val_score = classification_metrics(np.asarray(val_probs), np.asarray(val_labels))["balanced_accuracy"]
    chance = 1 / len(np.unique(val_labels))
    reasons = []
    if len(predicted) == 1:
        reasons.append(f"predicts one class ({names[int(predicted[0])]}) for every test image")
    if val_score <= chance + _TOLERANCE:
        reasons.append(f"val balanced accuracy {val_score:.1%} is not above chance ({chance:.1%})")
    return {
        "collapsed": bool(reasons),
        "collapsed_reason": "; ".join(reasons) or None,
        "val_balanced_accuracy": val_score,
        "val_chance": chance,
    }
