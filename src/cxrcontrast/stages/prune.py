"""Stage of rule ``prune``: validate a dataset's file, keep its single-label rows, write each split and classes.json."""

from __future__ import annotations

import logging

import numpy as np

from ..data import medmnist_format, sources
from ..data.checks import check_class_coverage, check_classes, check_images, warn
from ..data.duplicates import cross_split_duplicates
from ..data.prune import class_names, prune_labels
from ..errors import InputError
from ..files import provenance, save_json, save_npz

log = logging.getLogger(__name__)
# What pruning the official ChestMNIST (any MedMNIST+ size: the same images) to single-label rows gives.
OFFICIAL_PRUNED = {"chestmnist": {"train": 64007, "val": 9191, "test": 18187}}


def pruned_splits(raw: str, splits: dict, task: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Split -> (kept rows, their classes); a split left with no row is refused."""
    pruned = {split: prune_labels(labels, task) for split, (_, labels) in splits.items()}
    for split, (keep, _) in pruned.items():
        if len(keep) == 0:
            raise InputError(
                f"{raw}: split {split!r} has no single-label rows left after pruning; expected at least one"
            )
    return pruned


def duplicate_warnings(duplicates: dict[str, int]) -> list[str]:
    return [
        f"{n} {pair.split('-')[1]} images are exact copies of {pair.split('-')[0]} images (a leak between splits?)"
        for pair, n in duplicates.items()
        if n
    ]


def checked_official(raw: str, flag: str | None, pruned: dict) -> int | None:
    """The official file's image size (None for other files); the official file must prune to the paper's counts."""
    official = medmnist_format.official_size(raw, flag) if flag else None
    expected = OFFICIAL_PRUNED.get(flag) if official else None
    kept = {split: len(keep) for split, (keep, _) in pruned.items()}
    if expected and kept != expected:
        raise InputError(
            f"{raw}: the official {flag} file pruned to {kept}; the paper's pruning gives {expected}. "
            "The pruning rule or the file is not what it should be"
        )
    return official


def save_pruned(outputs: dict[str, str], splits: dict, pruned: dict, counts: dict, made_by: str) -> None:
    for split, (keep, classes) in pruned.items():
        save_npz(outputs[split], provenance=made_by, images=splits[split][0][keep], labels=classes, index=keep)
        log.info("%s: kept %d of %d rows; per class %s", split, keep.size, len(splits[split][1]), counts[split])


def run_prune(raw: str, data: dict, outputs: dict[str, str], classes_json: str) -> None:
    """Validate ``raw`` (all splits, before any work) as dataset ``data`` (its config entry) says, prune
    each split, write its npz.

    The official ChestMNIST file (recognised by its MD5) must prune to the paper's counts."""
    info = sources.task(data, raw)
    splits = medmnist_format.load_splits(raw, info)
    names = class_names(info)
    warnings = [
        w for split, (images, _) in splits.items() for w in check_images(raw, split, images, info, data.get("size"))
    ]
    pruned = pruned_splits(raw, splits, info.task)
    counts = {split: np.bincount(classes, minlength=len(names)).tolist() for split, (_, classes) in pruned.items()}
    warnings += check_classes(raw, counts, names) + check_class_coverage(counts["train"], names, info.flag)
    duplicates = cross_split_duplicates({split: images for split, (images, _) in splits.items()})
    warnings += duplicate_warnings(duplicates)
    official = checked_official(raw, info.flag, pruned)
    made_by = provenance(raw=str(raw), flag=info.flag)
    save_pruned(outputs, splits, pruned, counts, made_by)
    record = {
        "flag": info.flag,
        "task": info.task,
        "source": str(raw),
        "official": official,
        "class_names": names,
        "counts": {s: dict(zip(names, c)) for s, c in counts.items()},
        "warnings": warn(warnings),
        "duplicates": duplicates,
        "provenance": made_by,
    }
    save_json(classes_json, record)
