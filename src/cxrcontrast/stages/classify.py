"""Stage of rule ``classify``: the baseline (pretrain none, end to end) or a head on a frozen pretrained encoder."""

from __future__ import annotations

import logging

import numpy as np
import torch

from ..data.augment import AugmentParams
from ..data.budgets import budget_rows, budgeted_val
from ..data.images import load_images
from ..files import load_json
from ..models.build import build_classifier
from ..models.checkpoints import ClassifyCheckpoint, PretrainCheckpoint
from ..training.classify import train_classifier
from ..training.features import feature_source
from ..training.job import Job, run_training_job
from ..training.optim import Optim
from ..training.selection import selection
from ..training.tasks import SingleLabel

log = logging.getLogger(__name__)


def training_rows(n_files: int, params: dict, seed: int, labels: np.ndarray) -> tuple[np.ndarray, torch.Tensor | None]:
    """Rows of the training set: the label budget of the pruned images, in every file of ``train`` (the stored
    augmented copy keeps the same images), or twice for ``train_aug: on_access``; and which rows are
    re-augmented on each access (that second half)."""
    per_file = len(labels) // n_files
    keep = budget_rows(labels[:per_file], params["labels"], seed)
    if params["augment"] is None:
        return np.concatenate([keep + i * per_file for i in range(n_files)]), None
    redrawn = torch.cat([torch.zeros(len(keep), dtype=torch.bool), torch.ones(len(keep), dtype=torch.bool)])
    return np.concatenate([keep, keep]), redrawn


def run_classify(
    train: list[str],
    val: str,
    classes: str,
    out_model: str,
    out_history: str,
    params: dict,
    seed: int,
    pretrained: str | None = None,
    device: str = "auto",
    performance: dict | None = None,
    weights: str | None = None,
    pretrained_made_by: dict | None = None,
    tensorboard: str | None = None,
) -> None:
    """``params``: the rule's slice (``RunConfig.classify_params``); ``train``: the pruned training file, then
    its stored augmented copy for train_aug; ``weights``: a local weights file the baseline's encoder starts from;
    ``tensorboard``: a folder for the job's TensorBoard curves (None: none)."""
    block, size, enc = params["classify"], params["image_size"], params["encoder"]

    def train_model(job: Job) -> tuple[ClassifyCheckpoint, list[dict]]:
        names = load_json(classes)["class_names"]
        train_data, val_data, redrawn = training_data(train, val, params, seed, job.device)
        start = PretrainCheckpoint.load(pretrained, enc, size, pretrained_made_by) if pretrained else None
        model = classifier_to_train(params, len(names), seed, start)
        how = "fine-tuning a head on" if pretrained else "training end to end"
        log.info("%s %s on %d images (%s of the labels), seed %d", how, enc, len(train_data), params["labels"], seed)
        source = training_source(model, train_data, val_data, job, params, redrawn, frozen=bool(pretrained))
        keep = selection(block["select_on"], SingleLabel.select)
        history = train_classifier(source, Optim.from_block(block), seed, job.resume, keep, progress=job.progress)
        return kept_checkpoint(params, seed, keep, len(train_data), names, start), history

    inputs = {"val": val, **{f"train{i}": p for i, p in enumerate(train)}, "pretrained": pretrained, "weights": weights}
    run_training_job(train_model, out_model, out_history, params, seed, inputs, device, performance, tensorboard)


def training_data(train: list[str], val: str, params: dict, seed: int, device):
    """The training rows (the label budget; twice for train_aug on_access), the val rows of the same budget
    (the epoch is selected on those only), both on ``device``, and which training rows are re-augmented on
    each access (None: none)."""
    full = load_images(train, params["image_size"])
    rows, redrawn = training_rows(len(train), params, seed, full.labels.numpy())
    return (
        full.rows(rows).to(device),
        budgeted_val(val, params["image_size"], params["labels"], seed).to(device),
        redrawn,
    )


def classifier_to_train(params: dict, n_classes: int, seed: int, start: PretrainCheckpoint | None):
    """A fresh classifier (seeded), its encoder (and a carried head) from ``start`` when fine-tuning."""
    kw = dict(softmax_output=params["classify"]["softmax_before_loss"], pretrained=start, carry_head=True)
    enc, size = params["encoder"], params["image_size"]
    return build_classifier(enc, size, params["architecture"], params["head"], n_classes, seed, **kw)


def training_source(model, train_data, val_data, job: Job, params: dict, redrawn, frozen: bool):
    """What the classifier trains on: images (the augmented half redrawn on each access for train_aug
    on_access), or the frozen encoder's features when fine-tuning a head."""
    on_access = None if redrawn is None else (redrawn, AugmentParams.from_config(params["augment"]))
    freeze_batchnorm = frozen and params["classify"]["freeze_batchnorm"]
    return feature_source(model, train_data, val_data, job.device, job.accel, frozen, freeze_batchnorm, on_access)


def kept_checkpoint(params: dict, seed: int, keep, n_train: int, names: list[str], start) -> ClassifyCheckpoint:
    """The checkpoint of the epoch ``keep`` selected, with what evaluation needs to read it."""
    row = keep.best_row
    log.info("kept epoch %d: val balanced accuracy %.4f", row["epoch"], row["val_balanced_accuracy"])
    softmax, pretrain = params["classify"]["softmax_before_loss"], start.params if start else None
    own = dict(softmax_output=softmax, val=row, train_images=n_train, class_names=names, pretrain=pretrain)
    return ClassifyCheckpoint.of(params, seed, keep.best, row["epoch"], **own)
