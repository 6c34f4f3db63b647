"""Acquire and validate MedMNIST-format files.

A MedMNIST ``.npz`` holds ``{train,val,test}_images`` (uint8, (N,H,W) or
(N,H,W,3)) and ``{split}_labels`` ((N,L)). What L and the label values must be
follows from the flag's task in ``medmnist.INFO``. Single-column labels given as
(N,) are read as (N,1), the shape MedMNIST ships (``label_matrix``), by every
reader of the file: ``load_splits`` and the official task's Evaluator.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DownloadError, InputError
from ..files import file_digest, load_npz
from ..vocabulary.flags import flags_2d, medmnist_info
from ..vocabulary.tasks import MULTI_LABEL

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class TaskInfo:
    """What the workflow needs to know about a dataset's labels: its task (MedMNIST's spelling), the
    label names and the images' channels; ``flag`` is its MedMNIST flag, None for other data."""

    flag: str | None
    task: str
    label_names: tuple[str, ...]
    n_channels: int

    @property
    def label_width(self) -> int:
        """Columns of the label array: one per finding for multi-label, else one."""
        return len(self.label_names) if self.task == MULTI_LABEL else 1


def flag_info(flag: str) -> TaskInfo:
    INFO = medmnist_info()
    if flag not in INFO:
        raise InputError(f"data.flag: unknown MedMNIST flag {flag!r}; expected one of {flags_2d()}")
    if flag.endswith("3d"):
        raise InputError(f"data.flag: {flag!r} is a 3D dataset; this workflow takes 2D flags only")
    info = INFO[flag]
    names = tuple(info["label"][str(i)] for i in range(len(info["label"])))
    return TaskInfo(flag, info["task"], names, int(info["n_channels"]))


SIZES = (28, 64, 128, 224)


def size_suffix(size: int) -> str:
    """MedMNIST's file-name suffix of an image size: "" for 28, "_64" for 64, ..."""
    return "" if size == 28 else f"_{size}"


def official_name(name: str) -> tuple[str, int]:
    """(flag, size) of a MedMNIST file name without ``.npz``: ``chestmnist`` -> 28, ``chestmnist_64`` -> 64."""
    flag, _, size = name.partition("_")
    return flag, int(size) if size else 28


def official_file(flag: str, size: int) -> tuple[str, str, str]:
    """(file name, official URL, MD5) of a MedMNIST file, from medmnist's INFO."""
    flag_info(flag)  # refuses an unknown or 3D flag
    info, suffix = medmnist_info()[flag], size_suffix(size)
    if f"url{suffix}" not in info:
        raise InputError(f"data.size: {size} is not a MedMNIST size for {flag!r}; expected 28, 64, 128 or 224")
    return f"{flag}{suffix}.npz", info[f"url{suffix}"], info[f"MD5{suffix}"]


def check_md5(path: str | Path, expected: str) -> None:
    actual = file_digest(path, "md5")
    if actual != expected:
        raise DownloadError(
            f"{path}: MD5 {actual} does not match the official {expected}; "
            "the file is corrupt or not the official release: delete it and download it again"
        )


def official_size(path: str | Path, flag: str) -> int | None:
    """The MedMNIST size of which ``path`` is the official file (by its MD5), else None."""
    info = medmnist_info().get(flag)
    if info is None:
        return None
    digest = file_digest(path, "md5")
    return next((size for size in SIZES if info.get(f"MD5{size_suffix(size)}") == digest), None)


def download(flag: str, size: int, root: str | Path) -> Path:
    """Fetch an official file through the medmnist package, then check its MD5.

    medmnist's own ``download`` is called without building its dataset (which would load the whole
    training split into memory: gigabytes at 224px). Offline, this fails with a message saying how
    to supply the file by hand; it never falls back to other data.
    """
    from types import SimpleNamespace

    import medmnist

    name, url, md5 = official_file(flag, size)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    target = root / name
    if not target.exists():
        log.info("downloading %s from %s into %s", name, url, root)
        cls = getattr(medmnist, medmnist.INFO[flag]["python_class"])
        dataset = SimpleNamespace(info=medmnist.INFO[flag], root=str(root), flag=flag, size_flag=size_suffix(size))
        try:
            cls.download(dataset)
        except Exception as exc:  # medmnist wraps network errors in a bare RuntimeError
            raise DownloadError(
                f"could not download {name} (flag {flag!r}, size {size}).\n"
                f"  official URL: {url}\n  MD5: {md5}\n"
                f"Download it by hand, check its MD5, and either put it at {target} "
                f"or give the dataset as `{{source: npz, npz: /path/to/{name}, flag: {flag}}}` in the config.\n"
                f"(cause: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__})"
            ) from exc
    check_md5(target, md5)
    return target


def label_matrix(labels: np.ndarray) -> np.ndarray:
    """Labels as MedMNIST ships them, (N, L): a single-column file's (N,) becomes (N, 1). The one place the
    shape is normalized, so the pruned, unpruned and official readers of a file agree on it."""
    return labels.reshape(len(labels), -1) if labels.ndim == 1 else labels


def _check_split(path: Path, split: str, images: np.ndarray, labels: np.ndarray, info: TaskInfo) -> None:
    ik, lk = f"{split}_images", f"{split}_labels"
    if images.dtype != np.uint8:
        raise InputError(f"{path}: {ik} has dtype {images.dtype}; expected uint8")
    if not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 3)):
        raise InputError(f"{path}: {ik} has shape {images.shape}; expected (N,H,W) or (N,H,W,3)")
    if images.shape[0] == 0:
        raise InputError(f"{path}: {ik} is empty; expected at least one image")
    given = labels.shape  # quoted as the file holds it, not as reshaped below
    labels = label_matrix(labels)
    if labels.ndim != 2 or labels.shape[1] != info.label_width:
        raise InputError(
            f"{path}: {lk} has shape {given}; expected (N, {info.label_width}) for {info.flag or 'its'} {info.task} "
            f"labels ({len(info.label_names)} names)"
        )
    if labels.shape[0] != images.shape[0]:
        raise InputError(f"{path}: {ik} has {images.shape[0]} rows but {lk} has {labels.shape[0]}; expected equal")
    if not np.issubdtype(labels.dtype, np.integer):
        raise InputError(f"{path}: {lk} has dtype {labels.dtype}; expected integer labels")
    if info.task == MULTI_LABEL:
        bad = ~np.isin(labels, (0, 1))
        if bad.any():
            row = int(np.argwhere(bad)[0][0])
            raise InputError(f"{path}: {lk} row {row} holds {labels[row].tolist()}; expected only 0/1 (multi-label)")
    elif labels.min() < 0 or labels.max() >= len(info.label_names):
        raise InputError(
            f"{path}: {lk} values span [{labels.min()}, {labels.max()}]; "
            f"expected class indices in [0, {len(info.label_names) - 1}] "
            f"(the {len(info.label_names)} classes of {info.flag or 'the dataset'}); check the dataset's flag"
        )


def load_splits(path: str | Path, info: TaskInfo | str, splits=SPLITS) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Load and validate a MedMNIST-format file as ``info`` (or a MedMNIST flag) says; returns
    {split: (images, labels (N,L))}."""
    path, info = Path(path), flag_info(info) if isinstance(info, str) else info
    required = [f"{s}_{kind}" for s in splits for kind in ("images", "labels")]
    arrays = load_npz(path, required)
    out = {}
    for split in splits:
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        _check_split(path, split, images, labels, info)
        out[split] = (images, label_matrix(labels))
    return out
