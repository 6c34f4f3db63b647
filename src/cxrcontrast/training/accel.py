"""GPU fast path, each piece behind config: bf16 autocast, channels_last, torch.compile.

On the CPU every switch is off whatever the config says, so CPU results do not
change. Checkpoints always hold the plain (uncompiled) module's weights.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Accel:
    bf16_autocast: bool = False
    channels_last: bool = False
    compile: bool = False

    @classmethod
    def for_device(cls, cfg: dict | None, device: torch.device) -> "Accel":
        return cls(**(cfg or {})) if device.type == "cuda" else cls()

    def prepare(self, model: nn.Module) -> nn.Module:
        """Returns the callable to run forward passes with (``model`` itself keeps the weights)."""
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        return torch.compile(model) if self.compile else model

    def autocast(self, device: torch.device):
        if not self.bf16_autocast:
            return contextlib.nullcontext()
        return torch.autocast(device.type, dtype=torch.bfloat16)
