"""Safe loading and atomic writing of arrays, JSON, CSV and checkpoints.

Every output is written to a temporary file in the target directory and moved
into place with ``os.replace``, so a job killed mid-write never leaves a file
that a later run would trust. Loading never unpickles: ``np.load(allow_pickle=False)``
and ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from .errors import InputError

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file normal permissions
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def link_or_copy(source: str | os.PathLike, target: str | os.PathLike) -> OSError | None:
    """Put ``source``'s file at ``target`` atomically as a hard link (one copy on disk for both names), or as
    a copy where the filesystem refuses the link (EXDEV across devices, EPERM, EMLINK, no link support).
    The error that refused the link, or None when linked.

    A link is safe because every writer here replaces a file (temporary file + ``os.replace``: a new inode)
    rather than writing into it, so a later write to ``target`` never reaches ``source``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.link"  # os.link needs a free name
    try:
        os.link(source, tmp)
    except OSError as refused:
        with atomic_path(target) as copy:
            shutil.copyfile(source, copy)
        return refused
    try:
        os.replace(tmp, target)
    finally:  # POSIX rename does nothing when both names are already one file: the temporary name stays
        tmp.unlink(missing_ok=True)
    return None


def provenance(**params) -> dict:
    """What made an output: the package version and the resolved parameters of the step."""
    from . import __version__

    return {"package": "cxrcontrast", "version": __version__, "params": params}


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file's bytes: SHA-256, or another of hashlib's algorithms (MedMNIST publishes MD5s)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def save_npz(path: str | os.PathLike, provenance: dict | None = None, **arrays: np.ndarray) -> None:
    """Write arrays to ``path`` (an .npz) atomically, uncompressed for fast loading.

    ``provenance`` is stored as a JSON string under the key ``provenance``
    (a plain unicode array: reading it back needs no pickle).
    """
    if provenance is not None:
        arrays["provenance"] = np.array(json.dumps(provenance, sort_keys=True))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)


def save_json(path: str | os.PathLike, obj) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n")


def save_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def spreadsheet_safe(cell):
    """``cell`` as a spreadsheet shows it but never runs it: text starting like a formula (a class folder
    named ``=HYPERLINK(...)``) gets a leading single quote, as OWASP's "CSV Injection" page recommends. A
    number, or text that is one (``-0.5``), is left as it is: a reader parses it back."""
    if not isinstance(cell, str) or not cell.startswith(FORMULA_STARTS):
        return cell
    try:
        float(cell)
        return cell
    except ValueError:
        return "'" + cell


def save_csv(path: str | os.PathLike, rows: list[dict], columns: Iterable[str] | None = None) -> None:
    """Rows of dicts as CSV; the columns are ``columns`` (a header even without rows), else every key in
    first-seen order. Every text cell, the header too, is made spreadsheet-safe (the one CSV writer)."""
    buf = io.StringIO()
    fields = list(columns or dict.fromkeys(k for r in rows for k in r)) or ["empty"]
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writerow({f: spreadsheet_safe(f) for f in fields})
    writer.writerows({k: spreadsheet_safe(v) for k, v in r.items()} for r in rows)
    save_text(path, buf.getvalue())


def load_npz(path: str | os.PathLike, required: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Load every array of an .npz without pickle; name the file in every error."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise InputError(f"{path}: not a file (a directory or device); expected a NumPy .npz archive")
    if not path.is_file():
        raise InputError(f"{path}: file not found (expected a NumPy .npz archive)")
    with open(path, "rb") as fh:
        if fh.read(4) != b"PK\x03\x04":  # zip magic: anything else is not an .npz at all
            raise InputError(f"{path}: not a readable .npz archive (no zip header; wrong format or empty)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: _array(path, npz, key) for key in npz.files}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{path}: not a readable .npz archive (truncated or wrong format): {exc}") from exc
    missing = [key for key in required if key not in arrays]
    if missing:
        raise InputError(f"{path}: missing keys {missing}; found {sorted(arrays)}")
    return arrays


def _array(path: Path, npz, key: str) -> np.ndarray:
    """One member of an open .npz; a member that is no array (numpy hands back the bytes of a member not
    named .npy) or not a readable one is named."""
    try:
        value = npz[key]
    except ValueError as exc:
        if "pickle" in str(exc):  # object arrays need pickle, which we refuse
            raise InputError(f"{path}: holds pickled objects, which are refused for safety: {exc}") from exc
        raise InputError(f"{path}: member '{key}.npy' is not a readable NumPy array ({exc})") from exc
    if not isinstance(value, np.ndarray):
        raise InputError(
            f"{path}: member '{key}' is not a NumPy array (not a .npy file); expected a NumPy .npz archive"
        )
    return value


def load_json(path: str | os.PathLike):
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: file not found (expected JSON)") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from exc


# ---- checkpoints: plain dicts of tensors and containers --------------------------------

CORRUPT = "not a cxrcontrast checkpoint (corrupt or truncated)"


def save_checkpoint(path: str | os.PathLike, **payload) -> None:
    import torch

    from . import __version__

    payload.setdefault("version", __version__)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:  # a handle: the archive is not named after the
        torch.save(payload, fh)  # temporary file, so the same payload gives the same bytes (and digest)


def safe_torch_load(path: str | os.PathLike, what: str):
    """``torch.load(weights_only=True)`` with one clear line for any file it cannot read.

    ``what`` says what the file should be and how to mend it; PyTorch's own hint
    (to turn weights_only off) is never passed on.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError, RuntimeError (truncated zip), EOFError (empty), ...
        if "Unsupported global" in str(exc):  # a pickled Python object: refused, never run
            raise InputError(f"{path}: holds pickled Python objects, which are refused for safety; {what}") from None
        raise InputError(f"{path}: {what}") from None


def load_checkpoint(path: str | os.PathLike, kind: str | None = None) -> dict:
    """A checkpoint written by :func:`save_checkpoint`; ``kind`` checked when given."""
    remedy = "delete it and rerun: the job that makes it rebuilds it"
    ckpt = safe_torch_load(path, f"{CORRUPT}; {remedy}")
    if not isinstance(ckpt, dict) or "kind" not in ckpt:
        raise InputError(f"{path}: {CORRUPT}; {remedy}")
    if kind is not None and ckpt["kind"] != kind:
        raise InputError(f"{path}: checkpoint kind {ckpt['kind']!r}; expected {kind!r}")
    return ckpt
