"""An objective built from its parts (``vocabulary.objectives`` names them): the batches of an epoch, and
the loss of one batch (the training step)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

import torch

from ..data.augment import AugmentParams
from ..data.images import InMemoryImages
from ..vocabulary.objectives import OBJECTIVES, ObjectiveSpec, route
from .batches import multi_hot_labels


class Objective:
    """An objective's parts, built: ``batches`` yields an epoch's batches, ``loss`` gives one batch's loss."""

    def __init__(
        self, name: str, spec: ObjectiveSpec, routed: dict[str, dict], batches: str, labels, augment: dict | None
    ):
        self.name = name
        if spec.multi_hot:  # refused here, whichever sampler: the natural one reads no labels
            labels = multi_hot_labels(labels)
        self.sampler = part(spec.batches[batches].ref)(labels, **routed["sampler"])
        views = part(spec.views.ref)
        extra = {
            "augment": AugmentParams.from_config(augment) if spec.augments else None,
            "supervised": spec.supervised,
        }
        takes = inspect.signature(views).parameters
        self.views = views(**routed["views"], **{k: v for k, v in extra.items() if k in takes})
        self.miner = part(spec.miner.ref)() if spec.miner else None
        self.loss_fn = part(spec.loss.ref)(**routed["loss"])
        self.embedding = routed["step"].get("embedding", "z")  # objectives without the key read z
        self.forward_mode = routed["step"].get("forward", "joint")

    def batches(self, g: torch.Generator, epoch: int):
        return self.sampler.batches(g, epoch)

    def loss(self, forward: Callable, data: InMemoryImages, batch, g: torch.Generator, device=None):
        """(loss, stats) of one batch; ``forward`` maps model input to (h, z)."""
        views = self.views(data, batch, g, device)
        if self.forward_mode == "joint":  # one forward pass: BatchNorm sees every role together
            h, z = forward(torch.cat(views.roles))
        else:  # the authors' three passes: BatchNorm statistics per role
            outs = [forward(x) for x in views.roles]
            h, z = (torch.cat([o[i] for o in outs]) for i in (0, 1))
        emb = h if self.embedding == "h" else z
        triplets = self.miner(emb, views.labels) if self.miner else None
        loss = self.loss_fn(emb, views.labels, triplets)
        return loss, {"images": len(emb), "active": self.loss_fn.active(emb, triplets)}


def part(ref: str) -> type:
    """The class a registry entry names (imported on use: torch loads only in jobs)."""
    module, name = ref.split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def build_objective(name: str, block: dict, labels, augment: dict | None = None) -> Objective:
    """``build_objective("hard", config["pretrain"]["hard"], labels)``; ``augment``: the augment block."""
    return Objective(name, OBJECTIVES[name], route(name, block), block["batches"], labels, augment)
