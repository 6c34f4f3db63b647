"""Miners: which (anchor, positive, negative) rows of a batch's embeddings the triplet loss sees."""

from __future__ import annotations

import torch


class GivenTriplets:
    """The sampler's own triplets: rows [0,B) anchors, [B,2B) positives, [2B,3B) negatives."""

    def __call__(self, embeddings: torch.Tensor, labels) -> tuple[torch.Tensor, ...]:
        b = len(embeddings) // 3
        return tuple(torch.arange(i * b, (i + 1) * b, device=embeddings.device) for i in range(3))


class BatchHard:
    """Batch-hard mining, as ``online_triplet_loss.batch_hard_triplet_loss`` (the authors' import):
    Euclidean distances; for every anchor, the farthest image of its class other than itself
    and the closest image of another class. Every anchor yields a triplet: one without a
    positive is its own positive (distance 0, as that package's zero-masked maximum), one
    without a negative gets its farthest image (that package adds the row maximum to invalid
    entries). A mean over these triplets is that package's mean over all anchors."""

    def __call__(self, embeddings: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, ...]:
        with torch.no_grad():
            d = torch.cdist(embeddings.float(), embeddings.float())
            same = labels[:, None] == labels[None, :]
            eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
            positive = same & ~eye
            anchors = torch.arange(len(labels), device=labels.device)
            hardest_pos = torch.where(positive.any(1), d.masked_fill(~positive, -torch.inf).argmax(1), anchors)
            hardest_neg = torch.where((~same).any(1), d.masked_fill(same, torch.inf).argmin(1), d.argmax(1))
        return anchors, hardest_pos, hardest_neg
