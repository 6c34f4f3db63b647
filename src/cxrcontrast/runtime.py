"""Process set-up shared by every workflow step: logging to the rule's log, thread counts."""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path

import torch


def set_threads(n: int) -> None:
    """Pin intra-op threads to what the scheduler gave the job (``threads:``)."""
    n = max(1, int(n))
    torch.set_num_threads(n)


@contextlib.contextmanager
def job(log_file: str | os.PathLike | None = None, threads: int = 1):
    """Run a workflow step: log lines to ``log_file`` (and stderr), threads set, errors logged."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers, force=True
    )
    set_threads(threads)
    log = logging.getLogger("cxrcontrast")
    if "SLURM_JOB_ID" in os.environ:  # where the job ran, and which GPUs SLURM gave it
        log.info("SLURM job %s on %s, GPUs on node: %s, CUDA_VISIBLE_DEVICES=%s", os.environ["SLURM_JOB_ID"],
                 os.environ.get("SLURMD_NODENAME", "?"), os.environ.get("SLURM_GPUS_ON_NODE", "0"),
                 os.environ.get("CUDA_VISIBLE_DEVICES", ""))
    try:
        yield log
    except Exception:
        log.exception("step failed")
        raise


def pick_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA when available, else CPU; ``cuda`` fails clearly without a GPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device: 'cuda' was asked for but no CUDA GPU is visible; use 'auto' or 'cpu'")
    return torch.device(name)
