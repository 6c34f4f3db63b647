"""Heads: the classification head k(.) and the contrastive projection z(.)."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def xavier_init(module: nn.Module) -> None:
    """Xavier-uniform weights and zero biases for every conv and linear layer (the paper's text)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class ClassifierHead(nn.Module):
    """Linear(F,h1) -> ReLU -> Dropout(p) [-> Linear(h1,h2) -> ReLU ...] -> Linear(., classes).

    ``dropout`` is the drop probability (the paper's "rate 0.7, 30% ignored" is p=0.3).
    Dropout sits after the first hidden layer only, as in both of the authors' heads.
    ``softmax_output`` reproduces the authors' Softmax before CrossEntropyLoss.
    """

    def __init__(self, in_features: int, n_classes: int, hidden=(256,), dropout: float = 0.3, softmax_output=False):
        super().__init__()
        layers: list[nn.Module] = []
        width = in_features
        for i, h in enumerate(hidden):
            layers += [nn.Linear(width, h), nn.ReLU(inplace=True)]
            if i == 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, n_classes))
        self.net = nn.Sequential(*layers)
        self.softmax_output = softmax_output

    @classmethod
    def from_config(cls, in_features: int, n_classes: int, head_cfg: dict, softmax_output: bool = False):
        """From an ``encoders.<name>.head`` block."""
        return cls(in_features, n_classes, hidden=tuple(head_cfg.get("hidden", (256,))),
                   dropout=head_cfg.get("dropout", 0.3), softmax_output=softmax_output)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        out = self.net(features)
        return out.softmax(dim=1) if self.softmax_output else out


class ProjectionHead(nn.Module):
    """z(.): Linear(F,256) -> ReLU -> Linear(256,128), L2-normalized."""

    def __init__(self, in_features: int, hidden: int = 256, out_features: int = 128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, out_features))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.net(features), dim=1)


class Classifier(nn.Module):
    """Encoder h(.) followed by the classification head k(.)."""

    def __init__(self, encoder: nn.Module, head: ClassifierHead):
        super().__init__()
        self.encoder, self.head = encoder, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))
