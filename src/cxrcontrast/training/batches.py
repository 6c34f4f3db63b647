"""Batch samplers: which images each pretraining batch holds, per epoch, from a seeded generator.

Triplet samplers yield ``TripletIndices`` (anchor, positive, negative index tensors); the
others yield one index tensor. Every sampler is a function of (labels, epoch, generator),
so a resumed epoch draws what an unbroken run draws.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import torch

from ..data.balance import balanced_indices
from ..errors import InputError
from ..vocabulary.objectives import pk_batch_error


class TripletIndices(NamedTuple):
    anchors: torch.Tensor
    positives: torch.Tensor
    negatives: torch.Tensor


def class_members(labels: torch.Tensor):
    """(order, counts, starts, rank, present): members of class c are ``order[starts[c] : starts[c] + counts[c]]``
    in index order, ``rank[i]`` is image i's place among its class's members, ``present`` the classes with images."""
    order = torch.argsort(labels, stable=True)
    counts = torch.bincount(labels)
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.empty_like(labels)
    rank[order] = torch.arange(len(labels)) - starts[labels[order]]
    return order, counts, starts, rank, torch.nonzero(counts).squeeze(1)


def class_labels(labels, need_pairs: bool) -> torch.Tensor:
    """1-D class labels; with ``need_pairs``, every present class has two images and there are two classes."""
    labels = torch.as_tensor(labels, dtype=torch.long).cpu()
    if labels.ndim != 1:
        raise InputError(f"class labels of shape {tuple(labels.shape)}; this sampler needs one class per image")
    if need_pairs:
        counts = torch.bincount(labels)
        thin = [c for c, k in enumerate(counts.tolist()) if k == 1]
        if thin:
            raise InputError(f"classes {thin} have a single training image; triplets need at least two per class")
        if int((counts > 0).sum()) < 2:
            raise InputError("triplets need at least two classes in the training set")
    return labels


class RandomTriplets:
    """``batches: random`` (the paper's text, random picking): class-balanced anchors drawn with
    replacement, a random positive of the same class (never the anchor itself) and a random
    negative from another class, redrawn every epoch."""

    def __init__(self, labels, batch_size: int):
        self.labels, self.batch_size = class_labels(labels, need_pairs=True), batch_size
        self.order, self.counts, self.starts, self.rank, self.present = class_members(self.labels)

    def triplets(self, g: torch.Generator, epoch: int) -> TripletIndices:
        n = len(self.labels)
        anchors = balanced_indices(self.labels, n, g)
        cls = self.labels[anchors]
        count, rank = self.counts[cls], self.rank[anchors]
        r = (torch.rand(n, generator=g) * (count - 1)).long()
        positives = self.order[self.starts[cls] + r + (r >= rank).long()]  # skip the anchor itself
        other = (torch.rand(n, generator=g) * (len(self.present) - 1)).long()
        own = torch.searchsorted(self.present, cls)
        neg_cls = self.present[other + (other >= own).long()]
        negatives = self.order[self.starts[neg_cls] + (torch.rand(n, generator=g) * self.counts[neg_cls]).long()]
        return TripletIndices(anchors, positives, negatives)

    def batches(self, g: torch.Generator, epoch: int) -> Iterator[TripletIndices]:
        for parts in zip(*(x.split(self.batch_size) for x in self.triplets(g, epoch))):
            yield TripletIndices(*parts)


class RoundRobinTriplets(RandomTriplets):
    """``batches: round_robin``, the authors' code (data_loading.py: Triplets, updateTriplet,
    get_triplet): every training image is an anchor once per epoch, in a shuffled order
    (DataLoader shuffle=True); each class keeps two cycles made once, before the first
    epoch: over its own images in index order (the anchor itself included) for positives,
    and over every image of the other classes in index order for negatives. Each anchor
    takes the next element of both cycles of its class, and the cycles carry on across
    epochs: after e epochs class c has advanced e * count(c) places in each."""

    def triplets(self, g: torch.Generator, epoch: int) -> TripletIndices:
        n = len(self.labels)
        anchors = torch.randperm(n, generator=g)
        cls = self.labels[anchors]
        # k-th anchor of its class in this epoch's order
        turn = torch.empty_like(anchors)
        by_class = torch.argsort(cls, stable=True)
        turn[by_class] = torch.arange(n) - self.starts[cls[by_class]]
        count = self.counts[cls]
        advanced = (epoch - 1) * count + turn  # places each cycle moved before this anchor
        positives = self.order[self.starts[cls] + advanced % count]
        place = advanced % (n - count)  # the negative cycle: every image not of the anchor's class
        negatives = torch.empty_like(anchors)
        for c in torch.unique(cls).tolist():
            sel = cls == c
            negatives[sel] = torch.nonzero(self.labels != c).squeeze(1)[place[sel]]  # index order
        return TripletIndices(anchors, positives, negatives)


class PKBatches:
    """``batches: pk``: class-balanced P x K batches (P classes, K images each, as
    pytorch-metric-learning's MPerClassSampler, but from our seeded generator)."""

    def __init__(self, labels, batch_size: int, images_per_class: int):
        self.labels = class_labels(labels, need_pairs=True)
        if why := pk_batch_error(batch_size, images_per_class):
            raise InputError(f"P x K batches: {why}")
        _, self.counts, self.starts, _, self.present = class_members(self.labels)
        self.k, self.p = images_per_class, min(batch_size // images_per_class, len(self.present))

    def batches(self, g: torch.Generator, epoch: int) -> Iterator[torch.Tensor]:
        n = len(self.labels)
        # Each class's members in a fresh random order once per epoch (sorting label + U[0,1) groups by
        # class, shuffled within); a batch takes each chosen class's next K, cycling: O(P x K) per batch.
        shuffled = torch.argsort(self.labels.double() + torch.rand(n, generator=g, dtype=torch.float64))
        cursor = torch.zeros_like(self.counts)
        for _ in range(max(1, n // (self.p * self.k))):
            classes = self.present[torch.randperm(len(self.present), generator=g)[: self.p]]
            # K distinct images where the class has them, repeats only in classes smaller than K
            ranks = (cursor[classes, None] + torch.arange(self.k)) % self.counts[classes, None]
            cursor[classes] += self.k
            yield shuffled[self.starts[classes, None] + ranks].reshape(-1)


class NaturalBatches:
    """``batches: natural``: every image once per epoch in a shuffled order, in batches of
    ``batch_size``; the class mix is the data's (for ChestMNIST, mostly Normal)."""

    def __init__(self, labels, batch_size: int):
        self.n, self.batch_size = len(labels), batch_size

    def batches(self, g: torch.Generator, epoch: int) -> Iterator[torch.Tensor]:
        yield from torch.randperm(self.n, generator=g).split(self.batch_size)


class BalancedBatches:
    """``batches: balanced``: class-balanced draws with replacement, as many as there are images."""

    def __init__(self, labels, batch_size: int):
        self.labels, self.batch_size = class_labels(labels, need_pairs=False), batch_size

    def batches(self, g: torch.Generator, epoch: int) -> Iterator[torch.Tensor]:
        yield from balanced_indices(self.labels, len(self.labels), g).split(self.batch_size)


def multi_hot_labels(labels) -> torch.Tensor:
    """(N, findings) 0/1 labels as long, or one line: the multi-label objectives read the unpruned split's
    multi-hot labels, not the pruned split's one class per image."""
    labels = torch.as_tensor(labels).cpu()
    if labels.ndim != 2 or not bool(((labels == 0) | (labels == 1)).all()):
        raise InputError(
            f"labels of shape {tuple(labels.shape)} (values {labels.unique()[:5].tolist()}...); the multi-label "
            "objectives need multi-hot (N, findings) labels of 0/1, as the unpruned split of ChestMNIST has"
        )
    return labels.long()


class LabelBalancedBatches:
    """``batches: label_balanced``: each draw picks a finding uniformly among those present ("no finding",
    the rows of zeros, is one more group), then an image holding it uniformly; as many draws per epoch as
    there are images, with replacement. A rare finding is drawn as often as a common one, so its images
    likely meet another of theirs in a batch (a positive); an image of several findings is reachable
    through each."""

    def __init__(self, labels, batch_size: int):
        labels = multi_hot_labels(labels)
        groups = torch.cat([labels, (labels.sum(1, keepdim=True) == 0).long()], dim=1)  # last: no finding
        finding, self.members = torch.nonzero(groups.T, as_tuple=True)  # members grouped by finding
        self.counts = torch.bincount(finding, minlength=groups.shape[1])
        self.starts = torch.cumsum(self.counts, 0) - self.counts
        self.present = torch.nonzero(self.counts).squeeze(1)
        self.n, self.batch_size = len(labels), batch_size

    def batches(self, g: torch.Generator, epoch: int) -> Iterator[torch.Tensor]:
        group = self.present[torch.randint(len(self.present), (self.n,), generator=g)]
        pick = (torch.rand(self.n, generator=g, dtype=torch.float64) * self.counts[group]).long()
        yield from self.members[self.starts[group] + pick].split(self.batch_size)
