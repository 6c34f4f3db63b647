"""SGD settings of one training run."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Optim:
    """Hyperparameters of one SGD run (the paper's: epochs, batch size, lr, momentum)."""

    epochs: int
    batch_size: int
    lr: float
    momentum: float
    weight_decay: float

    @classmethod
    def from_block(cls, block: dict) -> Optim:
        """The SGD keys of a config block (the schema requires them; the block's other keys configure other parts)."""
        return cls(**{f.name: block[f.name] for f in fields(cls)})

    def sgd(self, params):
        import torch

        params = [p for p in params if p.requires_grad]
        return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay)
