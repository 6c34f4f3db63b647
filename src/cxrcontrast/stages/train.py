"""Steps of the training stages: pretraining and classification, files in, checkpoints out."""
from __future__ import annotations

import logging
from dataclasses import fields
from pathlib import Path

import torch
from torch import nn

from ..data.images import load_images
from ..errors import InputError
from ..io import load_json
from ..models import Classifier, ClassifierHead, ProjectionHead, encoder_from_config, xavier_init
from ..runtime import pick_device
from ..training.accel import Accel
from ..training.checkpoint import load_checkpoint, save_checkpoint
from ..training.classify import train_classifier
from ..training.loop import Optim, Resume, write_history
from ..training.pretrain import pretrain
from ..training.samplers import build_sampler

log = logging.getLogger(__name__)
OPTIM_KEYS = {f.name for f in fields(Optim)}  # the rest of a sampler's block configures the sampler


def run_pretrain(train: str, out_encoder: str, out_history: str, encoder: str, encoder_cfg: dict, sampler: str,
                 sampler_cfg: dict, image_size: int, augment: dict, seed: int, device: str = "auto",
                 performance: dict | None = None) -> None:
    dev = pick_device(device)
    data = load_images([train], image_size).to(dev)  # GPU: resident for the whole job
    extra = {k: v for k, v in sampler_cfg.items() if k not in OPTIM_KEYS}
    if sampler in ("augmented", "supcon"):
        extra["augment"] = augment
    batches = build_sampler(sampler, data.labels.cpu(), batch_size=sampler_cfg["batch_size"], **extra)
    optim = Optim.pick(sampler_cfg)
    torch.manual_seed(seed)  # initial weights are part of the seed
    enc = encoder_from_config(encoder, encoder_cfg, image_size)
    model = nn.Sequential(enc, ProjectionHead(enc.out_features))
    identity = {"stage": "pretrain", "encoder": encoder, "encoder_cfg": encoder_cfg, "sampler": sampler,
                "sampler_cfg": sampler_cfg, "image_size": image_size, "augment": augment, "seed": seed}
    resume = Resume(Path(out_encoder).with_name("resume.pt"), identity)
    log.info("pretraining %s with the %s sampler on %d images (%s), seed %d", encoder, sampler, len(data), dev, seed)
    history, epoch = pretrain(model, data, batches, optim, seed, resume, dev, Accel.for_device(performance, dev))
    save_checkpoint(out_encoder, kind="pretrained_encoder", encoder=encoder, encoder_cfg=encoder_cfg,
                    image_size=image_size, encoder_state=enc.state_dict(), projection_state=model[1].state_dict(),
                    epoch=epoch, config=identity, history=history)
    write_history(out_history, history)
    resume.remove()


def load_pretrained(path: str, encoder: str, image_size: int) -> dict:
    ckpt = load_checkpoint(path, kind="pretrained_encoder")
    if ckpt["encoder"] != encoder:
        raise InputError(f"{path}: a checkpoint of encoder {ckpt['encoder']!r}; expected {encoder!r}")
    if ckpt["image_size"] != image_size:
        raise InputError(f"{path}: made for {ckpt['image_size']}px inputs; expected {image_size}px")
    return ckpt


def run_classify(train: list[str], val: str, classes: str, out_model: str, out_history: str, encoder: str,
                 encoder_cfg: dict, classify_cfg: dict, image_size: int, seed: int, pretrained: str | None = None,
                 device: str = "auto", performance: dict | None = None) -> None:
    """Baseline (``pretrained`` None: end to end) or fine-tuning of a head on a frozen pretrained encoder."""
    dev = pick_device(device)
    names = load_json(classes)["class_names"]
    train_data = load_images(train, image_size).to(dev)
    val_data = load_images([val], image_size).to(dev)
    torch.manual_seed(seed)
    # a pretrained encoder's weights come from its checkpoint: no ImageNet download, no init to overwrite
    enc = encoder_from_config(encoder, encoder_cfg, image_size, architecture_only=bool(pretrained))
    pretrain_config = None
    if pretrained:
        ckpt = load_pretrained(pretrained, encoder, image_size)
        enc.load_state_dict(ckpt["encoder_state"])
        pretrain_config = ckpt["config"]
    head = ClassifierHead.from_config(enc.out_features, len(names), encoder_cfg.get("head", {}),
                                      classify_cfg.get("softmax_before_loss", False))
    if encoder_cfg.get("xavier", True):
        xavier_init(head)
    model = Classifier(enc, head)
    identity = {"stage": "classify", "encoder": encoder, "encoder_cfg": encoder_cfg, "classify_cfg": classify_cfg,
                "image_size": image_size, "seed": seed, "pretrained": bool(pretrained), "pretrain_config": pretrain_config,
                "train": list(train)}
    resume = Resume(Path(out_model).with_name("resume.pt"), identity)
    log.info("%s %s on %d images (%s), seed %d", "fine-tuning a head on" if pretrained else "training end to end",
             encoder, len(train_data), dev, seed)
    history, best, best_row = train_classifier(
        model, train_data, val_data, Optim.pick(classify_cfg), seed, resume, dev, freeze_encoder=bool(pretrained),
        freeze_batchnorm=classify_cfg.get("freeze_batchnorm", True),
        select_on=classify_cfg.get("select_on", "balanced_accuracy"), accel=Accel.for_device(performance, dev))
    save_checkpoint(out_model, kind="classifier", encoder=encoder, encoder_cfg=encoder_cfg, image_size=image_size,
                    n_classes=len(names), class_names=names, state_dict=best, epoch=best_row["epoch"],
                    val=best_row, config=identity)
    write_history(out_history, history)
    resume.remove()
    log.info("kept epoch %d: val balanced accuracy %.4f", best_row["epoch"], best_row["val_balanced_accuracy"])
