"""What a running training job shows of itself while it trains: its history file, rewritten after every epoch,
its time left, and (``logging: {tensorboard: true}``) TensorBoard curves.

The history file is the rule's declared output, made whole again after every epoch (a temporary file moved
into place: a reader never sees a cut row). The TensorBoard folder is not a declared output: Snakemake neither
deletes nor tracks it, and it is no part of a job's identity, so turning it on or off makes nothing stale.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..errors import InputError
from ..files import save_csv

TENSORBOARD_EVENTS = "events.out.tfevents.*"


def duration_text(seconds: float) -> str:
    """``3h05m``, ``4m10s``, ``12s``: a time left as a person reads it."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def time_left(elapsed: float, done: float, total: float) -> float | None:
    """Seconds left at the pace so far: ``elapsed`` seconds for ``done`` of ``total`` units; None before any."""
    if done <= 0 or not math.isfinite(elapsed):
        return None
    return elapsed / done * max(0.0, total - done)


def summary_writer(folder: str | Path):
    """TensorBoard's writer for ``folder``; without the package, one line naming the key and the extra."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise InputError(
            "logging.tensorboard: true needs the tensorboard package, which is not installed; "
            "install the extra (pip install 'cxrcontrast[tensorboard]') or set logging: {tensorboard: false}"
        ) from None
    return SummaryWriter(log_dir=str(folder))


class Progress:
    """Where a job's epochs are shown: ``history`` (the CSV rewritten after each epoch; None: nowhere) and
    ``tensorboard`` (a folder for TensorBoard's event files; None: off)."""

    def __init__(self, history: str | Path | None = None, tensorboard: str | Path | None = None):
        self.history, self.tensorboard, self.writer = history, tensorboard and Path(tensorboard), None

    def start(self, resumed: bool) -> None:
        """Open the TensorBoard writer; a job starting from epoch 1 first removes the curves of an earlier
        run in its folder (TensorBoard would draw both as one line)."""
        if self.tensorboard is None:
            return
        if not resumed and self.tensorboard.is_dir():
            for old in self.tensorboard.glob(TENSORBOARD_EVENTS):
                old.unlink()
        self.writer = summary_writer(self.tensorboard)

    def epoch(self, rows: list[dict]) -> None:
        """Show the epoch just ended (the last of ``rows``, the job's history so far)."""
        if self.history is not None:
            save_csv(self.history, rows)
        if self.writer is not None:
            row = rows[-1]
            for key, value in row.items():
                if key != "epoch" and isinstance(value, (int, float)) and math.isfinite(value):
                    self.writer.add_scalar(key, value, global_step=row["epoch"])
            self.writer.flush()  # a curve that grows while the job runs

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
