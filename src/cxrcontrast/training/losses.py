"""Contrastive objectives, through pytorch-metric-learning.

Triplet loss L = max(||a-p||_2 - ||a-n||_2 + margin, 0), averaged over all
triplets (MeanReducer: zero-loss triplets count, as in torch's TripletMarginLoss).
"""
from __future__ import annotations

import torch
from pytorch_metric_learning.losses import SupConLoss, TripletMarginLoss
from pytorch_metric_learning.miners import BatchHardMiner
from pytorch_metric_learning.reducers import MeanReducer


class TripletLoss:
    def __init__(self, margin: float):
        self.margin = margin
        self.fn = TripletMarginLoss(margin=margin, reducer=MeanReducer())

    def __call__(self, embeddings: torch.Tensor, triplets: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.fn(embeddings, None, indices_tuple=triplets)

    def active_fraction(self, embeddings: torch.Tensor, triplets) -> float:
        """Share of triplets still violating the margin (0 means the margin is satisfied everywhere)."""
        with torch.no_grad():
            a, p, n = (embeddings[i] for i in triplets)
            violation = (a - p).norm(dim=1) - (a - n).norm(dim=1) + self.margin
            return float((violation > 0).float().mean())


_BATCH_HARD = BatchHardMiner()


def hardest_triplets(embeddings: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Batch-hard mining: for each anchor, its farthest positive and closest negative."""
    return _BATCH_HARD(embeddings, labels)


def supcon_loss(temperature: float):
    return SupConLoss(temperature=temperature)
