"""How many images each split of a dataset holds, read before any job: from the config (demo), MedMNIST's own
table (an official file), the .npz file's array headers (a local file), or the folder's listing. Counts are of
the source's rows: pruning to single labels keeps fewer (about 82% of ChestMNIST), so projections are upper
bounds."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class DataSize:
    """Rows per split, and the side and channels of the stored images."""

    rows: dict[str, int]
    side: int
    channels: int = 1

    def image_bytes(self, side: int | None = None) -> int:
        """Bytes of one uint8 image at ``side`` (default: the stored side)."""
        return (side or self.side) ** 2 * self.channels


def npz_shapes(path: str | Path) -> dict[str, tuple[int, ...]]:
    """The shape of every array of an .npz, from the array headers alone (nothing decompressed or unpickled)."""
    shapes = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            with archive.open(name) as member:
                major, _ = np.lib.format.read_magic(member)
                read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
                shapes[name.removesuffix(".npy")] = read(member)[0]  # (shape, fortran_order, dtype)
    return shapes


def medmnist_rows(flag: str) -> dict[str, int]:
    from ..vocabulary.flags import medmnist_info

    return {split: int(medmnist_info()[flag]["n_samples"][split]) for split in SPLITS}


def data_size(entry: dict) -> DataSize:
    """The size of a dataset whose (schema-completed) config entry is ``entry``."""
    source, side, channels = entry["source"], entry["size"], entry.get("channels", 1)
    if source == "demo":
        return DataSize({split: entry[split] for split in SPLITS}, side)
    if source == "medmnist":
        return DataSize(medmnist_rows(entry["flag"]), side)
    if source == "npz":
        shapes = npz_shapes(entry["npz"])
        stored = shapes["train_images"]
        return DataSize({s: shapes[f"{s}_images"][0] for s in SPLITS}, stored[1], 3 if len(stored) == 4 else 1)
    if source == "folder":
        from ..data.imagefolder.layout import scan

        files = scan(entry["root"]).files
        return DataSize({s: sum(map(len, files[s].values())) for s in SPLITS}, side, channels)
    raise ValueError(f"data_size: no size known for source {source!r}")
