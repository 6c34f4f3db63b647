"""The epochs of a training loop: their seeds (a resumed run draws what an unbroken one draws), resuming after
the last finished epoch, the guard that stops a run whose loss is no longer finite, progress lines in the job's
log (each epoch with the job's time left) and the per-epoch history, shown as it grows (``progress.py``)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator

import torch

from ..runtime import TERMINAL
from .progress import Progress, duration_text, time_left
from .resume import Resume

log = logging.getLogger(__name__)


def rng_seed(seed: int, epoch: int, stream: int = 0) -> int:
    """Seed of one epoch's random stream: resuming at epoch k draws what an unbroken run draws."""
    return (seed * 1_000_003 + epoch * 101 + stream) % (2**63 - 1)


def seed_epoch(seed: int, epoch: int) -> torch.Generator:
    """Seed everything random in one epoch from (seed, epoch): sampling from the returned generator,
    dropout from torch's global generator."""
    torch.manual_seed(rng_seed(seed, epoch, stream=1))
    return torch.Generator().manual_seed(rng_seed(seed, epoch))


class Epochs:
    """``for epoch, g in Epochs(...)`` runs the epochs not yet done, each seeded from (seed, epoch) (``g``: its
    sampling generator); ``batch`` checks a batch's loss and logs progress (at most every ``every`` seconds,
    to the job's log only); ``end`` adds the epoch's row to ``history``, logs it with the job's time left and
    shows it (``progress``: the history file, TensorBoard) and steps the lr ``scheduler`` (None: a constant lr);
    ``save`` writes the resume file. Where ``resume`` holds a finished epoch of this same job, model, optimizer
    and scheduler go on from there and ``resumed`` is its state (with what the loop gave ``save`` beyond them),
    else None."""

    def __init__(
        self,
        model,
        opt,
        total: int,
        seed: int,
        resume: Resume,
        n_batches=None,
        every: float = 30.0,
        progress: Progress | None = None,
        scheduler=None,
    ):
        self.model, self.opt, self.total, self.seed, self.resume = model, opt, total, seed, resume
        self.scheduler = scheduler
        self.n_batches, self.every, self.history, self.start = n_batches, every, [], 1
        self.progress = progress or Progress()
        self.resumed = resume.load()
        if self.resumed:
            model.load_state_dict(self.resumed["model"])
            opt.load_state_dict(self.resumed["optimizer"])
            if scheduler is not None:  # same identity, same schedule: its file holds the scheduler's state
                scheduler.load_state_dict(self.resumed["scheduler"])
            self.history, self.start = self.resumed["history"], self.resumed["epoch"] + 1

    def __iter__(self) -> Iterator[tuple[int, torch.Generator]]:
        # the pace is this process's: a resumed job's earlier epochs ran elsewhere, perhaps on another device
        self.began, self.done = time.perf_counter(), 0
        self.progress.start(resumed=bool(self.resumed))
        try:
            for epoch in range(self.start, self.total + 1):
                self.epoch, g = epoch, seed_epoch(self.seed, epoch)
                self.t0 = self.last = time.perf_counter()
                self.images = 0
                yield epoch, g
        finally:
            self.progress.close()

    def batch(self, i: int, loss: torch.Tensor, images: int) -> float:
        """The batch's loss as a number (one device sync per batch), refused where not finite."""
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(
                f"non-finite loss ({value}) at epoch {self.epoch}, batch {i}; stopping without writing a model "
                "(lower the learning rate or check the inputs)"
            )
        self.images, now = self.images + images, time.perf_counter()
        if now - self.last >= self.every:
            self.last, of = now, f"/{self.n_batches}" if self.n_batches else ""
            rate = self.images / (now - self.t0)
            log.info(
                "epoch %d/%d batch %d%s loss %.4f %.0f img/s%s",
                self.epoch,
                self.total,
                i + 1,
                of,
                value,
                rate,
                self._eta_text(self._left_mid_epoch(i + 1, now)),
            )
        return value

    def _left_mid_epoch(self, batches_done: int, now: float) -> float | None:
        """Seconds left in the job from within an epoch: the epoch's rest at its batch pace (where its batch
        count is known), the epochs after it at the pace of the epochs done (else of this one)."""
        in_epoch = now - self.t0
        per_epoch = (self.t0 - self.began) / self.done if self.done else None
        if self.n_batches:
            per_epoch = per_epoch or in_epoch / batches_done * self.n_batches
            epoch_left = time_left(in_epoch, batches_done, self.n_batches)
        else:
            epoch_left = per_epoch and max(0.0, per_epoch - in_epoch)
        if per_epoch is None or epoch_left is None:
            return None
        return epoch_left + per_epoch * (self.total - self.epoch)

    @staticmethod
    def _eta_text(seconds: float | None) -> str:
        return "" if seconds is None else f", job left ~{duration_text(seconds)}"

    @property
    def lr(self) -> float:
        """The lr this epoch trains at (the first parameter group's)."""
        return self.opt.param_groups[0]["lr"]

    def end(self, **metrics) -> dict:
        now = time.perf_counter()
        seconds = now - self.t0
        row = {"epoch": self.epoch, **metrics, "images_per_s": round(self.images / max(seconds, 1e-9), 1)}
        row["seconds"] = round(seconds, 3)
        self.done += 1
        left = time_left(now - self.began, self.done, self.total - self.start + 1)
        shown = " ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items() if k != "epoch")
        log.info("epoch %d/%d %s%s", self.epoch, self.total, shown, self._eta_text(left), extra=TERMINAL)
        self.history.append(row)
        self.progress.epoch(self.history)
        if self.scheduler is not None:
            self.scheduler.step()  # the next epoch's lr
        return row

    def save(self, **kept) -> None:
        state = {"model": self.model.state_dict(), "optimizer": self.opt.state_dict(), "history": self.history}
        if self.scheduler is not None:  # a constant lr's resume file stays as it was
            state["scheduler"] = self.scheduler.state_dict()
        self.resume.save(**state, epoch=self.epoch, **kept)
