"""``python -m cxrcontrast store [--prune [--yes]] --configfile ...``: the finished-result stores under results/.

Every training job keeps its finished result in ``.finished/`` beside its outputs (``training/finished.py``);
the store only grows. An entry is *used* when a job of the current config could hand it back: made by this
code, for an output that config's workflow writes, and the newest for that output (the one the output
links to, else the one served last). Every other entry is stale; ``--prune --yes`` removes those, and
``--prune`` alone says what it would remove and how many bytes that frees (an entry an output still
links to frees nothing until that output goes).

Which outputs the config writes is Snakemake's answer (``snakemake --summary``, a dry listing of every
file of the workflow's DAG: no job runs), so the store never guesses the workflow's paths.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from . import __version__
from .errors import InputError
from .runtime import code_digest
from .training.finished import STORE, Entry, read_record

RESULTS = Path("results")


class Judged(NamedTuple):
    """A store entry, its bytes on disk and why it is kept or stale (``why``)."""

    entry: Entry
    size: int
    used: bool
    why: str


def store_entries(results: Path = RESULTS) -> list[Entry]:
    """Every entry of every store under ``results`` (a checkpoint, its record, or both)."""
    found = set()
    for folder in results.rglob(STORE):
        for path in folder.iterdir():
            if path.suffix in (".pt", ".json") and not path.name.startswith("."):  # not a temporary file
                found.add(Entry(path.with_suffix(".pt"), path.with_suffix(".json")))
    return sorted(found)


def workflow_outputs(configfiles: list[str]) -> set[Path]:
    """The absolute paths of every file the workflow's DAG for ``configfiles`` holds (``snakemake --summary``)."""
    layers = ["--configfile", *configfiles] if configfiles else []  # none: the Snakefile's own config only
    command = [sys.executable, "-m", "snakemake", "--summary", "--cores", "1", *layers]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise InputError(f"snakemake --summary failed (exit {proc.returncode}): {last}")
    rows = (line.split("\t") for line in proc.stdout.splitlines()[1:])  # after the header: output_file, ...
    return {Path(row[0]).absolute() for row in rows if row and row[0]}


def _files(paths: Iterable[Path]) -> dict[tuple[int, int], tuple[int, int, int]]:
    """The files ``paths`` name, each once however many of its names are in ``paths``: (device, inode) ->
    (size, its names on disk, its names in ``paths``)."""
    files = {}
    for path in paths:
        if path.is_file():
            s = path.stat()
            _, _, named = files.get((s.st_dev, s.st_ino), (0, 0, 0))
            files[(s.st_dev, s.st_ino)] = (s.st_size, s.st_nlink, named + 1)
    return files


def disk_bytes(paths: Iterable[Path]) -> int:
    """Bytes on disk of the files ``paths`` name: a file of several names counted once."""
    return sum(size for size, _, _ in _files(paths).values())


def freed_bytes(paths: Iterable[Path]) -> int:
    """Bytes that removing ``paths`` frees: the files all of whose names are among them (an entry an output
    links to frees nothing while the output stays)."""
    return sum(size for size, names, named in _files(paths).values() if named == names)


def _verdict(entry: Entry, record: dict | None, targets: set[Path], code: str) -> str | None:
    """Why ``entry`` is stale whatever its neighbours, or None."""
    if record is None:
        return "stale: no record (an earlier version's entry, or a record that cannot be read)"
    key = record.get("key") or {}
    if key.get("code") != code or key.get("version") != __version__:
        return "stale: made by other code; no job of this code hands it back"
    if not entry.model.is_file():
        return "stale: its checkpoint is gone"
    if output_of(entry, record).absolute() not in targets:
        return f"stale: no job of this config writes {output_of(entry, record)}"
    return None


def output_of(entry: Entry, record: dict) -> Path:
    """The output the entry serves: its store's folder is beside it."""
    return entry.model.parent.parent / str(record.get("output", "?"))


def _serving_first(entry: Entry, output: Path) -> tuple[bool, int]:
    """Sort key: the entry the output links to first, then the one served last (its time is set on serving)."""
    linked = output.is_file() and output.samefile(entry.model)
    return (linked, entry.model.stat().st_mtime_ns)


def judge(entries: list[Entry], targets: set[Path], code: str | None = None) -> list[Judged]:
    """Each entry used or stale (see the module's text), with its size."""
    code = code or code_digest()
    records = {e: read_record(e) for e in entries}
    why = {e: _verdict(e, records[e], targets, code) for e in entries}
    by_output = defaultdict(list)
    for e in entries:
        if why[e] is None:
            by_output[output_of(e, records[e])].append(e)
    for output, candidates in by_output.items():
        newest, *older = sorted(candidates, key=lambda e: _serving_first(e, output), reverse=True)
        why[newest] = f"used: {output}"
        for e in older:
            why[e] = f"stale: an older result for {output}"
    return [Judged(e, disk_bytes(e), why[e].startswith("used"), why[e]) for e in entries]


def megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def report(judged: list[Judged], out=None) -> int:
    """One line per entry, then the totals, measured before anything is removed; the bytes removing the stale
    entries frees (a file of several names counted once)."""
    out = out or sys.stdout
    for j in judged:
        print(f"{megabytes(j.size):>10}  {j.entry.model}  {j.why}", file=out)
    stale = [p for j in judged if not j.used for p in j.entry]
    frees = freed_bytes(stale)
    print(
        f"{len(judged)} entries, {megabytes(disk_bytes(p for j in judged for p in j.entry))}; "
        f"{sum(not j.used for j in judged)} stale, {megabytes(disk_bytes(stale))} "
        f"({megabytes(frees)} freed on removal: an entry an output still links to frees nothing)",
        file=out,
    )
    return frees


def remove(judged: list[Judged]) -> None:
    """Remove the stale entries: the checkpoint's name and its record (an output linked to it stays)."""
    for j in judged:
        if not j.used:
            for path in j.entry:
                path.unlink(missing_ok=True)


def store_command(configfiles: list[str], prune: bool, yes: bool, results: Path = RESULTS) -> int:
    """List the stores under ``results`` against the config's outputs; with ``prune`` and ``yes`` remove the
    stale entries. Run from the workflow's folder, as Snakemake is."""
    judged = judge(store_entries(results), workflow_outputs(configfiles))
    frees = report(judged)
    stale = sum(not j.used for j in judged)
    if prune and yes:
        remove(judged)
        print(f"removed {stale} stale entries, {megabytes(frees)} freed")
    elif stale:
        print("dry run, nothing removed: `python -m cxrcontrast store --prune --yes` removes the stale entries")
    return 0
