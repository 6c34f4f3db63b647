"""Class-balanced sampling: each class is drawn equally often in expectation.

Every example gets weight 1/count(its class) and indices are drawn with
replacement, as ``torch.utils.data.WeightedRandomSampler`` does, but from an
explicit seeded generator so an epoch's order is part of the experiment's seed.
"""
from __future__ import annotations

import numpy as np
import torch


def class_balanced_weights(labels: np.ndarray | torch.Tensor) -> torch.Tensor:
    labels = torch.as_tensor(labels, dtype=torch.long)
    counts = torch.bincount(labels)
    return 1.0 / counts[labels].double()


def balanced_indices(labels, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` indices drawn with replacement, probability proportional to 1/count(class)."""
    weights = class_balanced_weights(labels)
    return torch.multinomial(weights, n, replacement=True, generator=generator)


def balanced_resample(labels, per_class: int, generator: torch.Generator) -> torch.Tensor:
    """Exactly ``per_class`` indices of every present class, drawn with replacement."""
    labels = torch.as_tensor(labels, dtype=torch.long)
    out = []
    for cls in torch.unique(labels):
        members = torch.nonzero(labels == cls).squeeze(1)
        pick = torch.randint(len(members), (per_class,), generator=generator)
        out.append(members[pick])
    return torch.cat(out)
