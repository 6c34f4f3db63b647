"""A built objective: the batches of an epoch, and the loss of one batch (the training step)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..data.augment import AugmentParams
from ..data.images import InMemoryImages
from .objectives import Recipe, part


class Objective:
    def __init__(self, name: str, recipe: Recipe, routed: dict[str, dict], batches: str, labels, augment: dict | None):
        self.name = name
        self.sampler = part(recipe.batches[batches].ref)(labels, **routed["sampler"])
        views = part(recipe.views.ref)
        extra = {
            "augment": AugmentParams.from_config(augment) if recipe.augments else None,
            "supervised": recipe.supervised,
        }
        self.views = views(**routed["views"], **{k: v for k, v in extra.items() if k in _params(views)})
        self.miner = part(recipe.miner.ref)() if recipe.miner else None
        self.loss_fn = part(recipe.loss.ref)(**routed["loss"])
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


def _params(cls) -> set[str]:
    import inspect

    return set(inspect.signature(cls).parameters)
