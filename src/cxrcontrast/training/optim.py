"""SGD settings of one training run."""

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
    def from_block(cls, block: dict) -> Optim:
        """The SGD keys of a config block (the block's other keys configure other parts)."""
        missing = [f.name for f in fields(cls) if f.name not in block]
        if missing:
            raise InputError(f"SGD settings: missing {missing} in {sorted(block)}")
        return cls(**{f.name: block[f.name] for f in fields(cls)})

    def sgd(self, params):
        import torch

        params = [p for p in params if p.requires_grad]
        return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay)
