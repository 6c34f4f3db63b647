"""Self-describing checkpoints, written atomically, loaded without pickle.

A checkpoint is a plain dict of tensors, numbers, strings, lists and dicts:
``kind``, the encoder's name and build config, the image size, state dicts, the
epoch, the resolved config that made it and the package version. Anything
else (pickled objects) is refused by ``torch.load(weights_only=True)``.
"""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .. import __version__
from ..errors import InputError
from ..io import atomic_path


def save_checkpoint(path: str | os.PathLike, **payload) -> None:
    payload.setdefault("version", __version__)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: str | os.PathLike, kind: str | None = None) -> dict:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: checkpoint not found")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError for pickled objects, RuntimeError for truncation
        raise InputError(
            f"{path}: refused or unreadable checkpoint (only tensors and plain containers are "
            f"loaded, never pickled objects): {str(exc).splitlines()[0]}"
        ) from exc
    if not isinstance(ckpt, dict) or "kind" not in ckpt:
        raise InputError(f"{path}: not a cxrcontrast checkpoint (expected a dict with 'kind')")
    if kind is not None and ckpt["kind"] != kind:
        raise InputError(f"{path}: checkpoint kind {ckpt['kind']!r}; expected {kind!r}")
    return ckpt


def rng_seed(seed: int, epoch: int, stream: int = 0) -> int:
    """Seed of one epoch's random stream: resuming at epoch k draws what an unbroken run draws."""
    return (seed * 1_000_003 + epoch * 101 + stream) % (2**63 - 1)
