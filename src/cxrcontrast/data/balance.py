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
