"""Models built: fresh, with their initialisation, or from their self-describing checkpoints
(``checkpoints.py``: the layout of each kind, and the checks every loader makes)."""

from __future__ import annotations

import logging

import torch

from .checkpoints import ClassifierCheckpoint, ClassifyCheckpoint, PretrainCheckpoint
from .encoders import Encoder, build_architecture, build_encoder
from .heads import Classifier, ClassifierHead, Embedder
from .init import xavier_init

log = logging.getLogger(__name__)


def with_z_head(enc: Encoder, z_head: str, head: dict | None, n_classes: int | None) -> Embedder:
    """``enc`` with its z head (``z_head: classifier``: a classification head of ``n_classes``, block ``head``)."""
    classifier = None
    if z_head == "classifier":
        classifier = ClassifierHead.from_block(enc.out_features, n_classes, head, softmax_output=True)
    return Embedder(enc, z_head, classifier)


def embedder_from_checkpoint(ckpt: PretrainCheckpoint) -> Embedder:
    """Encoder and z head with the pretrained weights."""
    enc = build_architecture(ckpt.encoder, ckpt.image_size, ckpt.architecture)
    model = with_z_head(enc, ckpt.z_head, ckpt.head, ckpt.n_classes)
    model.load_state_dict(ckpt.state_dict)
    return model.eval()


def build_embedder(
    encoder: str,
    image_size: int,
    architecture: dict,
    z_head: str = "projection",
    head: dict | None = None,
    n_classes: int | None = None,
) -> Embedder:
    """A fresh embedder: the encoder, and its z head (Xavier-initialised with the encoder when
    ``architecture["xavier"]``: "Xavier for all models" in the paper's text)."""
    model = with_z_head(build_encoder(encoder, image_size, **architecture), z_head, head, n_classes)
    if architecture["xavier"]:
        xavier_init(model.head)
    return model


def untrained_embedder(encoder: str, architecture: dict, image_size: int, seed: int) -> Embedder:
    """The untrained encoder, seeded as a pretraining job seeds its start ("before"), with a projection head
    (its h is the training job's starting h; its z is a projection's, whatever the z head of a run)."""
    torch.manual_seed(seed)
    return build_embedder(encoder, image_size, architecture).eval()


def load_embedder(path: str | None, params: dict, seed: int, made_by: dict | None = None) -> Embedder:
    """A pretrained embedder from ``path`` (checked against ``made_by``), or the untrained one when ``path`` is None;
    ``params``: a job's slice (its encoder, architecture and image_size)."""
    encoder, size = params["encoder"], params["image_size"]
    if path is None:
        return untrained_embedder(encoder, params["architecture"], size, seed)
    return embedder_from_checkpoint(PretrainCheckpoint.load(path, encoder, size, made_by))


def build_classifier(
    encoder: str,
    image_size: int,
    architecture: dict,
    head: dict,
    n_outputs: int,
    seed: int,
    *,
    softmax_output: bool,
    pretrained: PretrainCheckpoint | None = None,
    carry_head: bool = False,
) -> Classifier:
    """A classifier to train. Its encoder is fresh (seeded, initialised as ``architecture`` says) or, from
    ``pretrained`` (a checked pretraining checkpoint), the pretrained weights; its head
    is fresh (Xavier with the encoder's ``xavier``), or with ``carry_head`` and a checkpoint of
    ``z_head: classifier`` the pretrained classification head: the authors loaded their whole pretrained
    model, that head included."""
    torch.manual_seed(seed)
    if pretrained is None:
        enc = build_encoder(encoder, image_size, **architecture)
    else:  # the weights come from the checkpoint: no ImageNet download, no init to overwrite
        enc = build_architecture(encoder, image_size, architecture)
    classifier = ClassifierHead.from_block(enc.out_features, n_outputs, head, softmax_output)
    if architecture["xavier"]:
        xavier_init(classifier)
    if pretrained is not None:
        embedder = embedder_from_checkpoint(pretrained)
        enc.load_state_dict(embedder.encoder.state_dict())
        if carry_head and embedder.z_head == "classifier":
            classifier.net.load_state_dict(embedder.head.net.state_dict())
            log.info("the head starts from the pretrained classification head (z_head: classifier)")
    return Classifier(enc, classifier)


def load_classifier(path: str, kind: type[ClassifierCheckpoint] = ClassifyCheckpoint, made_by: dict | None = None):
    """A trained classifier of either kind (classify, official) from its checkpoint (checked against ``made_by``),
    with the checkpoint."""
    ckpt = kind.load(path, made_by=made_by)
    enc = build_architecture(ckpt.encoder, ckpt.image_size, ckpt.architecture)
    model = Classifier(enc, ClassifierHead.from_block(enc.out_features, ckpt.n_outputs, ckpt.head, ckpt.softmax_output))
    model.load_state_dict(ckpt.state_dict)
    return model.eval(), ckpt
