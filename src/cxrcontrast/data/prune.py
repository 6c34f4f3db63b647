"""Pruning to single-label images and the class naming that follows from it.

For a multi-label flag (ChestMNIST), rows with more than one positive finding
are dropped; class 0 is "Normal" (no finding) and class k+1 is finding k.
Multi-class and binary flags keep every row and their own class indices.
"""

from __future__ import annotations

import numpy as np

from ..vocabulary.tasks import MULTI_LABEL
from .medmnist_format import TaskInfo


def class_names(info: TaskInfo) -> list[str]:
    """MedMNIST's label names capitalized; a user's own classes (a folder's names) exactly as given."""
    own = info.flag is None and info.task != MULTI_LABEL
    names = list(info.label_names) if own else [n.capitalize() for n in info.label_names]
    return ["Normal", *names] if info.task == MULTI_LABEL else names


def prune_labels(labels: np.ndarray, task: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (index of kept rows, class label of each kept row), both int64.

    ``labels`` is the (N, L) label array of one split.
    """
    labels = np.asarray(labels)
    if task != MULTI_LABEL:
        return np.arange(len(labels), dtype=np.int64), labels[:, 0].astype(np.int64)
    keep = np.flatnonzero(labels.sum(axis=1) <= 1).astype(np.int64)
    kept = labels[keep]
    # argmax of an all-zero row is 0, hence the mask: Normal stays 0, finding k becomes k+1.
    classes = np.where(kept.sum(axis=1) == 0, 0, kept.argmax(axis=1) + 1).astype(np.int64)
    return keep, classes
