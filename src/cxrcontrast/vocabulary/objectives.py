"""Pretraining objectives, each a named combination of parts, as pytorch-metric-learning builds them:
batch sampler (which images) + view maker (what the model sees) + miner (which triplets) + loss.

The one registry, read by the config (at parse time, without torch) and by training (``training/objective.py``
builds an objective from its parts). It names the parts ("module:Class" in ``cxrcontrast.training``) rather
than importing them. An objective's config block (``pretrain.<name>``) is routed key by key (``route``):
``batches`` picks the sampler, every other key goes to the parts that take it (``margin`` and ``temperature``
to the loss, ``images_per_class`` to the sampler, ``positive`` and ``positive_wrap`` to the view maker, the
optimizer and schedule keys to the optimizer, ``embedding`` and ``forward`` to the training step, ``images`` to
the workflow), and a key that no part takes is an error, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from .optimizers import OPTIM_KEYS  # a training block's optimizer and schedule keys (``Optim``'s fields)


@dataclass(frozen=True)
class Part:
    """A part by name ("module:Class" in cxrcontrast.training, imported by training only) and the config keys
    its constructor takes."""

    ref: str
    keys: tuple[str, ...] = ()


TRIPLET_BATCHES = {
    "random": Part("batches:RandomTriplets", ("batch_size",)),
    "round_robin": Part("batches:RoundRobinTriplets", ("batch_size",)),
}
TRIPLET_LOSS = Part("losses:TripletLoss", ("margin",))
MULTI_LABEL_BATCHES = {
    "label_balanced": Part("batches:LabelBalancedBatches", ("batch_size",)),
    "natural": Part("batches:NaturalBatches", ("batch_size",)),
}


@dataclass(frozen=True)
class ObjectiveSpec:
    """What an objective is made of, by name; ``training/objective.py`` builds it. Every part's ``keys`` are
    exactly its constructor's keyword arguments from the config block (a test checks them)."""

    batches: dict[str, Part]  # value of the block's `batches` key -> batch sampler
    views: Part
    miner: Part | None
    loss: Part
    augments: bool  # its views go through the augmentation (so the job depends on `augment`)
    supervised: bool = True  # uses labels (SimCLR does not)
    multi_hot: bool = False  # reads the unpruned split (train and val) and its multi-hot (N, findings) labels
    step_keys: tuple[str, ...] = ()  # read by the training step
    workflow_keys: tuple[str, ...] = ()  # read by the workflow
    validated_as: str | None = None  # the objective its validation loss is computed with (None: itself)
    validation_keys: tuple[str, ...] = ()  # read by ``validation`` (which loss the val split is scored with)


def multi_label(loss: str) -> ObjectiveSpec:
    """A multi-label objective: two views of each image, its multi-hot labels, one loss of multilabel_losses."""
    return ObjectiveSpec(
        MULTI_LABEL_BATCHES,
        Part("views:TwoViews"),
        None,
        Part(f"multilabel_losses:{loss}", ("temperature",)),
        augments=True,
        multi_hot=True,
    )


OBJECTIVES: dict[str, ObjectiveSpec] = {
    "normal": ObjectiveSpec(
        TRIPLET_BATCHES,
        Part("views:PlainViews"),
        Part("miners:GivenTriplets"),
        TRIPLET_LOSS,
        augments=False,
        step_keys=("embedding", "forward"),
    ),
    # Validated on plain triplets, as the authors' val triplets had no transform (the paper's 0.43).
    "augmented": ObjectiveSpec(
        TRIPLET_BATCHES,
        Part("views:AugmentedPositive", ("positive", "positive_wrap")),
        Part("miners:GivenTriplets"),
        TRIPLET_LOSS,
        augments=True,
        step_keys=("embedding", "forward"),
        validated_as="normal",
    ),
    "hard": ObjectiveSpec(
        {
            "pk": Part("batches:PKBatches", ("batch_size", "images_per_class")),
            "natural": Part("batches:NaturalBatches", ("batch_size",)),
        },
        Part("views:PlainViews"),
        Part("miners:BatchHard"),
        TRIPLET_LOSS,
        augments=False,
        step_keys=("embedding",),
        validation_keys=("validation",),
    ),
    "supcon": ObjectiveSpec(
        {"balanced": Part("batches:BalancedBatches", ("batch_size",))},
        Part("views:TwoViews"),
        None,
        Part("losses:SupCon", ("temperature",)),
        augments=True,
    ),
    "simclr": ObjectiveSpec(
        {"natural": Part("batches:NaturalBatches", ("batch_size",))},
        Part("views:TwoViews"),
        None,
        Part("losses:NTXent", ("temperature",)),
        augments=True,
        supervised=False,
        workflow_keys=("images",),
    ),
    # Multi-label objectives on every training image of the source split (ChestMNIST's 14 findings).
    "supcon_jaccard": multi_label("SupConJaccard"),
    "mulsupcon": multi_label("MulSupCon"),
}


def route(name: str, block: dict) -> dict[str, dict]:
    """Split a config block among the parts of objective ``name``.

    A key that no part of the objective takes is an error. A key of another ``batches`` choice
    (``images_per_class`` with ``batches: natural``) goes under "unused": the job does not read
    it, so it is not part of the job's identity either."""
    if name not in OBJECTIVES:
        raise InputError(f"pretrain: unknown objective {name!r}; expected one of {sorted(OBJECTIVES)}")
    spec = OBJECTIVES[name]
    choice = block.get("batches")
    if choice not in spec.batches:
        raise InputError(f"pretrain.{name}.batches: {choice!r}; expected one of {sorted(spec.batches)}")
    takes = {
        "sampler": spec.batches[choice].keys,
        "views": spec.views.keys,
        "loss": spec.loss.keys,
        "optim": OPTIM_KEYS,
        "step": spec.step_keys,
        "workflow": spec.workflow_keys,
        "validation": spec.validation_keys,
    }
    alternatives = {k for p in spec.batches.values() for k in p.keys}
    routed: dict[str, dict] = {owner: {} for owner in (*takes, "unused")}
    for key, value in block.items():
        if key == "batches":
            continue
        owners = [owner for owner, keys in takes.items() if key in keys]
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


# ``validation: plain_triplets`` (the authors' code for every objective): TripletMarginLoss on z of their
# round-robin val triplets, one forward pass per role, with the block's margin and batch size.
PLAIN_TRIPLETS = {"batches": "round_robin", "embedding": "z", "forward": "per_role"}


def validation(name: str, block: dict) -> tuple[str, dict]:
    """The objective and block the validation loss of ``name`` is computed with: its own, the one its
    spec names (``validated_as``, with the keys only the training views take left out), or the authors'
    plain triplets where the block says ``validation: plain_triplets``."""
    if block.get("validation") == "plain_triplets":
        return "normal", {**PLAIN_TRIPLETS, "batch_size": block["batch_size"], "margin": block["margin"]}
    other = OBJECTIVES[name].validated_as
    if other is None:
        return name, block
    return other, {k: v for k, v in block.items() if k not in OBJECTIVES[name].views.keys}


def pk_batch_error(batch_size: int, images_per_class: int, key: str = "") -> str | None:
    """Why P x K batches of ``batch_size`` with K = ``images_per_class`` cannot be made, or None; ``key``:
    the config block the two keys are named under (``pretrain.hard.``)."""
    if batch_size % images_per_class or batch_size // images_per_class < 2:
        return (
            f"{key}batch_size: {batch_size} must be a multiple of {key}images_per_class {images_per_class} "
            "covering at least two classes"
        )
    return None
