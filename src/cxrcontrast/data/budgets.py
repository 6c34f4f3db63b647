"""Label budgets: a fraction of the training labels, drawn per class, seeded and nested.

Each class's images are put in a seeded random order once; a fraction f keeps the first
ceil(f * count) of every class. So the subsets are stratified (every class keeps its
share, and at least one image), nested (the 1% subset lies inside the 10% one) and the
same for every experiment with the same seed: they depend on the labels and the seed only.
"""

from __future__ import annotations

import math

import numpy as np


def budget_rows(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Sorted row indices of the ``fraction`` label budget of ``labels`` (1-D class labels)."""
    labels = np.asarray(labels)
    if not 0 < fraction <= 1:
        raise ValueError(f"labels: a fraction in (0, 1] is expected, got {fraction}")
    if fraction == 1:
        return np.arange(len(labels))
    rng = np.random.default_rng([seed, 0x1ABE15])  # a stream of its own: not the training draws of the seed
    keep = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        order = members[rng.permutation(len(members))]
        keep.append(order[: math.ceil(fraction * len(members))])
    return np.sort(np.concatenate(keep))
