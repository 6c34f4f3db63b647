"""The optimizer and learning-rate schedule of one training run (their names: vocabulary/optimizers.py)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from ..vocabulary.optimizers import check_schedule, milestone_epochs, with_defaults


@dataclass(frozen=True)
class Optim:
    """Hyperparameters of one training run: the paper's (epochs, batch size, SGD's lr, momentum, weight decay),
    the optimizer, and the lr schedule, stepped once per epoch after a linear warm-up of ``warmup_epochs``."""

    epochs: int
    batch_size: int
    lr: float
    momentum: float
    weight_decay: float
    optimizer: str = "sgd"
    schedule: str = "constant"
    milestones: tuple[float, ...] = (0.5, 0.75)  # multistep: fractions of the epochs
    gamma: float = 0.1  # multistep: the lr's factor at each milestone
    warmup_epochs: int = 0

    @classmethod
    def from_block(cls, block: dict, where: str = "the training block") -> Optim:
        """The optimizer keys of a config block (the block's other keys configure other parts); the optional ones
        at their default where the block leaves them out (a slice does: vocabulary/optimizers.py)."""
        check_schedule(block, where)
        settings = {"momentum": 0.0, **with_defaults(block)}  # Adam's slice has no momentum: it reads none
        settings["milestones"] = tuple(settings["milestones"])
        return cls(**{f.name: settings[f.name] for f in fields(cls)})

    def build(self, params):
        """The optimizer of the trainable ``params``."""
        import torch

        params = [p for p in params if p.requires_grad]
        if self.optimizer == "sgd":
            return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay)
        adam = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[self.optimizer]
        return adam(params, lr=self.lr, weight_decay=self.weight_decay)  # betas: torch's defaults

    def scheduler(self, opt):
        """The epochs' lr schedule of ``opt`` (stepped after each epoch), or None for a constant lr without
        warm-up: the optimizer's lr is then never touched."""
        from torch.optim import lr_scheduler

        warmup, after = self.warmup_epochs, self.epochs - self.warmup_epochs
        if self.schedule == "multistep":
            # counted from the end of the warm-up, where SequentialLR starts it
            at = [m - warmup for m in milestone_epochs(self.milestones, self.epochs)]
            main = lr_scheduler.MultiStepLR(opt, at, gamma=self.gamma)
        elif self.schedule == "cosine":
            main = lr_scheduler.CosineAnnealingLR(opt, T_max=after)
        else:
            main = None
        if not warmup:
            return main
        # epoch e of the warm-up runs at lr * e / (warmup + 1); the epoch after it at the full lr
        ramp = lr_scheduler.LinearLR(opt, start_factor=1 / (warmup + 1), total_iters=warmup)
        return ramp if main is None else lr_scheduler.SequentialLR(opt, [ramp, main], milestones=[warmup])
