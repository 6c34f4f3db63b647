"""t-SNE maps of embeddings, coloured by class with Normal in red (the paper's Figures 7, 9, 12)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .style import class_colors, save_figure


def tsne_panels(panels: list[tuple[str, np.ndarray, np.ndarray]], names, title: str, out: str) -> None:
    """``panels``: (subtitle, 2-D points, labels) side by side, one shared legend."""
    colors = class_colors(len(names))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels) + 1.8, 5.2))
    axes = np.atleast_1d(axes)
    for ax, (subtitle, xy, labels) in zip(axes, panels):
        # findings first, Normal (the majority) drawn faintly underneath
        for c in [0, *range(1, len(names))]:
            sel = labels == c
            if sel.any():
                ax.scatter(
                    xy[sel, 0],
                    xy[sel, 1],
                    s=4 if c else 3,
                    alpha=0.35 if c == 0 else 0.8,
                    color=colors[c],
                    label=f"{names[c]} ({sel.sum()})",
                    rasterized=True,
                )
        ax.set_title(subtitle, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", fontsize=7, markerscale=3, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 0.84, 1))
    save_figure(fig, out, dpi=110)
