"""Stage of rule ``classify``: the baseline (pretrain none, end to end) or a head on a frozen pretrained encoder."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from ..data.augment import AugmentParams
from ..data.budgets import budget_rows
from ..data.images import load_images
from ..files import load_json
from ..models.build import build_classifier, load_pretrained
from ..runtime import pick_device
from ..training.accel import Accel
from ..training.classify import train_classifier
from ..training.optim import Optim
from ..training.resume import Resume, job_identity, write_result

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
) -> None:
    """``params``: the rule's slice (``RunConfig.classify_params``); ``train``: the pruned training file, then
    its stored augmented copy for train_aug; ``weights``: a local weights file the baseline's encoder starts from."""
    dev = pick_device(device)
    accel = Accel.for_device(performance, dev)
    inputs = {"val": val, **{f"train{i}": p for i, p in enumerate(train)}, "pretrained": pretrained, "weights": weights}
    resume = Resume(Path(out_model).parent, job_identity(params, seed, inputs), accel.describe(dev))
    if (done := resume.finished()) is not None:
        return write_result(done, out_model, out_history)
    names = load_json(classes)["class_names"]
    full = load_images(train, params["image_size"])
    rows, redrawn = training_rows(len(train), params, seed, full.labels.numpy())
    train_data, val_data = full.rows(rows).to(dev), load_images([val], params["image_size"]).to(dev)
    checkpoint = load_pretrained(pretrained, params["encoder"], params["image_size"]) if pretrained else None
    model = build_classifier(
        params["encoder"],
        params["image_size"],
        params["architecture"],
        params["head"],
        len(names),
        seed,
        softmax_output=params["classify"]["softmax_before_loss"],
        pretrained=checkpoint,
        carry_head=True,
    )
    block = params["classify"]
    log.info(
        "%s %s on %d images (%s of the labels), %s, seed %d",
        "fine-tuning a head on" if pretrained else "training end to end",
        params["encoder"],
        len(train_data),
        params["labels"],
        dev,
        seed,
    )
    augment = AugmentParams.from_config(params["augment"]) if params["augment"] else None
    history, best, best_row = train_classifier(
        model,
        train_data,
        val_data,
        Optim.from_block(block),
        seed,
        resume,
        dev,
        freeze_encoder=bool(pretrained),
        freeze_batchnorm=bool(pretrained) and block["freeze_batchnorm"],
        select_on=block["select_on"],
        accel=accel,
        redrawn=redrawn,
        augment=augment,
    )
    result = {
        "checkpoint": dict(
            kind="classifier",
            encoder=params["encoder"],
            architecture=params["architecture"],
            head=params["head"],
            softmax_output=block["softmax_before_loss"],
            image_size=params["image_size"],
            class_names=names,
            state_dict=best,
            epoch=best_row["epoch"],
            val=best_row,
            params=params,
            seed=seed,
            train_images=len(train_data),
            pretrain=checkpoint["params"] if checkpoint else None,
        ),
        "history": history,
    }
    resume.finish(result)
    write_result(result, out_model, out_history)
    log.info("kept epoch %d: val balanced accuracy %.4f", best_row["epoch"], best_row["val_balanced_accuracy"])
