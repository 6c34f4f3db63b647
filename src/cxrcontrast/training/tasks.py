"""What a classification loop optimizes and selects on: the paper's single-label task, or MedMNIST's own."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from ..data.balance import balanced_indices
from ..evaluation.metrics import classification_metrics
from ..evaluation.official import medmnist_metrics, scores
from ..vocabulary.tasks import MULTI_LABEL


class SingleLabel:
    """One class per image: class-balanced draws (with replacement), cross-entropy, validation accuracy and
    balanced accuracy."""

    select = {"balanced_accuracy": 1, "accuracy": 1, "loss": -1}  # validation metrics by sign: larger is better

    def order(self, labels: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return balanced_indices(labels, len(labels), g)

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(out, y)

    def correct(self, out: torch.Tensor, y: torch.Tensor) -> float:
        return (out.argmax(1) == y).sum().item()

    def validate(self, out: torch.Tensor, y: torch.Tensor) -> dict:
        m = classification_metrics(out.float().softmax(1).cpu().numpy(), y.cpu().numpy())
        return {
            "loss": F.cross_entropy(out, y).item(),
            "accuracy": m["accuracy"],
            "balanced_accuracy": m["balanced_accuracy"],
        }


class MedMNISTTask:
    """A MedMNIST task as published: every image once per epoch (shuffled); binary cross-entropy over
    sigmoid outputs for multi-label flags, cross-entropy otherwise; validation AUC and ACC by medmnist."""

    select = {"auc": 1, "acc": 1, "loss": -1}

    def __init__(self, task: str):
        self.task = task

    def order(self, labels: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return torch.randperm(len(labels), generator=g)

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.task == MULTI_LABEL:
            return F.binary_cross_entropy_with_logits(out, y.float())
        return F.cross_entropy(out, y.reshape(-1))

    def correct(self, out, y):
        return None

    def validate(self, out: torch.Tensor, y: torch.Tensor) -> dict:
        m = medmnist_metrics(y.cpu().numpy(), scores(out.float().cpu().numpy(), self.task), self.task)
        return {"loss": self.loss(out, y).item(), **m}
