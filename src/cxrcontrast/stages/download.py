"""Stage of rule ``download``: the official MedMNIST file a dataset's name asks for, MD5-checked."""

from __future__ import annotations

from pathlib import Path

from ..data.medmnist_format import download, official_name


def run_download(name: str, out: str) -> None:
    """``name``: the file's name (``chestmnist_64.npz``); ``out``: where the rule expects it (medmnist names it)."""
    flag, size = official_name(name)
    download(flag, size, Path(out).parent)
