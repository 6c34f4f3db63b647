"""The base of every encoder h(.), apart from the registry so that each family's module can extend it."""

from __future__ import annotations

from torch import nn


class Encoder(nn.Module):
    """Base: ``forward`` gives flat features; ``out_features`` is their size."""

    name: str
    out_features: int
