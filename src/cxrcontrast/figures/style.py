"""Shared look of the figures: class colours with Normal in red, readable labels."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402,F401  (re-exported for the figure modules)
import numpy as np  # noqa: E402


def class_colors(n: int) -> list:
    """Class 0 (Normal) red, the findings from a qualitative palette without red."""
    palette = [c for i, c in enumerate(plt.get_cmap("tab20").colors) if i not in (6, 7)]
    return [(0.85, 0.1, 0.1)] + [palette[i % len(palette)] for i in range(n - 1)]


def experiment_label(encoder: str, pretrain: str, trainset: str) -> str:
    short = {"minivgg": "VGG", "efficientnet_b0": "EffNet-B0"}.get(encoder, encoder)
    name = "baseline" if pretrain == "none" else f"{pretrain} pretrain"
    return f"{short} {name}" + (" +aug set" if trainset == "train_aug" else "")


def percent_axis(ax, axis="y"):
    fmt = matplotlib.ticker.PercentFormatter(1.0)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


__all__ = ["plt", "np", "class_colors", "experiment_label", "percent_axis"]
