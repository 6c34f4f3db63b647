"""The classification loop: baseline (end to end) or a head fine-tuned on a frozen encoder.

Training batches are class-balanced draws (with replacement) from the training set;
validation runs on the natural val split every epoch; the weights kept are the best on
validation by ``select_on`` (or the last epoch's, as the authors kept). The test split is
never seen here.
"""

from __future__ import annotations

import logging

import torch

from ..data.augment import AugmentParams, augment_batch
from ..data.images import InMemoryImages
from ..data.tensors import normalize
from ..evaluation.inference import encode, map_rows
from ..models import Classifier
from .accel import Accel
from .epochs import check_finite, seed_epoch
from .optim import Optim
from .progress import Progress
from .resume import Resume
from .tasks import MedMNISTTask, SingleLabel

log = logging.getLogger(__name__)


@torch.no_grad()
def validate(model: Classifier, data: InMemoryImages, device, task, features=None) -> dict:
    model.eval()
    if features is not None:
        out = map_rows(lambda part: model.head(features[part]), len(data))
    else:
        out = map_rows(lambda part: model(data.batch(part, device)), len(data))
    return task.validate(out, data.labels.to(out.device))


class TrainingBatch:
    """Model input of rows ``idx``; rows marked in ``redrawn`` are augmented anew on every access
    (the authors' doubled set, a dataset with a random transform), the others are as stored."""

    def __init__(self, data: InMemoryImages, redrawn: torch.Tensor | None, augment: AugmentParams | None):
        self.data, self.redrawn, self.augment = data, redrawn, augment

    def __call__(self, idx: torch.Tensor, g: torch.Generator, device) -> torch.Tensor:
        if self.redrawn is None:
            return self.data.batch(idx, device)
        x = self.data.unit(idx, device)
        mask = self.redrawn[idx].to(x.device)
        if mask.any():
            x[mask] = augment_batch(x[mask], self.augment, g)
        return normalize(x)


def train_classifier(
    model: Classifier,
    train: InMemoryImages,
    val: InMemoryImages,
    optim: Optim,
    seed: int,
    resume: Resume,
    device,
    freeze_encoder: bool,
    freeze_batchnorm: bool,
    select_on: str,
    accel: Accel | None = None,
    redrawn: torch.Tensor | None = None,
    augment: AugmentParams | None = None,
    task: SingleLabel | MedMNISTTask | None = None,
):
    """Returns (history rows, kept state dict, kept epoch's row). ``task``: what is optimized and selected on
    (the paper's single-label task by default, or ``MedMNISTTask``)."""
    accel, task = accel or Accel(), task or SingleLabel()
    if select_on not in task.select:
        raise ValueError(f"select_on: {select_on!r}; expected one of {sorted(task.select)}")
    model.to(device)
    forward = accel.prepare(
        model, device
    )  # before encoding: the memory layout applies to the cached features' pass too
    if freeze_encoder:
        model.encoder.requires_grad_(False)
    # Frozen encoder with frozen BatchNorm and fixed inputs is a fixed function: encode each split once,
    # train the head on the features.
    cached = freeze_encoder and freeze_batchnorm and redrawn is None
    feats = (encode(model.encoder, train, device), encode(model.encoder, val, device)) if cached else (None, None)
    batch_input = TrainingBatch(train, redrawn, augment)
    opt = optim.sgd(model.head.parameters() if freeze_encoder else model.parameters())
    history, start, best, best_row = [], 1, None, None
    if state := resume.load():
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        history, start, best, best_row = state["history"], state["epoch"] + 1, state["best"], state["best_row"]
    sign = task.select[select_on]
    progress = Progress(optim.epochs)
    n_batches = -(-len(train) // optim.batch_size)
    labels = train.labels.cpu()
    for epoch in range(start, optim.epochs + 1):
        g = seed_epoch(seed, epoch)
        model.train()
        if freeze_encoder and freeze_batchnorm:
            model.encoder.eval()  # BatchNorm running statistics must not drift
        progress.start(epoch, n_batches)
        order = task.order(labels, g)
        total = correct = 0.0
        for i, idx in enumerate(order.split(optim.batch_size)):
            y = train.labels[idx.to(train.labels.device)].to(device)
            out = model.head(feats[0][idx.to(feats[0].device)]) if cached else forward(batch_input(idx, g, device))
            loss = task.loss(out, y)
            value = loss.item()
            check_finite(value, epoch, i)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += value * len(idx)
            hits = task.correct(out, y)
            correct = None if hits is None else correct + hits
            progress.step(i, len(idx), value)
        v = validate(model, val, device, task, feats[1])
        train_acc = {} if correct is None else {"train_accuracy": correct / len(order)}
        row = progress.end(
            train_loss=total / len(order), **train_acc, **{f"val_{k}": x for k, x in v.items()}, lr=optim.lr
        )
        history.append(row)
        key = f"val_{select_on}"
        if best_row is None or sign == 0 or sign * row[key] > sign * best_row[key]:
            best, best_row = {k: t.detach().to("cpu", copy=True) for k, t in model.state_dict().items()}, row
        resume.save(
            model=model.state_dict(),
            optimizer=opt.state_dict(),
            epoch=epoch,
            history=history,
            best=best,
            best_row=best_row,
        )
    return history, best, best_row
