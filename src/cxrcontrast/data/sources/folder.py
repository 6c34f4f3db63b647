"""The ``folder`` source: a user's own images on disk, turned into one MedMNIST-format file.

Layout (torchvision's ImageFolder convention, per split)::

    {root}/{split}/{class}/**/*.png|jpg|jpeg     (extensions in any case)

with split folders ``train``, ``val`` (or ``valid`` or ``validation``) and ``test``. Classes are the
train split's folder names in plain ``sorted()`` order, as ImageFolder sorts them; like ImageFolder,
a class folder is searched recursively. Names starting with "." (``.DS_Store``, ``.ipynb_checkpoints``)
are hidden and never a class. Other files are counted as skipped, never read.

Conversion: each image is converted to grayscale "L" (channels 1) or "RGB" (channels 3), centre-cropped
to its largest centred square, and resized with Pillow's ``Image.Resampling.LANCZOS`` filter. Pillow's
own convert clips 16-bit and 32-bit grey (modes I;16, I, F: X-rays exported from DICOM) at 255, which
would turn such an image white; those are scaled linearly from their own [min, max] to [0, 255] instead.
Decompression bombs: Pillow's default guard applies (a warning above ``Image.MAX_IMAGE_PIXELS``, about
89 Mpixel, and an error, reported here with the file's path, above twice that).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import InputError
from ...files import load_npz, provenance, save_npz
from ..source import TaskInfo

log = logging.getLogger(__name__)

SPLIT_FOLDERS = {"train": ("train",), "val": ("val", "valid", "validation"), "test": ("test",)}
EXTENSIONS = (".png", ".jpg", ".jpeg")
GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
WIDE_GREY = {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}  # more than 8 bits: Pillow's convert would clip


@dataclass(frozen=True)
class FolderScan:
    """What :func:`scan` found; ``files`` and ``skipped`` are empty when scanned with ``files=False``."""

    root: Path
    split_dirs: dict[str, Path]
    classes: tuple[str, ...]
    files: dict[str, dict[str, list[Path]]]
    skipped: dict[str, int]


def _is_image(name: str) -> bool:
    return name.lower().endswith(EXTENSIONS)


def _walk(folder: Path, skipped: list[int]):
    """Images under ``folder`` (recursively, in no set order), adding non-image files to ``skipped[0]``.

    Lazy, so a structure check can stop at the first image. Symbolic links to directories below a
    class folder are not followed (a link loop would never end)."""
    for parent, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if _is_image(name) and not name.startswith("."):
                yield Path(parent, name)
            else:
                skipped[0] += 1


def _split_dir(root: Path, split: str) -> Path:
    found = [root / name for name in SPLIT_FOLDERS[split] if (root / name).is_dir()]
    if not found:
        names = " or ".join(f"'{n}'" for n in SPLIT_FOLDERS[split])
        raise InputError(f"{root}: no {split} split; expected a folder {names} holding one folder per class")
    if len(found) > 1:
        raise InputError(f"{root}: {' and '.join(map(str, found))} are both the {split} split; keep one")
    return found[0]


def scan(root: str | os.PathLike, files: bool = True) -> FolderScan:
    """Check the layout of ``root`` and (with ``files``) list its images; refuse a bad layout, naming the path."""
    root = Path(root)
    if not root.is_dir():
        problem = "not a directory" if root.exists() else "not found"
        raise InputError(f"{root}: {problem}; expected a folder with train/, val/ and test/ of class folders")
    split_dirs = {split: _split_dir(root, split) for split in SPLIT_FOLDERS}
    found: dict[str, dict[str, list[Path]]] = {}
    skipped: dict[str, int] = {}  # non-image files, counted whole only when listing files
    for split, folder in split_dirs.items():
        classes, count = [], [0]
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    count[0] += entry.is_file()
                elif entry.is_dir():
                    classes.append(entry.name)
                elif _is_image(entry.name):
                    raise InputError(
                        f"{entry.path}: an image directly in the {split} split; "
                        f"expected it inside a class folder, {folder}/<class>/{entry.name}"
                    )
                else:
                    count[0] += 1
        if not classes:
            raise InputError(f"{folder}: no class folders; expected one folder of images per class")
        if split != "train":
            missing = sorted(set(classes) - set(found["train"]))
            if missing:
                raise InputError(
                    f"{folder / missing[0]}: class {missing[0]!r} is in the {split} split but not in "
                    f"train ({split_dirs['train']}); the train classes are {sorted(found['train'])}"
                )
        per_class = {}
        for name in sorted(classes):
            images = _walk(folder / name, count)
            per_class[name] = sorted(images) if files else list(itertools.islice(images, 1))
            if split == "train" and not per_class[name]:
                raise InputError(
                    f"{folder / name}: no images ({'/'.join(EXTENSIONS)}) for class {name!r} in "
                    "train; a class needs training images (remove the folder or add images)"
                )
        if not any(per_class.values()):
            raise InputError(
                f"{folder}: the {split} split holds no images ({'/'.join(EXTENSIONS)}) in any class "
                f"folder; found {count[0]} other files"
            )
        found[split], skipped[split] = per_class, count[0]
    classes = tuple(sorted(found["train"]))
    return FolderScan(root, split_dirs, classes, found if files else {}, skipped if files else {})


def _load(path: Path, channels: int, size: int, first: dict) -> np.ndarray:
    """One image as a uint8 array of the target mode, cropped and resized; ``first`` records the first
    file of each kind (grey or colour) so a folder mixing them is refused, naming one of each."""
    from PIL import Image

    try:
        image = Image.open(path)
        image.load()  # decode now: a truncated file fails here, named, not later
    except Exception as exc:  # corrupt files raise OSError, SyntaxError, ValueError, struct.error, ...
        raise InputError(f"{path}: not a readable image ({type(exc).__name__}: {exc}); replace or remove it") from exc
    with image:
        first.setdefault("grey" if image.mode in GREY_MODES else "colour", (path, image.mode))
        if len(first) > 1:
            (grey, gm), (colour, cm) = first["grey"], first["colour"]
            raise InputError(
                f"images of mixed channel counts: {grey} is grey (mode {gm}) but {colour} is colour "
                f"(mode {cm}); convert them all to one kind"
            )
        if image.mode in WIDE_GREY:
            pixels = np.asarray(image, dtype=np.float64)
            span = np.ptp(pixels)
            scaled = np.round((pixels - pixels.min()) * (255.0 / span)) if span else np.zeros_like(pixels)
            image = Image.fromarray(scaled.astype(np.uint8), "L")
        image = image.convert("L" if channels == 1 else "RGB")
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.crop((left, top, left + side, top + side))
        return np.asarray(image.resize((size, size), Image.Resampling.LANCZOS))


def convert(found: FolderScan, size: int, channels: int, out: str | os.PathLike) -> dict:
    """Convert every image that :func:`scan` ``found`` into one MedMNIST-format .npz at ``out`` (written atomically).

    ``{split}_images``: uint8 (N, size, size) for ``channels`` 1 or (N, size, size, 3) for 3, each image
    centre-cropped to a square and resized (module docstring); ``{split}_labels``: int64 (N, 1), the index
    of the image's class in ``found.classes``. Returns a summary: classes, counts per split and class,
    skipped non-image files per split.
    """
    if channels not in (1, 3) or int(size) != size or size < 1:
        raise ValueError(f"convert: channels must be 1 or 3 and size a positive integer; got {channels}, {size}")
    if not found.files:  # a structure-only scan lists no files
        found = scan(found.root)
    arrays, counts, first, done = {}, {}, {}, 0
    total = sum(len(paths) for per_class in found.files.values() for paths in per_class.values())
    for split, per_class in found.files.items():
        counts[split] = {name: len(per_class.get(name, [])) for name in found.classes}
        labels = [index for index, name in enumerate(found.classes) for _ in per_class.get(name, [])]
        images = np.empty((len(labels), size, size) + ((3,) if channels == 3 else ()), dtype=np.uint8)
        for row, path in enumerate(path for name in found.classes for path in per_class.get(name, [])):
            images[row] = _load(path, channels, size, first)
            done += 1
            if done % 1000 == 0:
                log.info("converted %d of %d images", done, total)
        arrays[f"{split}_images"] = images
        arrays[f"{split}_labels"] = np.array(labels, dtype=np.int64).reshape(-1, 1)
    params = {"root": str(found.root), "size": size, "channels": channels, "classes": list(found.classes)}
    save_npz(out, provenance=provenance(source="folder", filter="LANCZOS", **params), **arrays)
    log.info("converted %d images of %d classes from %s into %s", total, len(found.classes), found.root, out)
    log.info("skipped non-image files per split: %s", found.skipped)
    return {"classes": list(found.classes), "counts": counts, "skipped": dict(found.skipped)}


# ---- the source contract (data/sources/__init__.py) ------------------------------------------------
def flag(entry: dict) -> None:
    return None  # a user's own classes: no official MedMNIST task


def task(entry: dict, raw: str):
    """Multi-class, the class names being the folder names as ``convert`` recorded them in ``raw``."""
    names = json.loads(str(load_npz(raw, ("provenance",))["provenance"]))["params"]["classes"]
    return TaskInfo(None, "multi-class", tuple(names), entry["channels"])


def raw_file(entry: dict) -> None:
    return None  # made by rule `source`


def check(key: str, entry: dict) -> None:
    """The layout, before any job: the three splits, none empty, no class outside train."""
    try:
        scan(entry["root"], files=False)
    except InputError as exc:
        raise InputError(f"{key}.root: {exc}") from None


def fingerprint(entry: dict) -> str:
    """Every image's path, size and modification time: an image added, removed or replaced remakes the file."""
    digest = hashlib.sha256()
    for split, per_class in scan(entry["root"]).files.items():
        for name, paths in per_class.items():
            for path in paths:
                stat = path.stat()
                digest.update(f"{split}\0{name}\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def make(entry: dict, out: str) -> None:
    convert(scan(entry["root"]), entry["size"], entry["channels"], out)
