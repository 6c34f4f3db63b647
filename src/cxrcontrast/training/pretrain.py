"""The pretraining loop: encoder h + projection z trained with a contrastive sampler."""
from __future__ import annotations

import logging

import torch
from torch import nn

from ..data.images import InMemoryImages
from .accel import Accel
from .loop import Optim, Progress, Resume, check_finite, seed_epoch

log = logging.getLogger(__name__)


def pretrain(model: nn.Module, data: InMemoryImages, sampler, optim: Optim, seed: int, resume: Resume,
             device: torch.device, accel: Accel = Accel()) -> tuple[list[dict], int]:
    """Train ``model`` (encoder + projection head) in place; returns (history rows, last epoch).

    Resumes from ``resume`` when it holds a finished epoch of this same job.
    """
    model.to(device)
    opt = optim.sgd(model.parameters())
    history, start = [], 1
    if state := resume.load():
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        history, start = state["history"], state["epoch"] + 1
    forward = accel.prepare(model, device)
    progress = Progress(optim.epochs)
    for epoch in range(start, optim.epochs + 1):
        g = seed_epoch(seed, epoch)
        model.train()
        progress.start(epoch)
        total, active, batches = 0.0, 0.0, 0
        for i, batch in enumerate(sampler.batches(g, epoch)):
            loss, stats = sampler.loss(forward, data, batch, g, device)
            value = loss.item()  # one device sync per batch
            check_finite(value, epoch, i)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total, active, batches = total + value, active + stats["active"], batches + 1
            progress.step(i, stats["images"], value)
        history.append(progress.end(loss=total / batches, active_triplets=active / batches, lr=optim.lr))
        resume.save(model=model.state_dict(), optimizer=opt.state_dict(), epoch=epoch, history=history)
    return history, optim.epochs
