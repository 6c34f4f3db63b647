"""Stage of rule ``source``: the file a dataset's source module makes (the demo's synthetic data, a folder's
images converted)."""

from __future__ import annotations

from ..data import sources


def run_source(data: dict, out: str) -> None:
    """``data``: the dataset's config entry; ``out``: its MedMNIST-format file."""
    sources.make(data, out)
