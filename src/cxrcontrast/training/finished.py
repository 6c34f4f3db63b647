"""The finished-result store beside a training job's outputs: ``.finished/<key>.pt`` and ``<key>.json``.

The ``.pt`` is the job's checkpoint, the one copy on disk: the output (``model.pt``, ``encoder.pt``) is a
hard link to it (a copy, with a log line, only where the filesystem refuses links). The store's file is
read-only (0o444), so an editor, ``cp`` or a tool run as a normal user cannot write into it, nor into the
output, in place; the package's own writers replace a file (a new inode) and never write through the link.
Should something write into it anyway (root ignores the mode), the entry's SHA-256 no longer matches its
record and the job trains again (deterministic per seed: the same bytes) rather than hand it back.

Snakemake deletes a job's outputs before it reruns it; the store's name keeps the file, so an identical
rerun (say after a failure elsewhere) links it back instead of training again. The ``.json`` beside it,
the entry's record, holds what the result was made by (the job's key, ``resume.py``), the output file it
serves, the checkpoint's SHA-256 and the per-epoch history. ``python -m cxrcontrast store`` reads the
records to tell entries a current job would use from stale ones.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError
from ..files import file_digest, link_or_copy, load_json, save_checkpoint, save_json

log = logging.getLogger(__name__)

STORE = ".finished"  # the store's folder, beside the outputs it serves
READ_ONLY = 0o444  # the store's checkpoints: no one writes into them in place (but root)


class Entry(NamedTuple):
    """One finished result: ``model`` (the checkpoint, linked to the output) and ``record`` (its JSON)."""

    model: Path
    record: Path

    @classmethod
    def of(cls, folder: str | Path, key: str) -> Entry:
        """The entry keyed ``key`` of the job whose outputs are in ``folder``."""
        model = Path(folder) / STORE / f"{key}.pt"
        return cls(model, model.with_suffix(".json"))


def as_json(value):
    """``value`` as it reads back from JSON: what a record holds is compared with this."""
    return json.loads(json.dumps(value, default=str))  # key order kept: the history's columns stay in order


def read_record(entry: Entry) -> dict | None:
    """The entry's record, or None where it is missing or unreadable (the entry is then not used)."""
    if not entry.record.exists():
        return None
    try:
        record = load_json(entry.record)
    except InputError as exc:
        log.warning("ignoring an unreadable finished result: %s", exc)
        return None
    return record if isinstance(record, dict) else None


def serve(entry: Entry, output: str | Path) -> None:
    """Put the entry's checkpoint at ``output`` (a hard link; a copy where the filesystem refuses one) and
    date it now: Snakemake compares an output's time with its inputs', and the store reads the time as
    when the entry was last used. The entry is made read-only first (an entry kept by an earlier version
    may not be yet): the output, one file with it, is then read-only too."""
    entry.model.chmod(READ_ONLY)
    refused = link_or_copy(entry.model, output)
    if refused is not None:
        log.info("%s is a copy of %s, not a hard link (%s): the model is on disk twice", output, entry.model, refused)
    os.utime(output)


def keep(entry: Entry, key: dict, output: str | Path, checkpoint: dict, history: list[dict]) -> list[dict]:
    """Store a finished result under ``key`` and serve it at ``output``; the history rows as kept (JSON)."""
    save_checkpoint(entry.model, **checkpoint)
    record = {
        "key": as_json(key),
        "output": Path(output).name,
        "sha256": file_digest(entry.model),
        "history": as_json(history),
    }
    save_json(entry.record, record)  # written last: a record means a complete checkpoint
    serve(entry, output)
    return record["history"]


def restore(entry: Entry, key: dict, output: str | Path) -> list[dict] | None:
    """Serve the stored result of an identical job at ``output`` and give its history rows; None where
    there is none, it was made under another key, or its checkpoint changed since it was kept."""
    record = read_record(entry)
    if record is None or record.get("key") != as_json(key) or not entry.model.is_file():
        return None
    if file_digest(entry.model) != record.get("sha256"):  # e.g. a file written into in place, through a link
        log.warning("ignoring %s: it changed since it was kept (its SHA-256 differs); training again", entry.model)
        return None
    serve(entry, output)
    return record.get("history") or []
