"""The layout of an own-image folder: its splits, classes and image files, every entry checked before any
image is opened.

Layout (torchvision's ImageFolder convention, per split)::

    {root}/{split}/{class}/**/*.png|jpg|jpeg     (extensions in any case)

with split folders ``train``, ``val`` (or ``valid`` or ``validation``) and ``test``. A class is named by
its folder's name in Unicode NFC: macOS writes names decomposed (NFD), Linux keeps what it is given, so
``Pneumonié`` copied from two machines is one class whichever form each split holds (both forms in one
split are refused: which is meant?). Classes are the train split's names in plain ``sorted()`` order, as
ImageFolder sorts them; like ImageFolder, a class folder is searched recursively. Names starting with "."
(``.DS_Store``, ``.ipynb_checkpoints``) are hidden and never a class or an image. Other files are counted
as skipped, never read.

Refused, naming the path: a folder that cannot be listed (``os.walk`` would skip it silently); a broken
symbolic link (dangling, or a loop: unfetched git-annex and DVC files look like this) where a class
folder or an image would be; anything named like an image that is not a regular file (a FIFO, socket or
device: opening a FIFO waits for a writer forever). Links to folders below a class folder are not
followed (a loop would never end) and count as skipped.
"""

from __future__ import annotations

import errno
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError

SPLIT_FOLDERS = {"train": ("train",), "val": ("val", "valid", "validation"), "test": ("test",)}
EXTENSIONS = (".png", ".jpg", ".jpeg")
SPECIAL_FILES = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True)
class FolderScan:
    """What :func:`scan` found; ``files`` and ``skipped`` are empty when scanned with ``files=False``."""

    root: Path
    split_dirs: dict[str, Path]
    classes: tuple[str, ...]
    files: dict[str, dict[str, list[Path]]]
    skipped: dict[str, int]


def is_image_name(name: str) -> bool:
    return name.lower().endswith(EXTENSIONS)


def class_name(folder_name: str) -> str:
    return unicodedata.normalize("NFC", folder_name)


def not_a_regular_file(path: Path, mode: int) -> InputError:
    what = next((kind for test, kind in SPECIAL_FILES if test(mode)), "not a file")
    return InputError(
        f"{path}: {what}, not a regular file; only regular files are read as images (reading a FIFO "
        "would wait forever); remove it"
    )


def _broken_link(path: Path) -> InputError:
    try:
        os.stat(path)
        why = "it changed while being read"
    except OSError as exc:
        why = {errno.ENOENT: "the target does not exist", errno.ELOOP: "a loop of links"}.get(exc.errno, exc.strerror)
    return InputError(
        f"{path}: a broken symbolic link to {os.readlink(path)} ({why}); fetch the data it points to "
        "(git annex get, dvc pull) or remove the link"
    )


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError as exc:
        raise InputError(
            f"{folder}: cannot be listed ({exc.strerror or exc}); give this user read access or remove it"
        ) from None


def _kind(entry: os.DirEntry) -> str:
    """What ``entry`` is, links followed: "dir", "file" (regular), "broken" (a dangling or looping link) or
    "other" (FIFO, socket, device). Only a link costs a stat: the rest is the listing's own file type."""
    if entry.is_symlink():
        try:
            mode = entry.stat().st_mode
        except OSError:
            return "broken"
        return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"
    if entry.is_dir(follow_symlinks=False):
        return "dir"
    return "file" if entry.is_file(follow_symlinks=False) else "other"


def _class_dirs(split: str, folder: Path) -> tuple[dict[str, Path], int]:
    """The class folders of a split folder by class name, and how many other files it holds."""
    classes: dict[str, Path] = {}
    skipped = 0
    for entry in _entries(folder):
        path, kind = Path(entry.path), _kind(entry)
        if entry.name.startswith("."):
            skipped += kind != "dir"
        elif kind == "broken":
            raise _broken_link(path)
        elif kind == "dir":
            name = class_name(entry.name)
            if name in classes:
                raise InputError(
                    f"{classes[name]} and {path}: the same class name {name!r} written in two Unicode forms "
                    "(NFC and NFD); merge them into one folder"
                )
            classes[name] = path
        elif is_image_name(entry.name):
            raise InputError(
                f"{path}: an image directly in the {split} split; "
                f"expected it inside a class folder, {folder}/<class>/{entry.name}"
            )
        else:
            skipped += 1
    if not classes:
        raise InputError(f"{folder}: no class folders; expected one folder of images per class")
    return classes, skipped


def _images(class_dir: Path) -> tuple[list[Path], int]:
    """The images below a class folder (regular files of an image extension, searched recursively, sorted)
    and the number of other entries skipped."""
    images, skipped, pending = [], 0, [class_dir]
    while pending:
        for entry in _entries(pending.pop()):
            path, kind = Path(entry.path), _kind(entry)
            if entry.name.startswith("."):
                skipped += kind != "dir"
            elif kind == "dir":
                if entry.is_symlink():
                    skipped += 1  # not followed: a link loop would never end
                else:
                    pending.append(path)
            elif not is_image_name(entry.name):
                skipped += 1
            elif kind == "file":
                images.append(path)
            elif kind == "broken":
                raise _broken_link(path)
            else:
                raise not_a_regular_file(path, os.stat(path).st_mode)
    return sorted(images), skipped


def _split_dir(root: Path, split: str) -> Path:
    found = [root / name for name in SPLIT_FOLDERS[split] if (root / name).is_dir()]
    if not found:
        names = " or ".join(f"'{n}'" for n in SPLIT_FOLDERS[split])
        raise InputError(f"{root}: no {split} split; expected a folder {names} holding one folder per class")
    if len(found) > 1:
        raise InputError(f"{root}: {' and '.join(map(str, found))} are both the {split} split; keep one")
    return found[0]


def _split(split: str, folder: Path, train: dict | None) -> tuple[dict[str, list[Path]], int]:
    """The images of one split by class, and the count of files skipped; ``train``: the train split's."""
    class_dirs, skipped = _class_dirs(split, folder)
    missing = sorted(set(class_dirs) - set(train)) if train is not None else []
    if missing:
        raise InputError(
            f"{class_dirs[missing[0]]}: class {missing[0]!r} is in the {split} split but not in "
            f"train ({folder.parent / 'train'}); the train classes are {sorted(train)}"
        )
    per_class = {}
    for name in sorted(class_dirs):
        per_class[name], other = _images(class_dirs[name])
        skipped += other
        if split == "train" and not per_class[name]:
            raise InputError(
                f"{class_dirs[name]}: no images ({'/'.join(EXTENSIONS)}) for class {name!r} in "
                "train; a class needs training images (remove the folder or add images)"
            )
    if not any(per_class.values()):
        raise InputError(
            f"{folder}: the {split} split holds no images ({'/'.join(EXTENSIONS)}) in any class "
            f"folder; found {skipped} other files"
        )
    return per_class, skipped


def scan(root: str | os.PathLike, files: bool = True) -> FolderScan:
    """Check the layout of ``root`` and every entry below it, refusing a bad one with its path; with
    ``files``, keep the list of images (without, the same checks run: a broken link deep in a class
    folder is refused by the check before any job)."""
    root = Path(root)
    if not root.is_dir():
        problem = "not a directory" if root.exists() else "not found"
        raise InputError(f"{root}: {problem}; expected a folder with train/, val/ and test/ of class folders")
    split_dirs = {split: _split_dir(root, split) for split in SPLIT_FOLDERS}
    found: dict[str, dict[str, list[Path]]] = {}
    skipped: dict[str, int] = {}
    for split, folder in split_dirs.items():
        found[split], skipped[split] = _split(split, folder, found.get("train"))
    classes = tuple(sorted(found["train"]))
    return FolderScan(root, split_dirs, classes, found if files else {}, skipped if files else {})
