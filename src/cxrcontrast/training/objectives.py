"""Pretraining objectives, each a named combination of parts, as pytorch-metric-learning builds them.

    batch sampler (which images) + view maker (what the model sees) + miner (which triplets)
    + loss (what is minimized)

This module is the one registry. It names the parts ("module:Class" in this package) rather
than importing them, so the workflow reads it at parse time without loading torch.

An objective's config block (``pretrain.<name>``) is routed key by key: ``batches`` picks the
sampler, the other keys go to the part whose constructor takes them (``margin`` and
``temperature`` to the loss, ``images_per_class`` to the sampler, ``positive`` to the view
maker), ``epochs``/``batch_size``/``lr``/``momentum``/``weight_decay`` to SGD, ``embedding``
and ``forward`` to the training step, ``images`` to the workflow (which training file). A key
that no part takes is an error, never silently dropped.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..errors import InputError
from .optim import OPTIM_KEYS


@dataclass(frozen=True)
class Part:
    """A part by name ("module:Class" in cxrcontrast.training) and the config keys its constructor takes."""

    ref: str
    keys: tuple[str, ...] = ()


TRIPLET_BATCHES = {
    "random": Part("batches:RandomTriplets", ("batch_size",)),
    "round_robin": Part("batches:RoundRobinTriplets", ("batch_size",)),
}
TRIPLET = Part("losses:Triplet", ("margin",))


@dataclass(frozen=True)
class Recipe:
    batches: dict[str, Part]  # value of the block's `batches` key -> batch sampler
    views: Part
    miner: Part | None
    loss: Part
    augments: bool  # its views go through the augmentation (so the job depends on `augment`)
    supervised: bool = True  # uses class labels (SimCLR does not)
    step_keys: tuple[str, ...] = ()  # read by the training step
    workflow_keys: tuple[str, ...] = ()  # read by the workflow
    validated_as: str | None = None  # the objective its validation loss is computed with (None: itself)


OBJECTIVES: dict[str, Recipe] = {
    "normal": Recipe(
        TRIPLET_BATCHES,
        Part("views:PlainViews"),
        Part("miners:GivenTriplets"),
        TRIPLET,
        augments=False,
        step_keys=("embedding", "forward"),
    ),
    # Validated on plain triplets, as the authors' val triplets had no transform (the paper's 0.43).
    "augmented": Recipe(
        TRIPLET_BATCHES,
        Part("views:AugmentedPositive", ("positive",)),
        Part("miners:GivenTriplets"),
        TRIPLET,
        augments=True,
        step_keys=("embedding", "forward"),
        validated_as="normal",
    ),
    "hard": Recipe(
        {
            "pk": Part("batches:PKBatches", ("batch_size", "images_per_class")),
            "natural": Part("batches:NaturalBatches", ("batch_size",)),
        },
        Part("views:PlainViews"),
        Part("miners:BatchHard"),
        TRIPLET,
        augments=False,
        step_keys=("embedding",),
    ),
    "supcon": Recipe(
        {"balanced": Part("batches:BalancedBatches", ("batch_size",))},
        Part("views:TwoViews"),
        None,
        Part("losses:SupCon", ("temperature",)),
        augments=True,
    ),
    "simclr": Recipe(
        {"natural": Part("batches:NaturalBatches", ("batch_size",))},
        Part("views:TwoViews"),
        None,
        Part("losses:NTXent", ("temperature",)),
        augments=True,
        supervised=False,
        workflow_keys=("images",),
    ),
}


def part(ref: str) -> type:
    """The class a registry entry names (imported on use: torch loads only in jobs)."""
    module, name = ref.split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def route(name: str, block: dict) -> dict[str, dict]:
    """Split a config block among the parts of objective ``name``.

    A key that no part of the objective takes is an error. A key of another ``batches`` choice
    (``images_per_class`` with ``batches: natural``) goes under "unused": the job does not read
    it, so it is not part of the job's identity either."""
    if name not in OBJECTIVES:
        raise InputError(f"pretrain: unknown objective {name!r}; expected one of {sorted(OBJECTIVES)}")
    recipe = OBJECTIVES[name]
    choice = block.get("batches")
    if choice not in recipe.batches:
        raise InputError(f"pretrain.{name}.batches: {choice!r}; expected one of {sorted(recipe.batches)}")
    parts = {"sampler": recipe.batches[choice], "views": recipe.views, "loss": recipe.loss}
    alternatives = {k for p in recipe.batches.values() for k in p.keys}
    routed: dict[str, dict] = {k: {} for k in (*parts, "optim", "step", "workflow", "unused")}
    for key, value in block.items():
        if key == "batches":
            continue
        owners = [p for p, spec in parts.items() if key in spec.keys]
        owners += ["optim"] * (key in OPTIM_KEYS) + ["step"] * (key in recipe.step_keys)
        owners += ["workflow"] * (key in recipe.workflow_keys)
        if not owners and key in alternatives:
            owners = ["unused"]
        if not owners:
            raise InputError(
                f"pretrain.{name}.{key}: not a setting of the {name} objective; remove it or check its spelling"
            )
        for owner in owners:
            routed[owner][key] = value
    return routed


def used_block(name: str, block: dict) -> dict:
    """The block with only the keys the job reads."""
    unused = route(name, block)["unused"]
    return {k: v for k, v in block.items() if k not in unused}


def validation(name: str, block: dict) -> tuple[str, dict]:
    """The objective and block the validation loss of ``name`` is computed with: its own, or the one its
    recipe names (``validated_as``), with the keys only the training views take left out."""
    other = OBJECTIVES[name].validated_as
    if other is None:
        return name, block
    return other, {k: v for k, v in block.items() if k not in OBJECTIVES[name].views.keys}


def build_objective(name: str, block: dict, labels, augment: dict | None = None):
    """``build_objective("hard", config["pretrain"]["hard"], labels)``; ``augment``: the augment block."""
    from .step import Objective

    return Objective(name, OBJECTIVES[name], route(name, block), block["batches"], labels, augment)
