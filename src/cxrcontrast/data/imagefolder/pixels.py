"""An own-image folder's images converted into one MedMNIST-format file, in a bounded amount of memory.

Each image is converted to grayscale "L" (channels 1) or "RGB" (channels 3), centre-cropped to its
largest centred square, and resized with Pillow's ``Image.Resampling.LANCZOS`` filter. Pillow's own
convert clips 16-bit and 32-bit grey (modes I;16, I, F: X-rays exported from DICOM) at 255, which would
turn such an image white; those are scaled linearly from their own [min, max] to [0, 255] instead, a
band of rows at a time (``BAND_PIXELS``), so no float64 copy of a whole image is made. A palette image
("P") whose entries are all grey is grey.

Size: an image of more than ``MAX_PIXELS`` pixels (64 Mpixel, e.g. 8000x8000; chest radiographs are
at most about 4300x4300, 18 Mpixel) is refused from its header, before it is decoded, so that one
image stays well inside the ``source`` rule's ``mem_mb=4000``: an 8000x8000 16-bit PNG peaks at about
410 MB of resident memory here (1.6 GB with a whole-image float64 scaling; a 13000x13000 one reached
4.2 GB). Pillow's own guard against decompression bombs still applies (an error, reported with the
file's path, above twice ``Image.MAX_IMAGE_PIXELS``).
"""

from __future__ import annotations

import logging
import os
import stat
from collections import Counter
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ...errors import InputError
from ...files import provenance, save_npz
from .layout import FolderScan, not_a_regular_file, scan

log = logging.getLogger(__name__)

MAX_PIXELS = 64_000_000
BAND_PIXELS = 1 << 20  # pixels scaled at once: 8 MB of float64 temporaries
GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
WIDE_GREY = {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}  # more than 8 bits: Pillow's convert would clip


def _open_regular(path: Path) -> BinaryIO:
    """``path`` opened to read, refused unless a regular file. Opened non-blocking: a FIFO put in an
    image's place after the scan is refused here, where a plain open would wait for a writer forever."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise not_a_regular_file(path, mode)
    return os.fdopen(fd, "rb")


def _is_grey(image) -> bool:
    if image.mode == "P":  # grey when every entry of its palette is
        palette = image.getpalette("RGB") or []
        return all(r == g == b for r, g, b in zip(palette[0::3], palette[1::3], palette[2::3]))
    return image.mode in GREY_MODES


def _refuse_mixed_kinds(path: Path, image, first: dict) -> None:
    """``first`` records the first file of each kind (grey or colour), so a folder mixing them is refused
    naming one of each."""
    first.setdefault("grey" if _is_grey(image) else "colour", (path, image.mode))
    if len(first) > 1:
        (grey, grey_mode), (colour, colour_mode) = first["grey"], first["colour"]
        raise InputError(
            f"images of mixed channel counts: {grey} is grey (mode {grey_mode}) but {colour} is colour "
            f"(mode {colour_mode}); convert them all to one kind"
        )


def _refuse_too_many_pixels(path: Path, image) -> None:
    width, height = image.size  # from the header: nothing decoded yet
    if width * height > MAX_PIXELS:
        raise InputError(
            f"{path}: {width}x{height} pixels ({width * height / 1e6:.0f} Mpixel); at most "
            f"{MAX_PIXELS / 1e6:.0f} Mpixel an image are read (decoding more could exceed the source job's "
            "memory); downscale it"
        )


def scaled_to_8_bits(image):
    """A >8-bit grey image scaled linearly from its own [min, max] to [0, 255] ("L"): the values of
    ``round((x - min) * (255 / (max - min)))`` in float64, computed a band of rows at a time."""
    from PIL import Image

    pixels = np.asarray(image)  # its own dtype (uint16, int32, float32): no wider copy
    low, high = float(pixels.min()), float(pixels.max())
    out = np.zeros(pixels.shape, np.uint8)
    if high > low:
        factor, rows = 255.0 / (high - low), max(1, BAND_PIXELS // pixels.shape[1])
        for start in range(0, len(pixels), rows):
            band = pixels[start : start + rows].astype(np.float64)
            out[start : start + rows] = np.round((band - low) * factor)
    return Image.fromarray(out)


def load(path: Path, channels: int, size: int, first: dict, shrunk: Counter | None = None) -> np.ndarray:
    """One image as a uint8 array of the target mode, cropped and resized; ``first``: see
    :func:`_refuse_mixed_kinds`; ``shrunk`` counts the images whose square is larger than ``size``."""
    from PIL import Image

    try:
        with _open_regular(path) as file:
            with Image.open(file) as image:
                _refuse_too_many_pixels(path, image)
                _refuse_mixed_kinds(path, image, first)
                image.load()  # decode now: a truncated file fails here, named, not later
                if image.mode in WIDE_GREY:
                    image = scaled_to_8_bits(image)
                image = image.convert("L" if channels == 1 else "RGB")
    except InputError:
        raise
    except Exception as exc:  # corrupt files raise OSError, SyntaxError, ValueError, struct.error, ...
        raise InputError(f"{path}: not a readable image ({type(exc).__name__}: {exc}); replace or remove it") from exc
    side = min(image.size)
    if shrunk is not None and side > size:
        shrunk["images"] += 1
        shrunk["largest"] = max(shrunk["largest"], side)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    return np.asarray(image.resize((size, size), Image.Resampling.LANCZOS))


def warn_if_shrunk(shrunk: Counter, total: int, size: int, root: Path) -> None:
    """One warning for the whole folder when images were shrunk (the defaults would make a 1024 px X-ray 28 px)."""
    if shrunk["images"]:
        log.warning(
            "%d of %d images in %s are larger than size %d px (up to %d px on their short side) and were shrunk "
            "to %d px; to keep more detail, set this dataset's size and image_size in the config (e.g. 128), or "
            "--size 128 with `python -m cxrcontrast own`",
            shrunk["images"],
            total,
            root,
            size,
            shrunk["largest"],
            size,
        )


def convert(found: FolderScan, size: int, channels: int, out: str | os.PathLike) -> dict:
    """Convert every image that :func:`scan` ``found`` into one MedMNIST-format .npz at ``out`` (written atomically).

    ``{split}_images``: uint8 (N, size, size) for ``channels`` 1 or (N, size, size, 3) for 3, each image
    converted as the module docstring says; ``{split}_labels``: int64 (N, 1), the index of the image's
    class in ``found.classes``. Returns a summary: classes, counts per split and class, skipped
    non-image files per split.
    """
    if channels not in (1, 3) or int(size) != size or size < 1:
        raise ValueError(f"convert: channels must be 1 or 3 and size a positive integer; got {channels}, {size}")
    if not found.files:  # a scan with files=False keeps no list
        found = scan(found.root)
    arrays, counts, first, done, shrunk = {}, {}, {}, 0, Counter()
    total = sum(len(paths) for per_class in found.files.values() for paths in per_class.values())
    for split, per_class in found.files.items():
        counts[split] = {name: len(per_class.get(name, [])) for name in found.classes}
        labels = [index for index, name in enumerate(found.classes) for _ in per_class.get(name, [])]
        images = np.empty((len(labels), size, size) + ((3,) if channels == 3 else ()), dtype=np.uint8)
        for row, path in enumerate(path for name in found.classes for path in per_class.get(name, [])):
            images[row] = load(path, channels, size, first, shrunk)
            done += 1
            if done % 1000 == 0:
                log.info("converted %d of %d images", done, total)
        arrays[f"{split}_images"] = images
        arrays[f"{split}_labels"] = np.array(labels, dtype=np.int64).reshape(-1, 1)
    warn_if_shrunk(shrunk, total, size, found.root)
    params = {"root": str(found.root), "size": size, "channels": channels, "classes": list(found.classes)}
    save_npz(out, provenance=provenance(source="folder", filter="LANCZOS", **params), **arrays)
    log.info("converted %d images of %d classes from %s into %s", total, len(found.classes), found.root, out)
    log.info("skipped non-image files per split: %s", found.skipped)
    return {"classes": list(found.classes), "counts": counts, "skipped": dict(found.skipped)}
