"""The classification loop: a classifier trained on one feature source (``features.py``), keeping one
epoch's weights (``selection.py``).

Training batches follow the task's order (the paper's task: class-balanced draws with replacement);
validation runs on the natural val split every epoch. The test split is never seen here.
"""

from __future__ import annotations

import torch

from .epochs import Epochs
from .features import Images
from .optim import Optim
from .progress import Progress
from .resume import Resume
from .selection import KeepLast
from .tasks import MedMNISTTask, SingleLabel


def train_classifier(
    source: Images,
    optim: Optim,
    seed: int,
    resume: Resume,
    keep: KeepLast,
    task: SingleLabel | MedMNISTTask | None = None,
    progress: Progress | None = None,
) -> list[dict]:
    """Train ``source.model`` in place; returns the history rows, ``keep`` holding the weights kept and their
    epoch's row. ``task``: what is optimized and validated (the paper's single-label task by default);
    ``progress``: where each epoch is shown."""
    model, train, task = source.model, source.train, task or SingleLabel()
    opt = optim.build(model.head.parameters() if source.head_only else model.parameters())
    n_batches = -(-len(train) // optim.batch_size)
    schedule = optim.scheduler(opt)
    loop = Epochs(model, opt, optim.epochs, seed, resume, n_batches=n_batches, progress=progress, scheduler=schedule)
    if loop.resumed:
        keep.best, keep.best_row = loop.resumed["best"], loop.resumed["best_row"]
    labels = train.labels.cpu()
    for _, g in loop:
        model.train()
        if source.encoder_eval:
            model.encoder.eval()
        order = task.order(labels, g)
        total = correct = 0.0
        for i, idx in enumerate(order.split(optim.batch_size)):
            y = train.labels[idx.to(train.labels.device)].to(source.device)
            out = source.outputs(idx, g)
            loss = task.loss(out, y)
            value = loop.batch(i, loss, len(idx))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += value * len(idx)
            hits = task.correct(out, y)
            correct = None if hits is None else correct + hits
        model.eval()
        with torch.no_grad():
            out = source.val_outputs()
            val = task.validate(out, source.val.labels.to(out.device))
        train_acc = {} if correct is None else {"train_accuracy": correct / len(order)}
        row = loop.end(
            train_loss=total / len(order), **train_acc, **{f"val_{k}": x for k, x in val.items()}, lr=loop.lr
        )
        keep.offer(row, model)
        loop.save(best=keep.best, best_row=keep.best_row)
    return loop.history
