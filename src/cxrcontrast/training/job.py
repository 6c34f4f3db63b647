"""One runner for every rule that trains a model (pretrain, classify, official).

The runner picks the device and its fast paths (``accel.py``), keys the job by its identity
(``resume.py``), restores the result of an identical job that finished before instead of training
again, and writes the outputs: the checkpoint of the rule's kind (``models/checkpoints.py``), kept once
on disk (the output a link to the store's copy, ``finished.py``), and the per-epoch history (rewritten after
every epoch while it trains, ``progress.py``). A stage gives it only what is its own: a function that trains.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import torch

from ..files import save_csv
from ..models.checkpoints import Checkpoint
from ..runtime import numerics, pick_device
from .accel import Accel
from .progress import Progress
from .resume import Resume, job_identity

log = logging.getLogger(__name__)


class Job(NamedTuple):
    """Where a training job runs (``device``, its fast paths ``accel``), its resume file (``resume``) and where
    its epochs are shown while it trains (``progress``)."""

    device: torch.device
    accel: Accel
    resume: Resume
    progress: Progress


def run_training_job(
    train: Callable[[Job], tuple[Checkpoint, list[dict]]],
    checkpoint: str | Path,
    history: str | Path,
    params: dict,
    seed: int,
    inputs: dict[str, str | Path | None],
    device: str = "auto",
    performance: dict | None = None,
    tensorboard: str | Path | None = None,
) -> None:
    """Write ``checkpoint`` and ``history`` of the job (``params``, ``seed``, ``inputs`` by role: its
    identity): restored where an identical job finished before, else from ``train(job)``, which shows
    ``history`` after every epoch (and TensorBoard curves in the folder ``tensorboard``, where given)."""
    dev = pick_device(device)
    accel = Accel.for_device(performance, dev)
    # a finished result is restored only where it would be recomputed bit for bit: same fast paths, device
    # type, CPU capability, intra-op threads and library versions
    floats = numerics(dev)
    resume = Resume(Path(checkpoint).parent, job_identity(params, seed, inputs), {**accel.describe(dev), **floats})
    if (rows := resume.finished(checkpoint)) is None:
        log.info("training on %s (%s)", dev, accel)
        kept, rows = train(Job(dev, accel, resume, Progress(history, tensorboard)))
        rows = resume.finish(checkpoint, {**kept.payload(), "numerics": floats}, rows)
    save_csv(history, rows or [{"epoch": None}])
