"""The ``folder`` source: a user's own images on disk (``data/imagefolder/layout.py`` says the layout and
what is refused, ``data/imagefolder/pixels.py`` the conversion), turned into one MedMNIST-format file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ...errors import InputError
from ...files import file_digest, load_npz
from ..imagefolder.layout import FolderScan, scan
from ..imagefolder.pixels import MAX_PIXELS, convert
from ..medmnist_format import TaskInfo

__all__ = ["MAX_PIXELS", "FolderScan", "convert", "scan"]


def flag(entry: dict) -> None:
    return None  # a user's own classes: no official MedMNIST task


def task(entry: dict, raw: str):
    """Multi-class, the class names being the folder names as ``convert`` recorded them in ``raw``."""
    names = json.loads(str(load_npz(raw, ("provenance",))["provenance"]))["params"]["classes"]
    return TaskInfo(None, task_type(entry), tuple(names), entry["channels"])


def task_type(entry: dict) -> str:
    return "multi-class"  # one folder, one class, per image


def raw_file(entry: dict) -> None:
    return None  # made by rule `source`


def check(key: str, entry: dict) -> None:
    """The layout and every entry, before any job: the three splits, none empty, no class outside train,
    no broken link, FIFO or unreadable folder."""
    try:
        scan(entry["root"], files=False)
    except InputError as exc:
        raise InputError(f"{key}.root: {exc}") from None


def ctime_is_kept(stat: os.stat_result) -> bool:
    """Whether the filesystem keeps a change time (ctime) that only the kernel sets: POSIX, and not 0 (some
    FUSE and network filesystems give none). Windows' st_ctime is the creation time, which an image
    overwritten in place keeps."""
    return os.name == "posix" and stat.st_ctime_ns != 0


def _identity(path: Path) -> str:
    stat = path.stat()
    if ctime_is_kept(stat):
        return f"{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}\0{stat.st_dev}\0{stat.st_ino}"
    return f"sha256\0{file_digest(path)}"  # no trusted time: the content itself


def fingerprint(entry: dict) -> str:
    """Every image's path and identity on disk: size, modification and change time, device and inode. An
    image added, removed or replaced remakes the file, also one given its old size and mtime back
    (``touch -d``, ``cp -p``): the ctime changes with any write and cannot be set back. Where no ctime is
    kept, each image's SHA-256 stands in (every image read at every start). Cost: a directory listing and
    one stat per image (docs/beyond.md gives the time for 100,000 images)."""
    digest = hashlib.sha256()
    for split, per_class in scan(entry["root"]).files.items():
        for name, paths in per_class.items():
            for path in paths:
                digest.update(f"{split}\0{name}\0{path}\0{_identity(path)}\n".encode())
    return digest.hexdigest()


def make(entry: dict, out: str) -> None:
    convert(scan(entry["root"]), entry["size"], entry["channels"], out)
