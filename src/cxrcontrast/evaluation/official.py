"""The official MedMNIST task, scored with medmnist's own code.

For ChestMNIST: 14-label multi-label classification on the official splits (every image, no
pruning), AUC and ACC (threshold 0.5) as medmnist's ``Evaluator`` computes them; other flags use
their own task type from ``medmnist.INFO``. The published figures of the task are in ``published``.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ..data.medmnist_format import label_matrix, size_suffix
from ..errors import InputError
from ..vocabulary.tasks import MULTI_LABEL


def output_width(task: str, n_labels: int) -> int:
    """Outputs of a head for the task: one per label (multi-label), else one per class (at least two)."""
    return n_labels if task == MULTI_LABEL else max(2, n_labels)


def scores(logits: np.ndarray, task: str) -> np.ndarray:
    """What medmnist scores: sigmoid per label (multi-label), softmax over classes otherwise."""
    if task == MULTI_LABEL:
        return 1 / (1 + np.exp(-logits))
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def defined_auc(labels: np.ndarray, y_score: np.ndarray, task: str) -> float:
    """medmnist's AUC over the labels (or classes) where it is defined: a label with no positive (or no
    negative) in the split has none, and medmnist's own function then fails for the whole split."""
    from sklearn.metrics import roc_auc_score

    y = labels.reshape(len(labels), -1)
    columns = (
        [y[:, i] for i in range(y.shape[1])]
        if task == MULTI_LABEL
        else [(y[:, 0] == c).astype(int) for c in range(y_score.shape[1])]
    )
    aucs = [roc_auc_score(t, y_score[:, i]) for i, t in enumerate(columns) if 0 < t.sum() < len(t)]
    return float(np.mean(aucs)) if aucs else float("nan")


def medmnist_metrics(labels: np.ndarray, y_score: np.ndarray, task: str) -> dict:
    """AUC and ACC by medmnist's own functions (the ones its Evaluator calls); where medmnist's AUC is
    undefined (a label without positives), the mean over the labels that have one, said in ``note``."""
    from medmnist.evaluator import getACC, getAUC

    out = {"acc": float(getACC(labels, y_score, task))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns (or raises) where a label has one class only
        try:
            out["auc"] = float(getAUC(labels, y_score, task))
        except ValueError:
            out["auc"] = float("nan")
    if not np.isfinite(out["auc"]):
        out["auc"] = defined_auc(labels, y_score, task)
        out["note"] = "medmnist's AUC is undefined here (a label without positives): mean over the defined labels"
    return out


def evaluate_official(raw: str, flag: str, size: int, split: str, y_score: np.ndarray, labels: np.ndarray) -> dict:
    """medmnist's ``Evaluator`` on ``split`` of the file ``raw`` (read under the official name it expects);
    as ``medmnist_metrics`` where its AUC is undefined. ``labels``: those of the rows scored, which must be
    the rows of ``raw``'s split, in order."""
    from medmnist import Evaluator

    with tempfile.TemporaryDirectory() as root:
        os.symlink(Path(raw).resolve(), Path(root) / f"{flag}{size_suffix(size)}.npz")
        evaluator = Evaluator(flag, split, size=size, root=root)
        # the Evaluator reads raw itself: its labels take the shape the source gives every other reader
        evaluator.labels = label_matrix(evaluator.labels)
        if not np.array_equal(evaluator.labels, labels):
            raise InputError(
                f"{raw}: the labels of its {split} split are not those of the {len(labels)} rows scored, in order"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn warns (or raises) where a label has one class only
            try:
                metrics = evaluator.evaluate(y_score)
                result = {"auc": float(metrics.AUC), "acc": float(metrics.ACC)}
            except ValueError:
                result = {"auc": float("nan")}
    if not np.isfinite(result["auc"]):
        return medmnist_metrics(evaluator.labels, y_score, evaluator.info["task"])
    return result
