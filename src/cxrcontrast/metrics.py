"""Classification metrics computed from labels and scores (numpy or torch)."""
from __future__ import annotations

import numpy as np


def accuracy(labels, predicted) -> float:
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    return float(np.mean(labels == predicted))


def balanced_accuracy(labels, predicted) -> float:
    """Mean recall over the classes present in ``labels``."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    recalls = [np.mean(predicted[labels == c] == c) for c in np.unique(labels)]
    return float(np.mean(recalls))
