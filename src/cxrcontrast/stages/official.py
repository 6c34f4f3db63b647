"""Stage of rule ``official``: a model of the official MedMNIST task (ChestMNIST: 14 labels, every image), a
head on an encoder state's frozen features, a fresh encoder trained end to end, or a pretrained encoder
fine-tuned with its head (scored by rule ``official_evaluate``)."""

from __future__ import annotations

import logging

from ..data.images import load_images
from ..data.medmnist_format import flag_info
from ..errors import InputError
from ..evaluation.official import output_width
from ..models.build import build_classifier
from ..models.checkpoints import OfficialCheckpoint, PretrainCheckpoint
from ..training.classify import train_classifier
from ..training.features import feature_source
from ..training.job import Job, run_training_job
from ..training.optim import Optim
from ..training.selection import selection
from ..training.tasks import MedMNISTTask

log = logging.getLogger(__name__)


def starting_state(pretrained: str | None, enc: str, size: int, made_by, tuning: str, seed: int):
    """The checked pretrained checkpoint an official job starts from; None for end_to_end (pretrain none: no
    pretraining) and an untrained frozen encoder; ``finetune`` has one or is refused."""
    start = PretrainCheckpoint.load(pretrained, enc, size, made_by) if pretrained else None
    if tuning == "finetune" and start is None:
        raise InputError(f"official finetune job ({enc}, seed {seed}): no pretrained encoder to start from")
    return start


def run_official(
    train: str,
    val: str,
    out_model: str,
    out_history: str,
    params: dict,
    tuning: str,
    seed: int,
    pretrained: str | None = None,
    device: str = "auto",
    performance: dict | None = None,
    weights: str | None = None,
    pretrained_made_by: dict | None = None,
    tensorboard: str | None = None,
) -> None:
    """``tuning``: ``frozen`` (a head on the frozen encoder state; pretrain none = untrained), ``end_to_end``
    (a fresh encoder) or ``finetune`` (the pretrained encoder ``pretrained`` the start, every layer trained with
    the head); ``train``/``val``: the unpruned splits; ``tensorboard``: a folder for the job's TensorBoard
    curves (None: none)."""

    def train_model(job: Job) -> tuple[OfficialCheckpoint, list[dict]]:
        enc, size, flag, frozen = params["encoder"], params["image_size"], params["data"]["flag"], tuning == "frozen"
        info = flag_info(flag)
        task, width = MedMNISTTask(info.task), output_width(info.task, len(info.label_names))
        train_data, val_data = (load_images([p], size).to(job.device) for p in (train, val))
        start = starting_state(pretrained, enc, size, pretrained_made_by, tuning, seed)
        arch, n = params["architecture"], {"train_images": len(train_data), "val_images": len(val_data)}
        model = build_classifier(enc, size, arch, params["head"], width, seed, softmax_output=False, pretrained=start)
        log.info("official %s task (%s), %s, on %d images, seed %d", flag, task.task, tuning, n["train_images"], seed)
        source = feature_source(model, train_data, val_data, job.device, job.accel, frozen, freeze_batchnorm=True)
        keep = selection(params["official"]["select_on"], task.select)
        optim = Optim.from_block(params["official"][tuning])
        history = train_classifier(source, optim, seed, job.resume, keep, task, job.progress)
        own = dict(softmax_output=False, n_outputs=width, tuning=tuning, pretrain=start.params if start else None, **n)
        row = keep.best_row
        return OfficialCheckpoint.of(params, seed, keep.best, row["epoch"], val=row, **own), history

    inputs = {"train": train, "val": val, "pretrained": pretrained, "weights": weights}
    job = {**params, "tuning": tuning}
    run_training_job(train_model, out_model, out_history, job, seed, inputs, device, performance, tensorboard)
