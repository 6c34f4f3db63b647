"""Stages of the data rules: demo data, pruning, unpruned splits, augmented copies, figure."""

from __future__ import annotations

import logging

import numpy as np

from ..data import source, sources
from ..data.augment import AugmentParams, augment_uint8
from ..data.checks import check_class_coverage, check_classes, check_images, warn
from ..data.duplicates import cross_split_duplicates
from ..data.images import load_split
from ..data.prune import class_names, prune_labels
from ..data.tensors import resize_uint8, to_nchw
from ..errors import InputError
from ..files import load_json, provenance, save_json, save_npz

log = logging.getLogger(__name__)
# What pruning the official ChestMNIST (any MedMNIST+ size: the same images) to single-label rows gives.
OFFICIAL_PRUNED = {"chestmnist": {"train": 64007, "val": 9191, "test": 18187}}


def prune(raw: str, data: dict, outputs: dict[str, str], classes_json: str) -> None:
    """Validate ``raw`` (all splits, before any work) as dataset ``data`` (its config entry) says, prune
    each split, write its npz.

    The official ChestMNIST file (recognised by its MD5) must prune to the paper's counts."""
    info = sources.task(data, raw)
    flag, size = info.flag, data.get("size")
    splits = source.load_splits(raw, info)
    names = class_names(info)
    warnings = []
    for split, (images, _) in splits.items():
        warnings += check_images(raw, split, images, info, size)
    pruned = {split: prune_labels(labels, info.task) for split, (_, labels) in splits.items()}
    counts = {split: np.bincount(classes, minlength=len(names)).tolist() for split, (_, classes) in pruned.items()}
    kept = {split: len(keep) for split, (keep, _) in pruned.items()}
    for split, n in kept.items():
        if n == 0:
            raise InputError(
                f"{raw}: split {split!r} has no single-label rows left after pruning; expected at least one"
            )
    warnings += check_classes(raw, counts, names)
    warnings += check_class_coverage(counts["train"], names, flag)
    duplicates = cross_split_duplicates({split: images for split, (images, _) in splits.items()})
    warnings += [
        f"{n} {pair.split('-')[1]} images are exact copies of {pair.split('-')[0]} images (a leak between splits?)"
        for pair, n in duplicates.items()
        if n
    ]
    official = source.official_size(raw, flag) if flag else None
    expected = OFFICIAL_PRUNED.get(flag) if official else None
    if expected and kept != expected:
        raise InputError(
            f"{raw}: the official {flag} file pruned to {kept}; the paper's pruning gives {expected}. "
            "The pruning rule or the file is not what it should be"
        )
    made_by = provenance(raw=str(raw), flag=flag)
    for split, (keep, classes) in pruned.items():
        save_npz(outputs[split], provenance=made_by, images=splits[split][0][keep], labels=classes, index=keep)
        log.info("%s: kept %d of %d rows; per class %s", split, keep.size, len(splits[split][1]), counts[split])
    save_json(
        classes_json,
        {
            "flag": flag,
            "task": info.task,
            "source": str(raw),
            "official": official,
            "class_names": names,
            "counts": {s: dict(zip(names, c)) for s, c in counts.items()},
            "warnings": warn(warnings),
            "duplicates": duplicates,
            "provenance": made_by,
        },
    )


def unpruned(raw: str, data: dict, outputs: dict[str, str]) -> None:
    """Every row of every split as the source has it, with its labels (multi-hot for ChestMNIST): the
    official MedMNIST task, and the label-free pretraining's images."""
    info = sources.task(data, raw)
    made_by = provenance(raw=str(raw), flag=info.flag)
    for split, (images, labels) in source.load_splits(raw, info).items():
        save_npz(
            outputs[split],
            provenance=made_by,
            images=images,
            labels=labels.astype(np.int64),
            index=np.arange(len(labels), dtype=np.int64),
        )


def augmented_copies(pruned_train: str, out: str, image_size: int, params: dict, seed: int) -> None:
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


def augmentation_figure(pruned_train: str, classes_json: str, out: str, image_size: int, params: dict, seed: int):
    from ..figures.augmentation import plot_examples

    arrays = load_split(pruned_train)
    names = load_json(classes_json)["class_names"]
    plot_examples(arrays["images"], arrays["labels"], names, out, image_size, AugmentParams.from_config(params), seed)
