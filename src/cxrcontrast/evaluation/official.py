"""The official MedMNIST task, scored with medmnist's own code.

For ChestMNIST: 14-label multi-label classification on the official splits (every image, no
pruning), AUC and ACC (threshold 0.5) as medmnist's ``Evaluator`` computes them; other flags use
their own task type from ``medmnist.INFO``. The published figures are MedMNIST v2's (Yang et al.,
Scientific Data 10:41, 2023, Table 3), shown only beside runs of the same task.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from ..data.source import size_suffix

MULTI_LABEL = "multi-label, binary-class"
PUBLISHED = {("chestmnist", 28): [("ResNet-18 (28)", 0.768, 0.947), ("ResNet-50 (28)", 0.769, 0.947)]}
SOURCE = "MedMNIST v2 (Yang et al., Scientific Data 10:41, 2023), Table 3"


def output_width(task: str, labels: np.ndarray) -> int:
    """Outputs of a head for the task: one per label (multi-label), else one per class."""
    if task == MULTI_LABEL:
        return labels.shape[1]
    return max(2, int(labels.max()) + 1)


def scores(logits: np.ndarray, task: str) -> np.ndarray:
    """What medmnist scores: sigmoid per label (multi-label), softmax over classes otherwise."""
    if task == MULTI_LABEL:
        return 1 / (1 + np.exp(-logits))
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def medmnist_metrics(labels: np.ndarray, y_score: np.ndarray, task: str) -> dict:
    """AUC and ACC by medmnist's own functions (the ones its Evaluator calls)."""
    from medmnist.evaluator import getACC, getAUC

    return {"auc": float(getAUC(labels, y_score, task)), "acc": float(getACC(labels, y_score, task))}


def evaluate_official(raw: str, flag: str, size: int, split: str, y_score: np.ndarray) -> dict:
    """medmnist's ``Evaluator`` on ``split`` of the file ``raw`` (read under the official name it expects)."""
    from medmnist import Evaluator

    with tempfile.TemporaryDirectory() as root:
        os.symlink(Path(raw).resolve(), Path(root) / f"{flag}{size_suffix(size)}.npz")
        metrics = Evaluator(flag, split, size=size, root=root).evaluate(y_score)
    return {"auc": float(metrics.AUC), "acc": float(metrics.ACC)}
