"""Stage of rule ``augment_copies``: one seeded augmented copy of the pruned training split."""

from __future__ import annotations

import logging

from ..data.augment import AugmentParams, augment_uint8
from ..data.images import load_split
from ..data.tensors import resize_uint8, to_nchw
from ..files import provenance, save_npz

log = logging.getLogger(__name__)


def run_augment_copies(pruned_train: str, out: str, image_size: int, params: dict, seed: int) -> None:
    """One seeded augmented copy of every pruned training image, at the model's input size.

    ``seed`` is the experiment's seed: every seed gets its own copy, so seed-to-seed spread includes it."""
    aug = AugmentParams.from_config(params)
    arrays = load_split(pruned_train)
    images = to_nchw(arrays["images"])
    if images.shape[-1] > 2 * image_size:  # large sources: antialiased shrink first, then warp
        images = resize_uint8(images, image_size)
    augmented = augment_uint8(images, aug, seed, out_size=image_size)
    # stored in the pruned files' layout: (N,H,W) for gray, (N,H,W,3) for RGB
    stored = augmented[:, 0] if augmented.shape[1] == 1 else augmented.permute(0, 2, 3, 1)
    made_by = provenance(source=str(pruned_train), image_size=image_size, augment=params, seed=seed)
    save_npz(out, provenance=made_by, images=stored.numpy(), labels=arrays["labels"], index=arrays["index"])
    log.info("wrote %d augmented copies to %s (seed %d)", len(arrays["labels"]), out, seed)
