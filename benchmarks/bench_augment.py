"""Augmentation throughput: our batched affine warp vs the authors' per-image PIL pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from timing import median_time

from cxrcontrast.config import load_layers
from cxrcontrast.data.augment import AugmentParams, augment_uint8
from cxrcontrast.data.tensors import to_nchw

REPO = Path(__file__).resolve().parents[1]
PAPER = load_layers([REPO / "config/config.yaml"], REPO / "workflow/schemas/config.schema.yaml").on("chestmnist")


def authors_pipeline():
    """The authors' per-sample torchvision chain, one PIL image at a time."""
    from torchvision import transforms as T

    return T.Compose(
        [
            T.Resize(300),
            T.RandomCrop(250),
            T.Resize(32),
            T.RandomRotation(5),
            T.RandomAffine(0, translate=(0.1, 0.1)),
            T.ToTensor(),
            T.Normalize(0.5, 0.5),
        ]
    )


def run(n_ours: int = 64007, n_authors: int = 1000) -> dict:
    from PIL import Image

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n_ours, 28, 28), dtype=np.uint8)
    params = AugmentParams.from_config(PAPER.augment())

    def ours():
        # what the workflow does: 28px uint8 in, one warp per image straight to 32x32 uint8 out
        augment_uint8(to_nchw(images), params, seed=0, out_size=32)

    pipeline = authors_pipeline()
    torch.manual_seed(0)

    def authors():
        for img in images[:n_authors]:
            pipeline(Image.fromarray(img))

    t_ours = median_time(ours)
    t_auth = median_time(authors)
    ours_rate, auth_rate = n_ours / t_ours, n_authors / t_auth
    print(f"ours (batched affine warp, {n_ours} images): {ours_rate:12,.0f} images/s")
    print(f"authors' per-image PIL pipeline ({n_authors} images): {auth_rate:12,.0f} images/s")
    print(f"ratio: {ours_rate / auth_rate:.1f}x (target >= 30x)")
    return {"ours": ours_rate, "authors": auth_rate, "ratio": ours_rate / auth_rate}
