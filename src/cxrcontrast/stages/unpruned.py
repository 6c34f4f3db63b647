"""Stage of rule ``unpruned``: every row of every split as the source has it."""

from __future__ import annotations

import numpy as np

from ..data import medmnist_format, sources
from ..files import provenance, save_npz


def run_unpruned(raw: str, data: dict, outputs: dict[str, str]) -> None:
    """Every row of every split as the source has it, with its labels (multi-hot for ChestMNIST): the
    official MedMNIST task, and the label-free pretraining's images."""
    info = sources.task(data, raw)
    made_by = provenance(raw=str(raw), flag=info.flag)
    for split, (images, labels) in medmnist_format.load_splits(raw, info).items():
        save_npz(
            outputs[split],
            provenance=made_by,
            images=images,
            labels=labels.astype(np.int64),
            index=np.arange(len(labels), dtype=np.int64),
        )
