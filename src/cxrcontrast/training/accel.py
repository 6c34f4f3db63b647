"""Fast paths per device.

GPU: each piece behind config (``performance``): bf16 autocast, channels_last, torch.compile.
CPU: channels_last always, whatever the config says, and nothing else: oneDNN's
convolutions run faster in NHWC (measured on 2 cores at batch 32: minivgg training
1.8x, EfficientNet-B0 1.25x), and CPU results never depend on ``performance``.
Checkpoints always hold the plain (uncompiled) module's weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Accel:
    bf16_autocast: bool = False
    channels_last: bool = False
    compile: bool = False

    @classmethod
    def for_device(cls, cfg: dict | None, device: torch.device) -> Accel:
        return cls(**(cfg or {})) if device.type == "cuda" else cls(channels_last=True)

    def describe(self, device: torch.device) -> dict:
        """How a job runs, as a finished result's key holds it (``training/resume.py``)."""
        return {"device": device.type, **asdict(self)}

    def prepare(self, model: nn.Module, device: torch.device) -> Callable[[torch.Tensor], torch.Tensor]:
        """The callable to run forward passes with; ``model`` itself keeps the weights.

        Its outputs are float32 whatever runs inside, so losses, distances and
        mining are computed in full precision outside the autocast region.
        """
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        run = torch.compile(model) if self.compile else model
        if not self.bf16_autocast:
            return run

        def forward(x: torch.Tensor):
            with torch.autocast(device.type, dtype=torch.bfloat16):
                out = run(x)
            return tuple(t.float() for t in out) if isinstance(out, tuple) else out.float()

        return forward
