"""View makers: the model inputs of one batch, one tensor per role (anchors, positives, ...).

Augmentation is the data stage's batched affine warp, applied to [0, 1] images before
normalization, with parameters drawn from the epoch's generator.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from ..data.augment import AugmentParams, augment_batch
from ..data.images import InMemoryImages
from ..data.tensors import normalize
from .batches import TripletIndices


class Views(NamedTuple):
    roles: list[torch.Tensor]  # normalized model inputs, one per role, equal batch sizes
    labels: torch.Tensor | None  # a label per row of the concatenated roles (None for triplets)


class PlainViews:
    """The images as they are: a triplet's three roles, or one batch with its class labels."""

    def __call__(self, data: InMemoryImages, batch, g, device) -> Views:
        if isinstance(batch, TripletIndices):
            return Views([data.batch(idx, device) for idx in batch], None)
        return Views([data.batch(batch, device)], data.labels[batch.to(data.labels.device)].to(device))


class AugmentedPositive:
    """The paper's augmented triplets: the positive image goes through the augmentation.

    ``positive: other`` (the paper and the authors' code): the view is of the sampled
    positive, another image of the anchor's class. ``positive: anchor``: the view is of
    the anchor itself (an instance-level positive, beyond the paper).
    """

    def __init__(self, augment: AugmentParams, positive: str, positive_wrap: bool = False):
        self.augment, self.positive, self.wrap = augment, positive, positive_wrap

    def __call__(self, data: InMemoryImages, batch: TripletIndices, g, device) -> Views:
        source = batch.positives if self.positive == "other" else batch.anchors
        x = data.unit(source, device)
        if self.wrap:
            x = to_pil_wrap(x)
        view = normalize(augment_batch(x, self.augment, g))
        return Views([data.batch(batch.anchors, device), view, data.batch(batch.negatives, device)], None)


def to_pil_wrap(unit: torch.Tensor) -> torch.Tensor:
    """The intensities the authors' augmented positive had (``positive_wrap``): their dataset returned it
    normalized, and their augmentation began with ``ToPILImage``, which turns a float tensor into bytes as
    ``x.mul(255).byte()``; the negative values (mid-grey and darker) wrap around, a sawtooth intensity map.
    Done here with that same operation, in [0, 1] again for the augmentation."""
    return normalize(unit, channels=unit.shape[1]).mul(255).byte().float() / 255


class TwoViews:
    """Two augmented views of every image (SupCon, SimCLR). Labels: the class or multi-hot row (``supervised``)
    or the image's place in the batch, so that only its own other view is a positive."""

    def __init__(self, augment: AugmentParams, supervised: bool):
        self.augment, self.supervised = augment, supervised

    def __call__(self, data: InMemoryImages, batch: torch.Tensor, g, device) -> Views:
        x = data.unit(batch, device)
        roles = [normalize(augment_batch(x, self.augment, g)) for _ in range(2)]
        ids = data.labels[batch.to(data.labels.device)] if self.supervised else torch.arange(len(batch))
        ids = ids.to(device)
        return Views(roles, torch.cat([ids, ids]))  # a label (or multi-hot row) per view
