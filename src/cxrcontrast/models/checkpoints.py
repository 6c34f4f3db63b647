"""The checkpoint of each rule that trains a model (pretrain, classify, official), its layout defined once.

Every kind describes itself (encoder, architecture slice, image size, the job's config slice and seed, the kept
weights and their epoch), is saved as a plain dict that ``torch.load(weights_only=True)`` reads back, and is
checked on load by the same code: its kind, encoder and image size, and where the consumer says which job should
have made it (``made_by``: the slice, seed, ... its path and rule stand for), that it is that job's: a checkpoint
copied or moved under another experiment's path is refused, not evaluated under that name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from ..errors import InputError
from ..files import load_checkpoint
from ..slices import canonical, dotted_differences


@dataclass(frozen=True)
class Checkpoint:
    kind: ClassVar[str]
    encoder: str
    architecture: dict
    image_size: int
    params: dict
    seed: int
    state_dict: dict
    epoch: int

    @classmethod
    def of(cls, params: dict, seed: int, state_dict: dict, epoch: int, **own):
        """The checkpoint of a job of ``params``: the fields its slice holds under their name (encoder,
        architecture, image_size, head, ...) are taken from it, the others are ``own``."""
        names = {f.name for f in dataclasses.fields(cls)}
        sliced = {k: v for k, v in params.items() if k in names}
        return cls(**{**sliced, **own}, params=params, seed=seed, state_dict=state_dict, epoch=epoch)

    def payload(self) -> dict:
        return {"kind": self.kind, **{f.name: getattr(self, f.name) for f in dataclasses.fields(self)}}

    @classmethod
    def load(cls, path, encoder: str | None = None, image_size: int | None = None, made_by: dict | None = None):
        """The checkpoint at ``path``, refused unless of this kind (and ``encoder`` and ``image_size``) and, with
        ``made_by`` ({field: value}, e.g. params and seed), unless it records those values."""
        ckpt = load_checkpoint(path, kind=cls.kind)
        names = [f.name for f in dataclasses.fields(cls)]
        if missing := [n for n in names if n not in ckpt]:
            raise InputError(
                f"{path}: a {cls.kind} checkpoint without {missing} (made by an older version); "
                "delete it and rerun: the job that makes it rebuilds it"
            )
        if encoder is not None and ckpt["encoder"] != encoder:
            raise InputError(f"{path}: a checkpoint of encoder {ckpt['encoder']!r}; expected {encoder!r}")
        if image_size is not None and ckpt["image_size"] != image_size:
            raise InputError(f"{path}: made for {ckpt['image_size']}px inputs; expected {image_size}px")
        if made_by is not None and (keys := dotted_differences(canonical({k: ckpt[k] for k in made_by}), made_by)):
            more = f" and {len(keys) - 4} more" if len(keys) > 4 else ""
            raise InputError(
                f"{path}: not the {cls.kind} checkpoint its path names (copied or moved there?): it records other "
                f"{', '.join(keys[:4])}{more}; delete it and rerun: the job that makes it rebuilds it"
            )
        return cls(**{n: ckpt[n] for n in names})


@dataclass(frozen=True)
class PretrainCheckpoint(Checkpoint):
    """An encoder with its z head (``z_head: classifier``: a head of ``n_classes``)."""

    kind: ClassVar[str] = "pretrained_encoder"
    z_head: str
    head: dict | None
    n_classes: int
    objective: str


@dataclass(frozen=True)
class ClassifierCheckpoint(Checkpoint):
    """Both classifier kinds: a head on the encoder, the epoch kept and its validation row."""

    head: dict
    softmax_output: bool
    val: dict
    train_images: int


@dataclass(frozen=True)
class ClassifyCheckpoint(ClassifierCheckpoint):
    """The paper's single-label classifier (``pretrain``: its pretraining's slice, or None)."""

    kind: ClassVar[str] = "classifier"
    class_names: list
    pretrain: dict | None

    @property
    def n_outputs(self) -> int:
        return len(self.class_names)


@dataclass(frozen=True)
class OfficialCheckpoint(ClassifierCheckpoint):
    """A model of the official MedMNIST task (``tuning``: frozen, end_to_end or finetune; ``n_outputs``: its width)."""

    kind: ClassVar[str] = "official"
    n_outputs: int
    tuning: str
    val_images: int
    pretrain: dict | None
