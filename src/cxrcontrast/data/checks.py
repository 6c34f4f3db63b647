"""Data that loads but would mislead: refused, or warned about loudly (log, classes.json, summary).

Refused (an InputError naming the file): non-square images, images of another channel count
than the flag's, images of another size than ``data.size`` says, a training split of one class.
Warned: constant (e.g. all-zero) images, a class present in val/test but absent from train, a
training split holding far fewer classes than the flag names (``check_class_coverage``).
"""

from __future__ import annotations

import logging

import numpy as np

from ..errors import InputError
from .medmnist_format import TaskInfo

log = logging.getLogger(__name__)


def check_images(path, split: str, images: np.ndarray, info: TaskInfo, size: int | None) -> list[str]:
    """Refuse images of the wrong shape for the flag and size; return warnings."""
    h, w = images.shape[1:3]
    if h != w:
        raise InputError(f"{path}: {split}_images are {h}x{w}, not square; expected square MedMNIST images")
    channels = 3 if images.ndim == 4 else 1
    if channels != info.n_channels:
        kind = {1: "gray (N,H,W)", 3: "RGB (N,H,W,3)"}
        raise InputError(
            f"{path}: {split}_images are {kind[channels]} but {info.flag or 'the dataset'} has "
            f"{kind[info.n_channels]} images; check the dataset's flag (or channels) or the file"
        )
    if size is not None and h != size:
        raise InputError(
            f"{path}: {split}_images are {h}x{w} but the dataset's size is {size}; set its size: {h} "
            "(datasets.<name>.size) or give the file of that size"
        )
    flat = images.reshape(len(images), -1)
    constant = int(np.sum(flat.min(1) == flat.max(1)))
    if not constant:
        return []
    return [f"{split}: {constant} of {len(images)} images are constant (e.g. all black); check the file"]


def check_classes(path, counts: dict[str, list[int]], names: list[str]) -> list[str]:
    """Refuse a training split of one class; warn about classes missing from train."""
    train = np.array(counts["train"])
    if np.count_nonzero(train) < 2:
        only = names[int(np.argmax(train))]
        raise InputError(f"{path}: the training split holds one class only ({only}); a classifier needs at least two")
    warnings = []
    for split in ("val", "test"):
        missing = [names[c] for c, k in enumerate(counts[split]) if k and not train[c]]
        if missing:
            warnings.append(f"{split}: classes {missing} occur in {split} but not in train; their recall will be 0")
    return warnings


def check_class_coverage(train_counts: list[int], names: list[str], flag: str | None) -> list[str]:
    """Warn when the training split holds fewer than half of the classes the flag (or dataset) names.

    Such a file is likely not the flag's data (a 2-class file given as organamnist): its labels fit the
    flag's range, yet chance level and top-5 are computed over all the flag's classes, so chance is
    understated and top-5 is 100% by construction once the classes present are five or fewer. Half is
    where "some classes are rare" becomes "the flag does not describe this data"."""
    present = [name for name, count in zip(names, train_counts) if count]
    k = len(names)
    if 2 * len(present) >= k:
        return []
    top5 = k > 5  # top-5 is reported only then
    chance = f"{1 / k:.1%} top-1" + (f", {5 / k:.0%} top-5" if top5 else "")
    by_construction = ", so top-5 is 100% by construction" if top5 and len(present) <= 5 else ""
    return [
        f"train: only {len(present)} of the {k} classes of {flag or 'this dataset'} occur ({', '.join(present)}); "
        f"chance level ({chance}){' and top-5 are' if top5 else ' is'} computed over all {k} classes{by_construction}; "
        + ("check the dataset's flag" if flag else "check the data")
    ]


def warn(warnings: list[str]) -> list[str]:
    for w in warnings:
        log.warning("DATA WARNING: %s", w)
    return warnings
