"""Shared look of the figures: class colours with Normal in red, readable labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files, never a window; pyplot settles its backend at the first figure, after this
import matplotlib.pyplot as plt  # noqa: E402

from ..files import atomic_path  # noqa: E402


def class_colors(n: int) -> list:
    """Class 0 (Normal) red, the findings from a qualitative palette without red."""
    palette = [c for i, c in enumerate(plt.get_cmap("tab20").colors) if i not in (6, 7)]
    return [(0.85, 0.1, 0.1)] + [palette[i % len(palette)] for i in range(n - 1)]


def percent_axis(ax, axis="y", decimals=None):
    fmt = matplotlib.ticker.PercentFormatter(1.0, decimals=decimals)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def save_figure(fig, path, **kwargs) -> None:
    """Save a figure atomically (the format follows the path's suffix) and close it."""
    path = str(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.rsplit(".", 1)[-1] if "." in path else "png", **kwargs)
    plt.close(fig)
