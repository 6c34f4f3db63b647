"""Class-balanced sampling: each class is drawn equally often in expectation.

Every example gets weight 1/count(its class) and indices are drawn with replacement by
``torch.utils.data.WeightedRandomSampler``, the sampler of the paper's code, from an explicit seeded
generator so an epoch's order is part of the experiment's seed.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import WeightedRandomSampler


def class_balanced_weights(labels: np.ndarray | torch.Tensor) -> torch.Tensor:
    labels = torch.as_tensor(labels, dtype=torch.long)
    counts = torch.bincount(labels)
    return 1.0 / counts[labels].double()


def balanced_indices(labels, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` indices drawn with replacement, probability proportional to 1/count(class): one pass of the
    seeded sampler (its draw is ``torch.multinomial(weights, n, True, generator=generator)``, so the
    indices are those the stage drew before it used the sampler)."""
    sampler = WeightedRandomSampler(class_balanced_weights(labels), int(n), replacement=True, generator=generator)
    return torch.tensor(list(sampler), dtype=torch.long)
