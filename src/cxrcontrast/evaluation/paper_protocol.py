"""The paper's test protocol: metrics on a class-balanced resample of the test split.

The authors drew their test batches with ``WeightedRandomSampler(1/count(class), len(test))``:
as many draws as test images, with replacement, each class equally likely. So chance is
1/classes for top-1 (6.7% with 15 classes) and 5/classes for top-5 (33%). The same draw,
seeded, here: one resample of multiplicities, scored by ``weighted_metrics``.

One draw is one number: the authors printed it with ``%d %%``, unseeded. ``paper_protocol_draws`` gives it
its distributions: further balanced resamples of the same predictions (the spread a reader must expect
between two runs of the paper's protocol on one model) and balanced resamples of bootstrap resamples of the
test images (an interval over resamples and test images, as the natural split's bootstrap interval).
"""

from __future__ import annotations

import numpy as np
import torch

from ..data.balance import balanced_indices
from .bootstrap import distributions, interval
from .metrics import PAPER_ORDER, plain, weighted_metrics


def paper_weights(labels: np.ndarray, seed: int) -> np.ndarray:
    """(1, n) multiplicities of the test images in the seeded class-balanced resample."""
    idx = balanced_indices(labels, len(labels), torch.Generator().manual_seed(seed)).numpy()
    return np.bincount(idx, minlength=len(labels))[None].astype(np.float64)


def paper_protocol(probs: np.ndarray, labels: np.ndarray, seed: int, extra: dict | None = None) -> dict:
    """The metrics of the balanced resample; ``extra`` ({name: f(w) -> (1,)}) are scored on the same draw."""
    w = paper_weights(labels, seed)
    m = weighted_metrics(probs, labels, w)
    value = {k: None if m[k] is None else plain(m[k][0]) for k in PAPER_ORDER}
    value.update({k: float(metric(w)[0]) for k, metric in (extra or {}).items()})
    aucs = [plain(a) for a in m["auc_per_class"][0]]
    return {**value, "auc_per_class": aucs, "n": int(w.sum()), "seed": seed, "classes": int(len(np.unique(labels)))}


def paper_protocol_draws(
    probs, labels, seed: int, resamples: int, images: bool, chunk: int = 100, extra: dict | None = None
) -> dict:
    """{metric: (resamples,)} over ``resamples`` seeded balanced resamples; with ``images``, each drawn from a
    bootstrap resample of the test images instead of the test split itself. ``extra`` as in
    ``paper_protocol``."""
    labels = np.asarray(labels)
    n = len(labels)
    gen, rng = torch.Generator().manual_seed(seed), np.random.default_rng(seed)

    def draw() -> np.ndarray:
        pool = rng.integers(0, n, n) if images else np.arange(n)
        return np.bincount(pool[balanced_indices(labels[pool], n, gen).numpy()], minlength=n)

    chunks = (
        np.asarray([draw() for _ in range(min(chunk, resamples - s))], dtype=np.float64)
        for s in range(0, resamples, chunk)
    )
    return distributions(probs, labels, chunks, PAPER_ORDER, extra)


def paper_protocol_spread(probs, labels, seed: int, resamples: int, extra: dict | None = None) -> dict:
    """The paper protocol's ``ci`` (95%, over balanced resamples and test images) and ``resample_sd`` (the SD
    of one balanced draw's metric over draws from the same predictions), per metric."""
    spread = paper_protocol_draws(probs, labels, seed, resamples, images=False, extra=extra)
    both = paper_protocol_draws(probs, labels, seed, resamples, images=True, extra=extra)
    return {
        "ci": {k: interval(v) for k, v in both.items()},
        "resample_sd": {k: None if v is None else float(np.nanstd(v, ddof=1)) for k, v in spread.items()},
        "resamples": resamples,
    }
