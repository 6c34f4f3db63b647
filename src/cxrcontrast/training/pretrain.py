"""The pretraining loop: an embedder (encoder h + z head) trained on one objective."""

from __future__ import annotations

import torch

from ..data.images import InMemoryImages
from .accel import Accel
from .epochs import Epochs
from .objective import Objective
from .optim import Optim
from .progress import Progress
from .resume import Resume

VALIDATION_SEED = 20230501  # one fixed draw of validation batches, the same every epoch and every job


@torch.no_grad()
def validation_loss(objective: Objective | None, forward, data: InMemoryImages | None, device) -> float:
    """Mean loss over the validation batches (fixed draws, eval mode); NaN without them."""
    if objective is None or data is None:
        return float("nan")
    g = torch.Generator().manual_seed(VALIDATION_SEED)
    losses = [objective.loss(forward, data, batch, g, device)[0].item() for batch in objective.batches(g, 1)]
    return sum(losses) / len(losses) if losses else float("nan")


def pretrain(
    model: torch.nn.Module,
    data: InMemoryImages,
    objective: Objective,
    optim: Optim,
    seed: int,
    resume: Resume,
    device: torch.device,
    accel: Accel | None = None,
    validation: tuple[Objective, InMemoryImages] | None = None,
    progress: Progress | None = None,
) -> list[dict]:
    """Train ``model`` (an Embedder) in place; returns the history rows (one per epoch).

    Resumes from ``resume`` when it holds a finished epoch of this same job; shows each epoch in ``progress``.
    """
    model.to(device)
    opt = optim.build(model.parameters())
    loop = Epochs(model, opt, optim.epochs, seed, resume, progress=progress, scheduler=optim.scheduler(opt))
    forward = (accel or Accel()).prepare(model, device)
    val_objective, val_data = validation or (None, None)
    for epoch, g in loop:
        model.train()
        total, active, batches = 0.0, 0.0, 0
        for i, batch in enumerate(objective.batches(g, epoch)):
            loss, stats = objective.loss(forward, data, batch, g, device)
            value = loop.batch(i, loss, stats["images"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total, active, batches = total + value, active + stats["active"], batches + 1
        model.eval()
        val = validation_loss(val_objective, forward, val_data, device)
        loop.end(loss=total / batches, val_loss=val, active_triplets=active / batches, lr=loop.lr)
        loop.save()
    return loop.history
