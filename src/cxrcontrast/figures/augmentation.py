"""The paper's Figure 2: one original per class on top, augmented views below."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from ..data.augment import AugmentParams, augment_batch
from ..data.tensors import resize_uint8
from .style import save_figure


def plot_examples(images, labels, names, out, image_size: int, params: AugmentParams, seed: int, views: int = 3):
    rng = np.random.default_rng(seed)
    present = [c for c in range(len(names)) if np.any(labels == c)]
    picks = np.array([rng.choice(np.flatnonzero(labels == c)) for c in present])
    originals = resize_uint8(images[picks], image_size).float().div(255)
    generator = torch.Generator().manual_seed(seed)
    rows = [originals] + [augment_batch(originals, params, generator) for _ in range(views)]

    fig, axes = plt.subplots(len(rows), len(picks), figsize=(1.25 * len(picks) + 0.8, 1.35 * len(rows) + 0.6))
    axes = np.asarray(axes).reshape(len(rows), len(picks))
    for r, batch in enumerate(rows):
        for c in range(len(picks)):
            ax = axes[r, c]
            img = batch[c].permute(1, 2, 0).clamp(0, 1).numpy()
            ax.imshow(img.squeeze(-1) if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(names[present[c]], fontsize=8)
        axes[r, 0].set_ylabel("original" if r == 0 else f"augmented {r}", fontsize=8)
    fig.suptitle(
        f"Augmentation: crop {params.crop}/{params.upscale}, rotation ±{params.rotation_deg:g}°, "
        f"translation ±{params.translate:.0%}"
        + (" + authors' RandomResizedCrop" if params.authors_resized_crop else ""),
        fontsize=10,
    )
    fig.tight_layout()
    save_figure(fig, out, dpi=120)
