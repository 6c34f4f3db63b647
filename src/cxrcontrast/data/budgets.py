"""Label budgets: a fraction of the training labels, drawn per class, seeded and nested; the same fraction of
the validation labels.

Each class's images are put in a seeded random order once; a fraction f keeps the first
ceil(f * count) of every class. So the subsets are stratified (every class keeps its
share, and at least one image), nested (the 1% subset lies inside the 10% one) and the
same for every experiment with the same seed: they depend on the labels and the seed only.

A budget applies to validation too: a run of 1% of the training labels that selected its epoch and fitted
its temperature on every validation label would have used far more labels than its budget says. The
validation subset is drawn the same way from a stream of its own (not the training subset's draws).
"""

from __future__ import annotations

import logging
import math

import numpy as np

log = logging.getLogger(__name__)

TRAIN_STREAM, VAL_STREAM = 0x1ABE15, 0x7A1B0D  # seeded streams of their own: not the training draws of the seed


def budget_rows(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Sorted row indices of the ``fraction`` label budget of the training ``labels`` (1-D class labels)."""
    return stratified_rows(labels, fraction, seed, TRAIN_STREAM)


def val_budget_rows(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Sorted row indices of the ``fraction`` label budget of the validation ``labels``: at least one image of
    each class present, nested across fractions, seeded as the training subsets."""
    return stratified_rows(labels, fraction, seed, VAL_STREAM)


def budgeted_val(val: str, image_size: int, fraction: float, seed: int):
    """The validation images (``data.images.InMemoryImages``) of the label budget ``fraction`` (all at 1)."""
    from .images import load_images  # torch: only for the stages that load images

    full = load_images([val], image_size)
    rows = val_budget_rows(full.labels.numpy(), fraction, seed)
    log.info("validation: %d of %d images (%s of the labels)", len(rows), len(full), fraction)
    return full.rows(rows)


def stratified_rows(labels: np.ndarray, fraction: float, seed: int, stream: int) -> np.ndarray:
    """The first ceil(fraction * count) rows of every class, in a per-class order drawn from ``(seed, stream)``."""
    labels = np.asarray(labels)
    if not 0 < fraction <= 1:
        raise ValueError(f"labels: a fraction in (0, 1] is expected, got {fraction}")
    if fraction == 1:
        return np.arange(len(labels))
    rng = np.random.default_rng([seed, stream])
    keep = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        order = members[rng.permutation(len(members))]
        keep.append(order[: math.ceil(fraction * len(members))])
    return np.sort(np.concatenate(keep))
