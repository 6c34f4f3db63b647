"""The official MedMNIST task, scored with medmnist's own code.

For ChestMNIST: 14-label multi-label classification on the official splits (every image, no
pruning), AUC and ACC (threshold 0.5) as medmnist's ``Evaluator`` computes them; other flags use
their own task type from ``medmnist.INFO``. The published figures of the task are in ``published``.

ACC alone does not discriminate on ChestMNIST: each finding is rare, so predicting every label negative
scores about 0.95. ``reference_scores`` gives that constant prediction's ACC beside it, and the mean average
precision over the findings, which a model that ranks no positive first cannot reach.
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

BINARY = "binary-class"  # medmnist's spelling (PneumoniaMNIST, BreastMNIST)


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


def label_columns(labels: np.ndarray, y_score: np.ndarray, task: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(0/1 truth, score) per label (multi-label), per class one-vs-rest (multi-class), or of the positive class
    (binary)."""
    y = labels.reshape(len(labels), -1)
    if task == MULTI_LABEL:
        return [(y[:, i], y_score[:, i]) for i in range(y.shape[1])]
    if task == BINARY:
        return [(y[:, 0], y_score.reshape(len(y), -1)[:, -1])]
    return [((y[:, 0] == c).astype(int), y_score[:, c]) for c in range(y_score.shape[1])]


def mean_average_precision(labels: np.ndarray, y_score: np.ndarray, task: str) -> float:
    """Mean over the labels (or classes) of sklearn's average precision, over those with a positive in the split
    (average precision is undefined without one); NaN where none has."""
    from sklearn.metrics import average_precision_score

    aps = [average_precision_score(t, s) for t, s in label_columns(labels, y_score, task) if t.sum() > 0]
    return float(np.mean(aps)) if aps else float("nan")


def constant_prediction(labels: np.ndarray, task: str, n_outputs: int) -> np.ndarray:
    """The scores of the trivial model: every label negative (multi-label), else the most frequent class."""
    if task == MULTI_LABEL:
        return np.zeros((len(labels), n_outputs))
    counts = np.bincount(labels.reshape(-1).astype(int), minlength=n_outputs)
    return np.tile(np.eye(n_outputs)[counts.argmax()], (len(labels), 1))


def reference_scores(labels: np.ndarray, y_score: np.ndarray, task: str) -> dict:
    """``map``: mean average precision over the labels; ``acc_constant``: medmnist's ACC of the constant prediction
    (``constant_prediction``) on the same labels, the floor an ACC must be read against."""
    from medmnist.evaluator import getACC

    trivial = constant_prediction(labels, task, y_score.shape[1])
    return {"map": mean_average_precision(labels, y_score, task), "acc_constant": float(getACC(labels, trivial, task))}
