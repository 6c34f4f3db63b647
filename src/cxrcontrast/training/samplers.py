"""Triplet samplers (and SupCon's view pairs), chosen by name, sharing one contract.

A sampler turns an epoch number and a seeded generator into batches, and one
batch into a loss. Anchors, positives and negatives of a batch go through the
encoder in a single concatenated forward pass.

    sampler = build_sampler("normal", labels, batch_size=32, margin=0.3)
    for batch in sampler.batches(generator):
        loss, stats = sampler.loss(model, data, batch, generator)
"""
from __future__ import annotations

from typing import Callable, Iterator

import torch

from ..data.augment import AugmentParams, augment_batch
from ..data.balance import balanced_indices
from ..data.tensors import normalize
from ..errors import InputError
from .losses import TripletLoss, hardest_triplets, supcon_loss


def _members(labels: torch.Tensor):
    order = torch.argsort(labels, stable=True)
    counts = torch.bincount(labels)
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.empty_like(labels)
    rank[order] = torch.arange(len(labels)) - starts[labels[order]]
    return order, counts, starts, rank  # members of c: order[starts[c] : starts[c] + counts[c]]


def require_positives(labels: torch.Tensor) -> None:
    counts = torch.bincount(labels)
    thin = [c for c, k in enumerate(counts.tolist()) if k == 1]
    if thin:
        raise InputError(f"classes {thin} have a single training image; triplets need at least two per class")


class RandomTriplets:
    """``normal``: class-balanced anchors, a random positive of the same class (not
    itself) and a random negative from another class, redrawn every epoch.
    ``picking: round_robin`` reproduces the authors' deterministic cycling instead."""

    def __init__(self, labels, batch_size: int, margin: float, picking: str = "random", **_):
        self.labels = torch.as_tensor(labels, dtype=torch.long).cpu()
        require_positives(self.labels)
        self.batch_size, self.loss_fn, self.picking = batch_size, TripletLoss(margin), picking
        self.order, self.counts, self.starts, self.rank = _members(self.labels)
        self.present = torch.nonzero(self.counts).squeeze(1)
        if len(self.present) < 2:
            raise InputError("triplets need at least two classes in the training set")

    def triplets(self, g: torch.Generator, epoch: int = 0):
        n = len(self.labels)
        anchors = balanced_indices(self.labels, n, g)
        cls = self.labels[anchors]
        count, start, rank = self.counts[cls], self.starts[cls], self.rank[anchors]
        if self.picking == "round_robin":
            step = 1 + epoch % (count - 1).clamp(min=1)
            pos_rank = (rank + step) % count
            shift = 1 + epoch % (len(self.present) - 1)
            slot = (torch.searchsorted(self.present, cls) + shift) % len(self.present)
            neg_cls = self.present[slot]
            neg_rank = rank % self.counts[neg_cls]
        else:
            r = (torch.rand(n, generator=g) * (count - 1)).long()
            pos_rank = r + (r >= rank).long()  # skip the anchor itself
            k = len(self.present)
            other = (torch.rand(n, generator=g) * (k - 1)).long()
            own = torch.searchsorted(self.present, cls)
            neg_cls = self.present[other + (other >= own).long()]
            neg_rank = (torch.rand(n, generator=g) * self.counts[neg_cls]).long()
        positives = self.order[start + pos_rank]
        negatives = self.order[self.starts[neg_cls] + neg_rank]
        return anchors, positives, negatives

    def batches(self, g: torch.Generator, epoch: int = 0) -> Iterator[tuple[torch.Tensor, ...]]:
        a, p, n = self.triplets(g, epoch)
        for s in range(0, len(a), self.batch_size):
            yield a[s : s + self.batch_size], p[s : s + self.batch_size], n[s : s + self.batch_size]

    def inputs(self, data, batch, g, device):
        return data.batch(torch.cat(batch), device)

    def loss(self, model, data, batch, g, device=None):
        z = model(self.inputs(data, batch, g, device))
        b = len(batch[0])
        triplets = tuple(torch.arange(i * b, (i + 1) * b, device=z.device) for i in range(3))
        return self.loss_fn(z, triplets), {"images": 3 * b, "active": self.loss_fn.active_fraction(z, triplets)}


class AugmentedTriplets(RandomTriplets):
    """``augmented``: as ``normal``, but the positive is an augmented view of the anchor,
    made by the data stage's batched augmentation before normalization."""

    def __init__(self, labels, batch_size: int, margin: float, augment: dict | None = None, **kw):
        super().__init__(labels, batch_size, margin, **kw)
        self.augment = AugmentParams.from_config(augment or {})

    def inputs(self, data, batch, g, device):
        a, _, n = batch
        anchors = data.unit(a, device)
        views = augment_batch(anchors, self.augment, g)
        return normalize(torch.cat([anchors, views, data.unit(n, device)]))


class HardBatches:
    """``hard``: class-balanced P x K batches (P classes, K images each, as
    pytorch-metric-learning's MPerClassSampler, but drawn from our seeded generator),
    then batch-hard mining: every anchor's farthest positive and closest negative."""

    def __init__(self, labels, batch_size: int, margin: float, images_per_class: int = 4, **_):
        self.labels = torch.as_tensor(labels, dtype=torch.long).cpu()
        require_positives(self.labels)
        if batch_size % images_per_class or batch_size // images_per_class < 2:
            raise InputError(
                f"pretrain.hard: batch_size {batch_size} must be a multiple of images_per_class "
                f"{images_per_class} covering at least two classes"
            )
        self.k, self.p, self.loss_fn = images_per_class, batch_size // images_per_class, TripletLoss(margin)
        self.order, self.counts, self.starts, _ = _members(self.labels)
        self.present = torch.nonzero(self.counts).squeeze(1)
        self.p = min(self.p, len(self.present))

    def batches(self, g: torch.Generator, epoch: int = 0):
        n = len(self.labels)
        # Each class's members in a fresh random order once per epoch (sorting label + U[0,1) groups by
        # class, shuffled within); a batch takes each chosen class's next K, cycling. Per batch that is
        # O(P x K), where drawing ranks over the largest class cost 4.4 ms per batch at full size.
        shuffled = torch.argsort(self.labels.double() + torch.rand(n, generator=g, dtype=torch.float64))
        cursor = torch.zeros_like(self.counts)
        for _ in range(max(1, n // (self.p * self.k))):
            classes = self.present[torch.randperm(len(self.present), generator=g)[: self.p]]
            # K distinct images where the class has them, repeats only in classes smaller than K
            ranks = (cursor[classes, None] + torch.arange(self.k)) % self.counts[classes, None]
            cursor[classes] += self.k
            yield shuffled[self.starts[classes, None] + ranks].reshape(-1)

    def loss(self, model, data, batch, g, device=None):
        z = model(data.batch(batch, device))
        labels = data.labels[batch.to(data.labels.device)].to(z.device)
        triplets = hardest_triplets(z, labels)
        return self.loss_fn(z, triplets), {"images": len(batch), "active": self.loss_fn.active_fraction(z, triplets)}


class SupConViews:
    """``supcon`` (beyond the paper): SupConLoss over two augmented views of
    class-balanced batches, same encoder and projection head as the triplets."""

    def __init__(self, labels, batch_size: int, temperature: float = 0.1, augment: dict | None = None, **_):
        self.labels = torch.as_tensor(labels, dtype=torch.long).cpu()
        self.batch_size, self.loss_fn = batch_size, supcon_loss(temperature)
        self.augment = AugmentParams.from_config(augment or {})

    def batches(self, g: torch.Generator, epoch: int = 0):
        idx = balanced_indices(self.labels, len(self.labels), g)
        yield from idx.split(self.batch_size)

    def loss(self, model, data, batch, g, device=None):
        x = data.unit(batch, device)
        views = torch.cat([augment_batch(x, self.augment, g), augment_batch(x, self.augment, g)])
        z = model(normalize(views))
        labels = self.labels[batch].repeat(2).to(z.device)
        return self.loss_fn(z, labels), {"images": len(views), "active": float("nan")}


SAMPLERS: dict[str, Callable] = {
    "normal": RandomTriplets,
    "augmented": AugmentedTriplets,
    "hard": HardBatches,
    "supcon": SupConViews,
}


def build_sampler(name: str, labels, **cfg):
    if name not in SAMPLERS:
        raise InputError(f"pretrain sampler: unknown name {name!r}; expected one of {sorted(SAMPLERS)}")
    return SAMPLERS[name](labels, **cfg)
