"""Resuming a killed training job, and keeping finished results across failed reruns.

A job's *identity* is what its result depends on: its config slice and seed, the
SHA-256 of every input file's content, and the package's version and code. Two
files beside the job's outputs are keyed by it (Snakemake deletes a job's declared
outputs before it runs it, never these):

* ``resume.pt``: the state after the last finished epoch. A killed job goes on from
  there; a file made by another identity is discarded, with a log line saying which
  part differs (never silently continued).
* ``.finished/<identity hash>.pt``: the job's finished result, the one copy of its checkpoint (the
  output is a hard link to it; ``finished.py``). When an identical job is asked for again (say a rerun
  that failed after Snakemake removed the outputs), the result is restored instead of trained again. Its
  key also holds how the job ran (device type and the fast paths in force there): a result computed in
  float32 on the CPU is not handed back to a job forced to rerun in bf16 on a GPU. A resume file may
  continue on another device: the epochs it holds are done.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from .. import __version__
from ..errors import InputError
from ..files import file_digest, load_checkpoint, save_checkpoint
from ..runtime import code_digest
from . import finished as store

log = logging.getLogger(__name__)


def job_identity(params: dict, seed: int, inputs: dict[str, str | Path]) -> dict:
    """What a training job's result depends on (inputs by role: their content, not their path; a role
    given None, an optional input the job does not have, is left out)."""
    return {
        "params": params,
        "seed": seed,
        "inputs": {role: file_digest(p) for role, p in sorted(inputs.items()) if p is not None},
        "version": __version__,
        "code": code_digest(),
    }


def identity_hash(identity: dict) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:24]


def _difference(old: dict, new: dict) -> str:
    parts = []
    if old.get("params") != new["params"] or old.get("seed") != new["seed"]:
        parts.append("its config slice or seed")
    changed = [r for r in new["inputs"] if old.get("inputs", {}).get(r) != new["inputs"][r]]
    if changed:
        parts.append(f"the content of its input files ({', '.join(changed)})")
    if old.get("version") != new["version"] or old.get("code") != new["code"]:
        parts.append("the package version or code")
    return " and ".join(parts) or "its identity"


def _read(path: Path, kind: str, unreadable: str) -> dict | None:
    """The file at ``path`` where it exists and reads as ``kind``; else None (``unreadable``: the log line's start)."""
    if not path.exists():
        return None
    try:
        return load_checkpoint(path, kind=kind)
    except InputError as exc:
        log.warning("%s: %s", unreadable, exc)
        return None


class Resume:
    """The resume file and the finished-results store of one job (``folder``: its output folder)."""

    def __init__(self, folder: str | Path, identity: dict, execution: dict | None = None):
        """``execution``: how the job runs (``Accel.describe``), part of the finished result's key only."""
        self.identity, self.path = identity, Path(folder) / "resume.pt"
        self.result_key = {**identity, "execution": execution or {}}
        self.store = store.Entry.of(folder, identity_hash(self.result_key))

    def load(self) -> dict | None:
        """The last finished epoch's state of this same job, or None."""
        if (state := _read(self.path, "resume", "discarding an unreadable resume file")) is None:
            return None
        if state.get("identity") != self.identity:
            why = _difference(state.get("identity") or {}, self.identity)
            log.warning("discarding %s: it was made by a job that differs in %s; starting from epoch 1", self.path, why)
            return None
        log.info("resuming from %s after epoch %d", self.path, state["epoch"])
        return state

    def save(self, **state) -> None:
        save_checkpoint(self.path, kind="resume", identity=self.identity, **state)

    def finished(self, output: str | Path) -> list[dict] | None:
        """Restore the result of an identical job that finished before at ``output``; its history rows, or None."""
        history = store.restore(self.store, self.result_key, output)
        if history is not None:
            log.info(
                "an identical job finished before: restoring its result from %s; no epoch is trained "
                "(delete %s to train again)",
                self.store.model,
                self.store.model.parent,
            )
        return history

    def finish(self, output: str | Path, checkpoint: dict, history: list[dict]) -> list[dict]:
        """Keep the finished result under this identity, served at ``output``; the resume file is no longer
        needed. The history rows as kept."""
        rows = store.keep(self.store, self.result_key, output, checkpoint, history)
        self.path.unlink(missing_ok=True)
        return rows
