"""SGD settings of one training run, per-epoch seeding and the finite-loss guard."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..errors import InputError


@dataclass(frozen=True)
class Optim:
    """Hyperparameters of one SGD run (the paper's: epochs, batch size, lr, momentum)."""

    epochs: int
    batch_size: int
    lr: float
    momentum: float
    weight_decay: float

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name}: expected a positive integer, got {value!r}")
        for name in ("lr", "momentum", "weight_decay"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InputError(f"{name}: expected a finite non-negative number, got {value!r}")

    @classmethod
    def from_block(cls, block: dict) -> "Optim":
        """The SGD keys of a config block (the block's other keys configure other parts)."""
        missing = [f.name for f in fields(cls) if f.name not in block]
        if missing:
            raise InputError(f"SGD settings: missing {missing} in {sorted(block)}")
        return cls(**{f.name: block[f.name] for f in fields(cls)})

    def sgd(self, params):
        import torch

        params = [p for p in params if p.requires_grad]
        return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay)


OPTIM_KEYS = frozenset(f.name for f in fields(Optim))


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
