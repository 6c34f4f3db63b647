"""What both training loops share: SGD, per-epoch seeding, history, resume, progress."""
from __future__ import annotations

import csv
import io
import logging
import math
import time
from dataclasses import dataclass, fields
from pathlib import Path

import torch

from ..errors import InputError
from ..io import atomic_path
from .checkpoint import load_checkpoint, rng_seed, save_checkpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Optim:
    """Hyperparameters of one SGD run (the paper's: epochs, batch size, lr, momentum)."""

    epochs: int
    batch_size: int
    lr: float
    momentum: float = 0.9
    weight_decay: float = 0.0

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise InputError(f"{name}: expected a positive integer, got {getattr(self, name)!r}")
        for name in ("lr", "momentum", "weight_decay"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InputError(f"{name}: expected a finite non-negative number, got {value!r}")

    @classmethod
    def pick(cls, cfg: dict) -> "Optim":
        return cls(**{f.name: cfg[f.name] for f in fields(cls) if f.name in cfg})

    def sgd(self, params) -> torch.optim.SGD:
        params = [p for p in params if p.requires_grad]
        return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay)


def seed_epoch(seed: int, epoch: int) -> torch.Generator:
    """Seed everything random in one epoch from (seed, epoch), so a resumed run
    draws exactly what an unbroken one draws: sampling from the returned
    generator, dropout from torch's global generator."""
    torch.manual_seed(rng_seed(seed, epoch, stream=1))
    return torch.Generator().manual_seed(rng_seed(seed, epoch))


def check_finite(loss: float, epoch: int, batch: int) -> None:
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"non-finite loss ({loss}) at epoch {epoch}, batch {batch}; stopping without writing a model "
            "(lower the learning rate or check the inputs)"
        )


def write_history(path: str | Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["epoch"])
    writer.writeheader()
    writer.writerows(rows)
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue())


class Resume:
    """A per-epoch resume file: a killed job starts again after its last finished epoch.

    The file carries the job's identity (its resolved config); a file made by
    another config is ignored (and replaced), never silently continued.
    """

    def __init__(self, path: str | Path, identity: dict):
        self.path, self.identity = Path(path), identity

    def load(self) -> dict | None:
        if not self.path.exists():
            return None
        try:
            state = load_checkpoint(self.path, kind="resume")
        except InputError as exc:
            log.warning("ignoring unreadable resume file: %s", exc)
            return None
        if state.get("identity") != self.identity:
            log.warning("%s was made by another config; starting from epoch 1", self.path)
            return None
        log.info("resuming from %s after epoch %d", self.path, state["epoch"])
        return state

    def save(self, **state) -> None:
        save_checkpoint(self.path, kind="resume", identity=self.identity, **state)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class Progress:
    """A progress line in the job's log: within long epochs every ``every`` seconds, and per epoch."""

    def __init__(self, total_epochs: int, every: float = 30.0):
        self.total, self.every = total_epochs, every

    def start(self, epoch: int, n_batches: int | None = None):
        self.epoch, self.n_batches, self.t0, self.last = epoch, n_batches, time.perf_counter(), time.perf_counter()
        self.images = 0

    def step(self, batch: int, images: int, loss: float) -> None:
        self.images += images
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            of = f"/{self.n_batches}" if self.n_batches else ""
            log.info("epoch %d/%d batch %d%s loss %.4f %.0f img/s", self.epoch, self.total, batch + 1, of, loss,
                     self.images / (now - self.t0))

    def end(self, **metrics) -> dict:
        seconds = time.perf_counter() - self.t0
        row = {"epoch": self.epoch, **metrics, "images_per_s": round(self.images / max(seconds, 1e-9), 1),
               "seconds": round(seconds, 3)}
        shown = " ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items() if k != "epoch")
        log.info("epoch %d/%d %s", self.epoch, self.total, shown)
        return row
