"""What a classifier trains on, by source: the images as stored, images whose marked rows are augmented
anew on every access, or the cached features of a frozen encoder.

A source prepares the model for its device and fast paths, says which parameters train (``head_only``)
and whether the encoder stays in eval mode (``encoder_eval``: BatchNorm's running statistics must not
drift), and gives the model's outputs on training rows and on the validation split.
"""

from __future__ import annotations

import torch

from ..data.augment import AugmentParams, augment_batch
from ..data.images import InMemoryImages
from ..data.tensors import normalize
from ..evaluation.inference import encode, map_rows
from ..models import Classifier
from .accel import Accel


class Images:
    """The model runs on each batch's images as stored; ``frozen``: (``head_only``, ``encoder_eval``)."""

    def __init__(self, model: Classifier, train: InMemoryImages, val: InMemoryImages, device, accel: Accel, *frozen):
        head_only, encoder_eval = frozen or (False, False)
        self.model, self.train, self.val, self.device = model.to(device), train, val, device
        self.head_only, self.encoder_eval = head_only, encoder_eval
        self.forward = accel.prepare(model, device)  # before encoding: the cached features' pass has its layout
        if self.head_only:
            model.encoder.requires_grad_(False)

    def inputs(self, idx: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return self.train.batch(idx, self.device)

    def outputs(self, idx: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return self.forward(self.inputs(idx, g))

    def val_outputs(self) -> torch.Tensor:
        return map_rows(lambda part: self.model(self.val.batch(part, self.device)), len(self.val))


class AugmentedOnAccess(Images):
    """Rows marked in ``redrawn`` are augmented anew on every access (the authors' doubled set, a dataset
    with a random transform, drawing from the epoch's generator); the others are as stored."""

    def __init__(self, *args, redrawn: torch.Tensor, augment: AugmentParams):
        super().__init__(*args)
        self.redrawn, self.augment = redrawn, augment

    def inputs(self, idx: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        x = self.train.unit(idx, self.device)
        mask = self.redrawn[idx].to(x.device)
        if mask.any():
            x[mask] = augment_batch(x[mask], self.augment, g)
        return normalize(x)


class CachedFeatures(Images):
    """A frozen encoder with frozen BatchNorm on fixed inputs is a fixed function: each split is encoded
    once, and the head trains on the features."""

    def __init__(self, *args):
        super().__init__(*args, True, True)
        self.train_features = encode(self.model.encoder, self.train, self.device)
        self.val_features = encode(self.model.encoder, self.val, self.device)

    def outputs(self, idx: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return self.model.head(self.train_features[idx.to(self.train_features.device)])

    def val_outputs(self) -> torch.Tensor:
        return map_rows(lambda part: self.model.head(self.val_features[part]), len(self.val))


def feature_source(model, train, val, device, accel, freeze_encoder: bool, freeze_batchnorm: bool, on_access=None):
    """The source a run trains on; ``on_access``: (redrawn rows, augmentation) of a set augmented anew."""
    frozen = (freeze_encoder, freeze_encoder and freeze_batchnorm)
    if on_access is not None:
        return AugmentedOnAccess(model, train, val, device, accel, *frozen, redrawn=on_access[0], augment=on_access[1])
    if frozen[1]:
        return CachedFeatures(model, train, val, device, accel)
    return Images(model, train, val, device, accel, *frozen)
