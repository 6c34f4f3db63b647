"""Progress lines in a job's log and the per-epoch history written beside its model."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from ..files import save_csv

log = logging.getLogger(__name__)


def write_history(path: str | Path, rows: list[dict]) -> None:
    save_csv(path, rows or [{"epoch": None}])


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
            log.info(
                "epoch %d/%d batch %d%s loss %.4f %.0f img/s",
                self.epoch,
                self.total,
                batch + 1,
                of,
                loss,
                self.images / (now - self.t0),
            )

    def end(self, **metrics) -> dict:
        seconds = time.perf_counter() - self.t0
        row = {
            "epoch": self.epoch,
            **metrics,
            "images_per_s": round(self.images / max(seconds, 1e-9), 1),
            "seconds": round(seconds, 3),
        }
        shown = " ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items() if k != "epoch")
        log.info("epoch %d/%d %s", self.epoch, self.total, shown)
        return row
