"""What every training epoch shares: its seeds (a resumed run draws what an unbroken one draws) and the
guard that stops a run whose loss is no longer finite."""

from __future__ import annotations

import math


def rng_seed(seed: int, epoch: int, stream: int = 0) -> int:
    """Seed of one epoch's random stream: resuming at epoch k draws what an unbroken run draws."""
    return (seed * 1_000_003 + epoch * 101 + stream) % (2**63 - 1)


def seed_epoch(seed: int, epoch: int):
    """Seed everything random in one epoch from (seed, epoch), so a resumed run
    draws exactly what an unbroken one draws: sampling from the returned
    generator (a torch.Generator), dropout from torch's global generator."""
    import torch

    torch.manual_seed(rng_seed(seed, epoch, stream=1))
    return torch.Generator().manual_seed(rng_seed(seed, epoch))


def check_finite(loss: float, epoch: int, batch: int) -> None:
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"non-finite loss ({loss}) at epoch {epoch}, batch {batch}; stopping without writing a model "
            "(lower the learning rate or check the inputs)"
        )
