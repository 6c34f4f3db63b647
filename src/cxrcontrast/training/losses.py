"""Losses, from pytorch-metric-learning: triplet margin, SupCon and NT-Xent (SimCLR)."""

from __future__ import annotations

import torch
from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.losses import NTXentLoss, SupConLoss, TripletMarginLoss
from pytorch_metric_learning.reducers import MeanReducer


class TripletLoss:
    """L = max(||a-p||_2 - ||a-n||_2 + margin, 0), the mean over every triplet (zero-loss ones
    count, as in torch's TripletMarginLoss). Distances on the embeddings as they are: z is
    already unit-length, h (the authors' hard triplets) is not normalized."""

    def __init__(self, margin: float):
        self.margin = margin
        self.fn = TripletMarginLoss(
            margin=margin, distance=LpDistance(normalize_embeddings=False), reducer=MeanReducer()
        )

    def __call__(self, embeddings: torch.Tensor, labels, triplets) -> torch.Tensor:
        return self.fn(embeddings, None, indices_tuple=triplets)

    def active(self, embeddings: torch.Tensor, triplets) -> float:
        """Share of triplets still violating the margin (0: the margin holds everywhere)."""
        with torch.no_grad():
            a, p, n = (embeddings[i] for i in triplets)
            return float(((a - p).norm(dim=1) - (a - n).norm(dim=1) + self.margin > 0).float().mean())


class SupCon:
    """Supervised contrastive loss over the views of a batch (same label: positive)."""

    def __init__(self, temperature: float):
        self.fn = SupConLoss(temperature=temperature)

    def __call__(self, embeddings, labels, triplets=None) -> torch.Tensor:
        return self.fn(embeddings, labels)

    def active(self, embeddings, triplets) -> float:
        return float("nan")


class NTXent(SupCon):
    """SimCLR's NT-Xent: each view's positive is the other view of the same image."""

    def __init__(self, temperature: float):
        self.fn = NTXentLoss(temperature=temperature)
