"""Reliability diagram of one evaluated experiment: natural test split and the paper's balanced resample."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .style import percent_axis, save_figure

BEFORE, AFTER = "#2e86c1", "#e67e22"


def _panel(ax, counts_ax, curves: dict, ece: tuple, temperature: float | None, name: str) -> None:
    """One protocol's panel; ``temperature`` None (a failed fit, metrics.json ``temperature_fit``): no curve after
    scaling (``curves["after"]`` None) and no number of it, the legend says the fit failed."""
    before, after = curves["before"], curves["after"]
    bins = len(before["count"])
    centers = (np.arange(bins) + 0.5) / bins

    def values(c, key):
        return np.array([np.nan if v is None else v for v in c[key]])

    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect calibration")
    ax.bar(
        centers,
        values(before, "accuracy"),
        width=1 / bins,
        color=BEFORE,
        alpha=0.55,
        edgecolor=BEFORE,
        label=f"as trained: ECE {ece[0]:.3f}",
    )
    if temperature is None:  # said in the legend by an empty line: nothing drawn, no number
        ax.plot([], [], "o-", color=AFTER, ms=4, lw=1.5, label="temperature fit failed")
    else:
        label = f"temperature scaled (T = {temperature:.2f}): ECE {ece[1]:.3f}"
        ax.plot(values(after, "confidence"), values(after, "accuracy"), "o-", color=AFTER, ms=4, lw=1.5, label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy in the bin")
    ax.set_title(name, fontsize=10)
    ax.legend(loc="upper left", fontsize=7.5)
    percent_axis(ax)
    share = np.array(before["count"]) / max(sum(before["count"]), 1e-12)
    counts_ax.bar(centers, share, width=1 / bins, color=BEFORE, alpha=0.55)
    counts_ax.set_xlim(0, 1)
    counts_ax.set_xlabel(f"top-class confidence ({bins} equal-width bins)")
    counts_ax.set_ylabel("images\n(as trained)")
    percent_axis(counts_ax)
    percent_axis(counts_ax, axis="x", decimals=0)


def reliability_diagram(result: dict, title: str, out: str) -> None:
    """``result``: an experiment's metrics.json (its ``calibration``, ``ece``, ``temperature``, ``paper_protocol``),
    as evaluate writes it, a failed temperature fit included (``temperature`` None)."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 5.6), sharex="col", gridspec_kw={"height_ratios": [3, 1]})
    curves = result["calibration"]["reliability"]
    panels = (
        ("natural", result, "natural test split"),
        ("paper_protocol", result["paper_protocol"], "paper protocol (class-balanced resample)"),
    )
    for col, (key, metrics, name) in enumerate(panels):
        ece = (metrics["ece"], metrics["ece_scaled"])
        _panel(axes[0, col], axes[1, col], curves[key], ece, result["temperature"], name)
    fig.suptitle(f"{title}: reliability (bars below the diagonal: overconfident)", fontsize=11)
    fig.tight_layout()
    save_figure(fig, out, dpi=110)
