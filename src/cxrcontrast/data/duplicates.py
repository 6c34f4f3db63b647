"""Exact duplicate images across splits: a leak between train and test is the classic error of
hand-made X-ray folders, and it inflates every test metric.

Each image is hashed once (BLAKE2b of its shape, dtype and pixel bytes), so the comparison is a set
lookup per image instead of a comparison of every pair: 100k images hash in well under a second.
Only exact pixel equality counts; a re-encoded or resized copy is not found.
"""

from __future__ import annotations

import hashlib

import numpy as np

ORDER = ("train", "val", "test")  # pairs are named earlier-later in this order: "train-test"


def image_digests(images: np.ndarray) -> list[bytes]:
    """One digest per image (per row of ``images``)."""
    images = np.ascontiguousarray(images)
    # shape and dtype are hashed too: equal bytes of a different shape are a different image
    head = f"{images.shape[1:]}{images.dtype.str}".encode()
    flat = images.reshape(len(images), -1).view(np.uint8) if images.size else images.reshape(len(images), 0)
    return [hashlib.blake2b(head + row.tobytes(), digest_size=16).digest() for row in flat]


def cross_split_duplicates(images: dict[str, np.ndarray]) -> dict[str, int]:
    """For each pair of splits ``a-b`` (``a`` before ``b``: train, val, test, then any other split in the
    given order), the number of images of ``b`` whose exact pixels occur somewhere in ``a``."""
    names = sorted(images, key=lambda s: ORDER.index(s) if s in ORDER else len(ORDER))  # stable: others as given
    digests = {name: image_digests(images[name]) for name in names}
    counts = {}
    for i, first in enumerate(names):
        seen = set(digests[first])
        for second in names[i + 1 :]:
            counts[f"{first}-{second}"] = sum(d in seen for d in digests[second])
    return counts
