"""Clinically plausible augmentation, one affine warp per image, whole batches at once.

The paper's text: upscale to 300x300, random 250x250 crop, back to 32x32,
rotation within +-5 degrees, translation up to 10% of the size on each axis.
All of these are affine maps, so they compose into one 2x3 matrix per image
and a single ``grid_sample`` produces the batch at the output resolution
(no PIL round-trip, no intermediate 300x300 image).

Parameter distribution (normalized coordinates in [-1, 1], square images):
  * crop: side fraction s = crop/upscale on both axes; the crop centre is
    uniform in [-(1-s), 1-s] on each axis (RandomCrop's offset, continuous).
  * ``authors_resized_crop``: the authors' code then applied
    RandomResizedCrop(32, scale=(0.08, 1), ratio=(3/4, 4/3)): area fraction
    a ~ U(0.08, 1), log aspect r ~ U(log 3/4, log 4/3), width sqrt(a r) and
    height sqrt(a / r) of the crop (clamped to 1 where torchvision would retry),
    centre uniform inside the crop.
  * rotation: angle ~ U(-rotation_deg, rotation_deg) about the image centre.
  * translation: t ~ U(-translate, translate) times the image size on each
    axis (2*translate in normalized units); continuous, not rounded to pixels.
Pixels from outside the source are black (0), as PIL fills them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AugmentParams:
    """The ``augment`` block (its values, the paper's among them, live in the schema only)."""

    upscale: int
    crop: int
    rotation_deg: float
    translate: float
    authors_resized_crop: bool
    rrc_scale: tuple[float, float]
    rrc_ratio: tuple[float, float]

    def __post_init__(self):
        if not 0 < self.crop <= self.upscale:
            raise ValueError(f"augment.crop must be in (0, upscale={self.upscale}], got {self.crop}")
        if not 0 <= self.rotation_deg < 180:
            raise ValueError(f"augment.rotation_deg must be in [0, 180), got {self.rotation_deg}")
        if not 0 <= self.translate < 1:
            raise ValueError(f"augment.translate must be in [0, 1), got {self.translate}")

    @classmethod
    def from_config(cls, cfg: dict) -> AugmentParams:
        return cls(**{**cfg, "rrc_scale": tuple(cfg["rrc_scale"]), "rrc_ratio": tuple(cfg["rrc_ratio"])})


def _uniform(n: int, low, high, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)


def sample_affine(n: int, p: AugmentParams, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Draw per-image parameters; returns scale (n,2), centre (n,2), angle (n,) rad, shift (n,2)."""
    s = p.crop / p.upscale
    scale = torch.full((n, 2), s, dtype=torch.float64)
    centre = _uniform(2 * n, -(1 - s), 1 - s, generator).view(n, 2)
    if p.authors_resized_crop:
        area = _uniform(n, *p.rrc_scale, generator)
        log_ratio = _uniform(n, math.log(p.rrc_ratio[0]), math.log(p.rrc_ratio[1]), generator)
        ratio = torch.exp(log_ratio)
        wh = torch.stack([(area * ratio).sqrt(), (area / ratio).sqrt()], dim=1).clamp(max=1.0)
        inner = _uniform(2 * n, -1.0, 1.0, generator).view(n, 2) * (1 - wh)
        centre = centre + s * inner
        scale = s * wh
    angle = _uniform(n, -1.0, 1.0, generator) * math.radians(p.rotation_deg)
    shift = _uniform(2 * n, -1.0, 1.0, generator).view(n, 2) * (2 * p.translate)
    return {"scale": scale, "centre": centre, "angle": angle, "shift": shift}


def affine_matrices(params: dict[str, torch.Tensor]) -> torch.Tensor:
    """(n,2,3) matrices mapping output coordinates y to source coordinates x.

    The forward chain is crop (x -> (x-c)/S), rotate by angle, shift by t;
    inverting it gives x = c + S R(-angle) (y - t), which grid_sample needs.
    """
    cos, sin = params["angle"].cos(), params["angle"].sin()
    rot_inv = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)
    a = params["scale"].unsqueeze(-1) * rot_inv
    b = params["centre"] - (a @ params["shift"].unsqueeze(-1)).squeeze(-1)
    return torch.cat([a, b.unsqueeze(-1)], dim=-1)


def sampling_grid(theta: torch.Tensor, size: int) -> torch.Tensor:
    """(n,size,size,2) source coordinates of every output pixel centre.

    Equal to ``F.affine_grid(theta, ..., align_corners=False)`` for square
    outputs, written out as broadcasts because that is faster on CPU.
    """
    axis = (torch.arange(size, dtype=theta.dtype, device=theta.device) * 2 + 1) / size - 1
    u, v = axis.view(1, 1, size), axis.view(1, size, 1)
    t = theta[..., None, None]
    return torch.stack([t[:, 0, 0] * u + t[:, 0, 1] * v + t[:, 0, 2], t[:, 1, 0] * u + t[:, 1, 1] * v + t[:, 1, 2]], -1)


def warp(x: torch.Tensor, theta: torch.Tensor, out_size: int | None = None) -> torch.Tensor:
    """Apply per-image affine matrices to a float batch (B,C,H,W), output (B,C,out,out).

    Coordinates are normalized, so the source may have another resolution than
    the output: the resize to the model's input size is part of the same warp.
    """
    grid = sampling_grid(theta.to(x.device, x.dtype), out_size or x.shape[-1])
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def augment_batch(x: torch.Tensor, p: AugmentParams, generator: torch.Generator, out_size: int | None = None):
    """Augment a float batch in [0,1] (before normalization); parameters drawn on CPU."""
    theta = affine_matrices(sample_affine(x.shape[0], p, generator))
    return warp(x, theta, out_size)


def augment_uint8(
    images: torch.Tensor, p: AugmentParams, seed: int, out_size: int | None = None, chunk: int = 2048
) -> torch.Tensor:
    """One seeded augmented copy of every uint8 (N,C,H,W) image, at ``out_size``.

    All parameters are drawn up front, so the result does not depend on ``chunk``
    (small chunks keep the grid and images in cache, which is what makes it fast).
    """
    n, c = images.shape[:2]
    size = out_size or images.shape[-1]
    theta = affine_matrices(sample_affine(n, p, torch.Generator().manual_seed(seed))).float()
    out = torch.empty((n, c, size, size), dtype=torch.uint8)
    report = max(chunk, n // 10)
    for start in range(0, n, chunk):
        part = images[start : start + chunk].float().div_(255.0)
        warped = warp(part, theta[start : start + chunk], size)
        out[start : start + chunk] = warped.mul_(255.0).round_().clamp_(0, 255).byte()
        done = min(start + chunk, n)
        if done % report < chunk or done == n:
            log.info("augmented %d/%d images", done, n)
    return out
