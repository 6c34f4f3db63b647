"""A split held in memory as uint8 at the model's input size, served by index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import InputError
from ..files import load_npz
from .tensors import model_input, resize_uint8, to_unit


@dataclass
class InMemoryImages:
    images: torch.Tensor  # uint8 (N,C,S,S)
    labels: torch.Tensor  # int64 (N,) class labels, or (N,L) multi-hot labels
    index: torch.Tensor  # int64 (N,): row in the source split

    def __len__(self) -> int:
        return len(self.labels)

    def to(self, device) -> InMemoryImages:
        """Move to a device once (GPU: data resident, no per-batch host copies)."""
        return InMemoryImages(*(t.to(device) for t in (self.images, self.labels, self.index)))

    def rows(self, rows) -> InMemoryImages:
        """The images at ``rows`` only (a label budget, a subsample)."""
        rows = torch.as_tensor(rows, dtype=torch.long)
        return InMemoryImages(*(t[rows.to(t.device)] for t in (self.images, self.labels, self.index)))

    def unit(self, idx: torch.Tensor, device=None) -> torch.Tensor:
        """Float [0,1] (B,C,S,S) of rows ``idx``: the input of augmentation."""
        return to_unit(self.images[idx.to(self.images.device)], device)

    def batch(self, idx: torch.Tensor, device=None) -> torch.Tensor:
        """Normalized 3-channel model input of rows ``idx``."""
        return model_input(self.images[idx.to(self.images.device)], device)


def load_split(path: str) -> dict[str, np.ndarray]:
    """A split file's ``images``, ``labels`` and ``index`` (rows in the source split), of one length."""
    arrays = load_npz(path, ("images", "labels", "index"))
    if not len(arrays["images"]) == len(arrays["labels"]) == len(arrays["index"]):
        raise InputError(f"{path}: images, labels and index differ in length; expected equal")
    return arrays


def load_images(paths: list[str], image_size: int) -> InMemoryImages:
    """Load split files (pruned, augmented or official), bring each to ``image_size``, concatenate."""
    parts = []
    for path in paths:
        arrays = load_split(path)
        if len(arrays["labels"]) == 0:
            raise InputError(f"{path}: empty split; expected at least one image")
        labels, index = (torch.from_numpy(arrays[key].astype(np.int64)) for key in ("labels", "index"))
        parts.append((resize_uint8(arrays["images"], image_size), labels, index))
    channels = {p[0].shape[1] for p in parts}
    if len(channels) > 1:
        raise InputError(f"{paths}: files mix gray and RGB images; expected one kind")
    return InMemoryImages(*(torch.cat([p[i] for p in parts]) for i in range(3)))
