"""Content digests of input files, cached by the file's identity on disk.

Snakemake notices a changed input by its time stamp alone, so a file replaced by other content with an
older one (``cp -p other.npz data.npz``) looks unchanged. The workflow gives its SHA-256 to the rules
that read it as a param, which Snakemake compares with what the last run recorded. Hashing gigabytes
at every start would be slow, so a digest is kept beside the key (path, size, mtime, ctime, inode):
``cp -p`` and ``touch -d`` keep the mtime but not the ctime, which only the kernel sets.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from .files import file_digest, save_json

CACHE = ".snakemake/cxrcontrast/digests.json"


def _identity(path: Path) -> list:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _read_cache(cache: Path) -> dict:
    try:
        entries = json.loads(cache.read_text())
    except (OSError, ValueError):  # none yet, or damaged: digests are computed anew
        return {}
    return entries if isinstance(entries, dict) else {}


def content_digest(path: str | os.PathLike, cache: str | os.PathLike = CACHE) -> str | None:
    """SHA-256 of ``path``'s bytes, from ``cache`` (a JSON file) while the file's identity is the one
    recorded; None when the file does not exist (yet: a rule of the workflow makes it)."""
    path, cache = Path(path), Path(cache)
    if not path.is_file():
        return None
    key, identity = str(path.resolve()), _identity(path)
    entry = _read_cache(cache).get(key)
    if isinstance(entry, dict) and entry.get("identity") == identity and isinstance(entry.get("sha256"), str):
        return entry["sha256"]
    digest = file_digest(path)
    if _identity(path) != identity:  # changed while it was read: give the digest, trust no record of it
        return digest
    entries = {**_read_cache(cache), key: {"identity": identity, "sha256": digest}}
    with contextlib.suppress(OSError):  # a read-only checkout still gets its digest, computed again next time
        save_json(cache, entries)  # atomic: a parallel start reads the old cache or the new, never half
    return digest
