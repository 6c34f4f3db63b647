"""Heads: the classification head k(.), the contrastive projection z(.), and the models they make."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ClassifierHead(nn.Module):
    """Linear(F,h1) -> ReLU -> Dropout(p) [-> Linear(h1,h2) -> ReLU ...] -> Linear(., classes).

    ``dropout`` is the drop probability (the paper's "rate 0.7, 30% ignored" is p=0.3).
    Dropout sits after the first hidden layer only, as in both of the authors' heads.
    ``softmax_output`` reproduces the authors' Softmax before CrossEntropyLoss.
    """

    def __init__(self, in_features: int, n_classes: int, *, hidden, dropout: float, softmax_output=False):
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
    def from_block(cls, in_features: int, n_classes: int, head: dict, softmax_output: bool):
        """From an ``encoders.<name>.head`` block (``hidden``, ``dropout``)."""
        return cls(
            in_features, n_classes, hidden=tuple(head["hidden"]), dropout=head["dropout"], softmax_output=softmax_output
        )

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


class Embedder(nn.Module):
    """What pretraining trains: the encoder h(.) and the head whose output is z.

    ``z_head: projection`` is the contrastive projection head (the paper's text).
    ``z_head: classifier`` reproduces the authors' mode typo: their ``MnistModel`` was built
    with ``mode="constrastive"`` while ``forward`` tested ``"contrastive"``, so z came out of
    the classification head (Softmax, Dropout active in training), L2-normalized before the loss.
    ``forward`` returns (h, z).
    """

    def __init__(self, encoder: nn.Module, z_head: str = "projection", classifier: ClassifierHead | None = None):
        super().__init__()
        if (z_head == "classifier") != (classifier is not None):
            raise ValueError("z_head 'classifier' needs a classifier head, and only it")
        self.encoder, self.z_head = encoder, z_head
        self.head = ProjectionHead(encoder.out_features) if z_head == "projection" else classifier

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        if self.z_head == "projection":
            return h, self.head(h)
        return h, F.normalize(self.head.net(h).softmax(dim=1), dim=1)
