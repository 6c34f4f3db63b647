"""uint8 images in memory, float model input made per batch.

The dataset is kept as uint8 (N,C,S,S) at the model's input size; a batch is
indexed out, turned to float, expanded to three channels and normalized with
the paper's mean 0.5 / std 0.5. No float copy of the dataset is ever made.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

MEAN = 0.5
STD = 0.5


def to_nchw(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(N,H,W), (N,H,W,3) or already (N,C,H,W) uint8 -> (N,C,H,W) tensor (a view where possible)."""
    x = torch.as_tensor(images)
    if x.ndim == 3:
        return x.unsqueeze(1)
    if x.ndim == 4 and x.shape[-1] in (1, 3):
        return x.permute(0, 3, 1, 2)
    if x.ndim == 4 and x.shape[1] in (1, 3):  # already (N,C,H,W)
        return x
    raise ValueError(f"expected images of shape (N,H,W) or (N,H,W,3), got {tuple(x.shape)}")


def resize_uint8(images: np.ndarray | torch.Tensor, size: int, chunk: int = 8192) -> torch.Tensor:
    """Images (any layout of ``to_nchw``) -> uint8 (N,C,size,size), bilinear (antialiased when shrinking), done
    once at load time."""
    x = to_nchw(images)
    if x.shape[-1] == size and x.shape[-2] == size:
        return x.contiguous()
    shrink = x.shape[-1] > size
    out = torch.empty((x.shape[0], x.shape[1], size, size), dtype=torch.uint8)
    for start in range(0, x.shape[0], chunk):
        part = F.interpolate(
            x[start : start + chunk].float(), size=(size, size), mode="bilinear", align_corners=False, antialias=shrink
        )
        out[start : start + chunk] = part.round_().clamp_(0, 255).to(torch.uint8)
    return out


def to_unit(batch: torch.Tensor, device: torch.device | str | None = None) -> torch.Tensor:
    """uint8 (B,C,S,S) -> float in [0, 1] on ``device``."""
    return batch.to(device, non_blocking=True).float().div_(255.0)


def normalize(x: torch.Tensor, channels: int = 3) -> torch.Tensor:
    """Float [0,1] (B,C,S,S) -> normalized (B,channels,S,S); gray is repeated to RGB."""
    if x.shape[1] == 1 and channels == 3:
        x = x.expand(-1, 3, -1, -1)
    return (x - MEAN) / STD


def model_input(batch: torch.Tensor, device=None) -> torch.Tensor:
    """uint8 (B,C,S,S) -> normalized 3-channel float model input."""
    return normalize(to_unit(batch, device))
