"""Stage of rule ``corrupt``: the test split under every chosen corruption and severity, once per seed."""

from __future__ import annotations

import logging

import numpy as np

from ..data.corruptions import corrupt
from ..files import load_npz, provenance, save_npz

log = logging.getLogger(__name__)


def run_corrupt(test: str, out: str, params: dict, seed: int) -> None:
    """``params``: ``RunConfig.corrupt_params`` (corruptions, severities). Writes ``images`` (K, N, C, S, S) with
    ``corruption`` and ``severity`` (K,) naming each copy; K = 0 for RGB images (the chest corruptions are of gray
    images)."""
    split = load_npz(test, ("images", "labels", "index"))
    images = split["images"]
    gray = images.ndim == 3 or (images.ndim == 4 and 1 in (images.shape[1], images.shape[-1]))
    pairs = [(c, s) for c in params["corruptions"] for s in sorted(params["severities"])] if gray else []
    if not gray:
        log.warning("%s: RGB images; MedMNIST-C's chest corruptions are of gray images, so none is made", test)
    shaped = images.reshape(len(images), 1, *images.shape[-2:]) if gray else images
    copies = []
    for i, (name, severity) in enumerate(pairs, start=1):
        copies.append(corrupt(shaped, name, severity, seed))
        log.info("%s, severity %d: %d images (%d of %d)", name, severity, len(shaped), i, len(pairs))
    save_npz(
        out,
        provenance=provenance(test=test, params=params, seed=seed),
        images=np.stack(copies) if copies else np.zeros((0, *shaped.shape), np.uint8),
        corruption=np.array([c for c, _ in pairs], dtype=str),
        severity=np.array([s for _, s in pairs], dtype=np.int64),
        labels=split["labels"],
        index=split["index"],
    )
