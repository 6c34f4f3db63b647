"""Stage of rule ``pretrain``: an encoder and its z head trained on one objective."""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from ..data.images import load_images
from ..errors import InputError
from ..files import load_json
from ..models.build import build_embedder
from ..runtime import pick_device
from ..training.accel import Accel
from ..training.objective import build_objective
from ..training.optim import Optim
from ..training.pretrain import pretrain
from ..training.resume import Resume, job_identity, write_result
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
) -> None:
    """``params``: the rule's slice (``RunConfig.pretrain_params``); ``weights``: a local weights file the
    encoder starts from (its content is part of the job's identity)."""
    dev = pick_device(device)
    accel = Accel.for_device(performance, dev)
    inputs = {"train": train, "val": val, "weights": weights}
    resume = Resume(Path(out_encoder).parent, job_identity(params, seed, inputs), accel.describe(dev))
    if (done := resume.finished()) is not None:
        return write_result(done, out_encoder, out_history)
    size, name = params["image_size"], params["objective"]
    data = load_images([train], size).to(dev)  # GPU: resident for the whole job
    val_data = load_images([val], size).to(dev)
    objective = build_objective(name, params["block"], data.labels.cpu(), params["augment"])
    val_objective = validation_objective(params, val_data.labels.cpu())
    n_classes = len(load_json(classes)["class_names"])
    torch.manual_seed(seed)  # initial weights are part of the seed
    model = build_embedder(params["encoder"], size, params["architecture"], params["z_head"], params["head"], n_classes)
    log.info(
        "pretraining %s with the %s objective on %d images (%s), seed %d", params["encoder"], name, len(data), dev, seed
    )
    history = pretrain(
        model,
        data,
        objective,
        Optim.from_block(params["block"]),
        seed,
        resume,
        dev,
        accel,
        validation=(val_objective, val_data),
    )
    checkpoint = dict(
        kind="pretrained_encoder",
        encoder=params["encoder"],
        architecture=params["architecture"],
        image_size=size,
        z_head=params["z_head"],
        head=params["head"],
        n_classes=n_classes,
        state_dict={k: v.detach().cpu() for k, v in model.state_dict().items()},
        epoch=len(history),
        objective=name,
        params=params,
        seed=seed,
    )
    result = {"checkpoint": checkpoint, "history": history}
    resume.finish(result)
    write_result(result, out_encoder, out_history)
