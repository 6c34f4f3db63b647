"""The classification loop: baseline (end to end) or frozen-encoder fine-tuning.

Training batches are class-balanced draws (with replacement) from the training
set; validation runs on the natural val split every epoch; the weights kept are
the best on validation. The test split is never seen here.
"""
from __future__ import annotations

import logging

import torch
from torch.nn import functional as F

from ..data.balance import balanced_indices
from ..data.images import InMemoryImages
from ..metrics import accuracy, balanced_accuracy
from ..models import Classifier
from .accel import Accel
from .loop import Optim, Progress, Resume, check_finite, seed_epoch

log = logging.getLogger(__name__)
MAXIMIZE = {"balanced_accuracy": True, "accuracy": True, "loss": False}


@torch.no_grad()
def encode(encoder, data: InMemoryImages, device, chunk: int = 1024) -> torch.Tensor:
    """Features of every image of ``data`` (encoder in eval mode), in input order."""
    encoder.eval()
    idx = torch.arange(len(data))
    return torch.cat([encoder(data.batch(part, device)) for part in idx.split(chunk)])


@torch.no_grad()
def evaluate(model: Classifier, data: InMemoryImages, device, features=None, chunk: int = 1024) -> dict:
    model.eval()
    idx = torch.arange(len(data))
    if features is not None:
        out = torch.cat([model.head(features[part]) for part in idx.split(chunk)])
    else:
        out = torch.cat([model(data.batch(part, device)) for part in idx.split(chunk)])
    labels = data.labels.to(out.device)
    predicted = out.argmax(1).cpu().numpy()
    y = labels.cpu().numpy()
    return {"loss": F.cross_entropy(out, labels).item(), "accuracy": accuracy(y, predicted),
            "balanced_accuracy": balanced_accuracy(y, predicted)}


def train_classifier(model: Classifier, train: InMemoryImages, val: InMemoryImages, optim: Optim, seed: int,
                     resume: Resume, device, freeze_encoder: bool, freeze_batchnorm: bool = True,
                     select_on: str = "balanced_accuracy", accel: Accel = Accel()):
    """Returns (history rows, best state dict, best validation row)."""
    if select_on not in MAXIMIZE:
        raise ValueError(f"classify.select_on: {select_on!r}; expected one of {sorted(MAXIMIZE)}")
    model.to(device)
    forward = accel.prepare(model, device)  # before encoding: the memory layout applies to the cached features' pass too
    if freeze_encoder:
        model.encoder.requires_grad_(False)
    # Frozen encoder with frozen BatchNorm is a fixed function: encode each split once, train the head on features.
    cached = freeze_encoder and freeze_batchnorm
    feats = (encode(model.encoder, train, device), encode(model.encoder, val, device)) if cached else (None, None)
    opt = optim.sgd(model.head.parameters() if freeze_encoder else model.parameters())
    history, start, best, best_row = [], 1, None, None
    if state := resume.load():
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        history, start, best, best_row = state["history"], state["epoch"] + 1, state["best"], state["best_row"]
    sign = 1 if MAXIMIZE[select_on] else -1
    progress = Progress(optim.epochs)
    n_batches = -(-len(train) // optim.batch_size)
    labels = train.labels.cpu()
    for epoch in range(start, optim.epochs + 1):
        g = seed_epoch(seed, epoch)
        model.train()
        if cached:
            model.encoder.eval()  # BatchNorm running statistics must not drift
        progress.start(epoch, n_batches)
        order = balanced_indices(labels, len(train), g)
        total = correct = 0.0
        for i, idx in enumerate(order.split(optim.batch_size)):
            y = train.labels[idx.to(train.labels.device)].to(device)
            out = model.head(feats[0][idx.to(feats[0].device)]) if cached else forward(train.batch(idx, device))
            loss = F.cross_entropy(out, y)
            value = loss.item()
            check_finite(value, epoch, i)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += value * len(idx)
            correct += (out.argmax(1) == y).sum().item()
            progress.step(i, len(idx), value)
        v = evaluate(model, val, device, feats[1])
        row = progress.end(train_loss=total / len(order), train_accuracy=correct / len(order), val_loss=v["loss"],
                           val_accuracy=v["accuracy"], val_balanced_accuracy=v["balanced_accuracy"], lr=optim.lr)
        history.append(row)
        if best_row is None or sign * v[select_on] > sign * best_row[f"val_{select_on}"]:
            best, best_row = {k: t.detach().to("cpu", copy=True) for k, t in model.state_dict().items()}, row
        resume.save(model=model.state_dict(), optimizer=opt.state_dict(), epoch=epoch, history=history, best=best,
                    best_row=best_row)
    return history, best, best_row
