"""The paper's test protocol: metrics on a class-balanced resample of the test split.

The authors drew their test batches with ``WeightedRandomSampler(1/count(class), len(test))``:
as many draws as test images, with replacement, each class equally likely. So chance is
1/classes for top-1 (6.7% with 15 classes) and 5/classes for top-5 (33%). The same draw,
seeded, here: one resample of multiplicities, scored by ``weighted_metrics``.
"""

from __future__ import annotations

import numpy as np
import torch

from ..data.balance import balanced_indices
from .metrics import PAPER_ORDER, weighted_metrics


def paper_weights(labels: np.ndarray, seed: int) -> np.ndarray:
    """(1, n) multiplicities of the test images in the seeded class-balanced resample."""
    idx = balanced_indices(labels, len(labels), torch.Generator().manual_seed(seed)).numpy()
    return np.bincount(idx, minlength=len(labels))[None].astype(np.float64)


def paper_protocol(probs: np.ndarray, labels: np.ndarray, seed: int, extra: dict | None = None) -> dict:
    """The metrics of the balanced resample; ``extra`` ({name: f(w) -> (1,)}) are scored on the same draw."""
    w = paper_weights(labels, seed)
    m = weighted_metrics(probs, labels, w)
    value = {k: (None if m[k] is None or np.isnan(m[k][0]) else float(m[k][0])) for k in PAPER_ORDER}
    value.update({k: float(metric(w)[0]) for k, metric in (extra or {}).items()})
    aucs = [None if np.isnan(a) else float(a) for a in m["auc_per_class"][0]]
    n = int(w.sum())
    return {**value, "auc_per_class": aucs, "n": n, "seed": seed, "classes": int(len(np.unique(labels)))}
