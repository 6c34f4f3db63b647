"""Steps of the data stage: demo data, acquisition, pruning, augmented copies, figure."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..data import demo, source
from ..data.augment import AugmentParams, augment_uint8
from ..data.prune import class_counts, class_names, prune_labels
from ..data.tensors import resize_uint8, to_nchw
from ..errors import InputError
from ..io import load_json, load_npz, provenance, save_json, save_npz

log = logging.getLogger(__name__)


def make_demo(out: str, sizes: dict, image_size: int, seed: int) -> None:
    arrays = demo.synthesize(
        n_train=sizes["train"], n_val=sizes["val"], n_test=sizes["test"], size=image_size, seed=seed
    )
    save_npz(out, provenance=provenance(sizes=sizes, image_size=image_size, seed=seed), **arrays)
    log.info("wrote demo dataset %s: %s", out, {k: v.shape for k, v in arrays.items()})


def acquire(flag: str, size: int, root: str) -> Path:
    return source.download(flag, size, root)


def prune(raw: str, flag: str, outputs: dict[str, str], classes_json: str) -> None:
    """Validate ``raw`` (all splits, before any work), prune each split, write its npz."""
    info = source.flag_info(flag)
    splits = source.load_splits(raw, flag)
    names = class_names(info)
    made_by = provenance(raw=str(raw), flag=flag)
    summary = {"flag": flag, "task": info.task, "source": str(raw), "class_names": names, "counts": {},
               "provenance": made_by}
    for split, (images, labels) in splits.items():
        keep, classes = prune_labels(labels, info.task)
        if keep.size == 0:
            raise InputError(f"{raw}: split {split!r} has no single-label rows left after pruning; expected at least one")
        save_npz(outputs[split], provenance=made_by, images=images[keep], labels=classes, index=keep)
        counts = class_counts(classes, len(names))
        summary["counts"][split] = dict(zip(names, counts))
        log.info("%s: kept %d of %d rows; per class %s", split, keep.size, len(labels), counts)
    save_json(classes_json, summary)


def load_pruned(path: str) -> dict[str, np.ndarray]:
    arrays = load_npz(path, ("images", "labels", "index"))
    if not (len(arrays["images"]) == len(arrays["labels"]) == len(arrays["index"])):
        raise InputError(f"{path}: images, labels and index differ in length; expected equal")
    return arrays


def augmented_copies(pruned_train: str, out: str, image_size: int, params: dict, seed: int) -> None:
    """One seeded augmented copy of every pruned training image, at the model's input size."""
    aug = AugmentParams.from_config(params)
    arrays = load_pruned(pruned_train)
    images = to_nchw(arrays["images"])
    if images.shape[-1] > 2 * image_size:  # large sources: antialiased shrink first, then warp
        images = resize_uint8(images, image_size)
    augmented = augment_uint8(images, aug, seed, out_size=image_size)
    # stored in the pruned files' layout: (N,H,W) for gray, (N,H,W,3) for RGB
    stored = augmented[:, 0] if augmented.shape[1] == 1 else augmented.permute(0, 2, 3, 1)
    made_by = provenance(source=str(pruned_train), image_size=image_size, augment=params, seed=seed)
    save_npz(out, provenance=made_by, images=stored.numpy(), labels=arrays["labels"], index=arrays["index"])
    log.info("wrote %d augmented copies to %s", len(arrays["labels"]), out)


def augmentation_figure(pruned_train: str, classes_json: str, out: str, image_size: int, params: dict, seed: int):
    from ..figures.augmentation import plot_examples

    arrays = load_pruned(pruned_train)
    names = load_json(classes_json)["class_names"]
    plot_examples(arrays["images"], arrays["labels"], names, out, image_size, AugmentParams.from_config(params), seed)
