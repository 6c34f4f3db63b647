"""A local MedMNIST-format file (``{split}_images``, ``{split}_labels``); ``flag`` names its task and labels."""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from . import medmnist

WORKFLOW_OUTPUTS = "results"  # the workflow's own outputs: never a source

flag, task, task_type = (
    medmnist.flag,
    medmnist.task,
    medmnist.task_type,
)  # as for an official file: the flag names the task and labels


def raw_file(entry: dict) -> str:
    return entry["npz"]


def check(key: str, entry: dict) -> None:
    medmnist.check(key, entry)
    path = Path(entry["npz"])
    if path.exists() and not path.is_file():
        raise InputError(f"{key}.npz: {path} is not a file (a directory or device); expected a MedMNIST .npz")
    if not path.exists():
        raise InputError(f"{key}.npz: {path} not found; expected a MedMNIST-format .npz file")
    if path.stat().st_size == 0:
        raise InputError(f"{key}.npz: {path} is empty; expected a MedMNIST-format .npz file")
    if path.resolve().is_relative_to(Path(WORKFLOW_OUTPUTS).resolve()):
        raise InputError(
            f"{key}.npz: {path} lies under results/, among this workflow's own outputs; "
            "give the source file (a MedMNIST-format .npz outside results/)"
        )


def fingerprint(entry: dict) -> str:
    return ""


def make(entry: dict, out: str) -> None:
    raise InputError(f"source npz: {entry['npz']} is the user's file, not made")
