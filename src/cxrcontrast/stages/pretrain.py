"""Stage of rule ``pretrain``: an encoder and its z head trained on one objective."""

from __future__ import annotations

import logging

import torch

from ..data.images import load_images
from ..errors import InputError
from ..files import load_json
from ..models.build import build_embedder
from ..models.checkpoints import PretrainCheckpoint
from ..training.job import Job, run_training_job
from ..training.objective import build_objective
from ..training.optim import Optim
from ..training.pretrain import pretrain
from ..vocabulary.objectives import validation

log = logging.getLogger(__name__)


def validation_objective(params: dict, labels):
    """The objective on the validation split (the augmented triplets without their augmentation, as the
    authors validated them), or None (with a log line) where its labels cannot make batches."""
    name, block = validation(params["objective"], params["block"])
    try:
        return build_objective(name, block, labels, params["augment"])
    except InputError as exc:
        log.warning("no validation loss: the val split cannot make %s batches (%s)", params["objective"], exc)
        return None


def run_pretrain(
    train: str,
    val: str,
    classes: str,
    out_encoder: str,
    out_history: str,
    params: dict,
    seed: int,
    device: str = "auto",
    performance: dict | None = None,
    weights: str | None = None,
    tensorboard: str | None = None,
) -> None:
    """``params``: the rule's slice (``RunConfig.pretrain_params``); ``weights``: a local weights file the
    encoder starts from (its content is part of the job's identity); ``tensorboard``: a folder for the job's
    TensorBoard curves (None: none)."""

    def train_encoder(job: Job) -> tuple[PretrainCheckpoint, list[dict]]:
        size, name, enc = params["image_size"], params["objective"], params["encoder"]
        data = load_images([train], size).to(job.device)  # GPU: resident for the whole job
        val_data = load_images([val], size).to(job.device)
        try:
            objective = build_objective(name, params["block"], data.labels.cpu(), params["augment"])
        except InputError as exc:  # the labels the file holds cannot make this objective's batches
            raise InputError(f"{train}: {exc}") from None
        validation = (validation_objective(params, val_data.labels.cpu()), val_data)
        n_classes = len(load_json(classes)["class_names"])
        torch.manual_seed(seed)  # initial weights are part of the seed
        model = build_embedder(enc, size, params["architecture"], params["z_head"], params["head"], n_classes)
        log.info("pretraining %s with the %s objective on %d images, seed %d", enc, name, len(data), seed)
        optim = Optim.from_block(params["block"])
        resume, progress = job.resume, job.progress
        history = pretrain(model, data, objective, optim, seed, resume, job.device, job.accel, validation, progress)
        kept = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        return PretrainCheckpoint.of(params, seed, kept, len(history), n_classes=n_classes), history

    inputs = {"train": train, "val": val, "weights": weights}
    run_training_job(train_encoder, out_encoder, out_history, params, seed, inputs, device, performance, tensorboard)
