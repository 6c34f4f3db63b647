"""Across datasets: a forest plot of each pretraining's change against its own dataset's baseline
(results/figures/datasets.png)."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..evaluation.datasets import EMPTY, METRICS, by_experiment, finite
from ..evaluation.display import METRIC_LABELS, dataset_label, experiment_label
from ..evaluation.multiplicity import ALPHA, significant
from .style import save_figure

TITLES = {"balanced_accuracy": "Δ balanced accuracy", "auc_macro": "Δ macro AUC"}


COLLAPSED = "collapsed: no effect"


def row_label(row: dict) -> str:
    """ "chest 28 px · VGG normal pretrain", followed by " (collapsed)" where either side collapsed."""
    return f"{dataset_label(row)} · {experiment_label(row)}" + (" (collapsed)" if row.get("collapsed") else "")


def _whiskers(ax, groups: list[dict], metric: str, colors: dict) -> None:
    for y, group in enumerate(groups):
        r = group.get(metric)
        if r is None or not finite(r["difference"]):
            continue
        d = 100 * r["difference"]
        color = colors[r["dataset"]]
        if r.get("collapsed"):  # a grey cross and its mark, no interval: not an effect
            ax.plot(d, y, "x", ms=7, color="0.45", mew=1.6)
            ax.annotate(COLLAPSED, (d, y), xytext=(6, 0), textcoords="offset points", va="center", fontsize=7)
            continue
        if finite(r["ci_low"]) and finite(r["ci_high"]):
            lo, hi = 100 * r["ci_low"], 100 * r["ci_high"]
            ax.plot([lo, hi], [y, y], color=color, lw=1.6, solid_capstyle="butt")
        # filled: not noise after Holm's adjustment over all rows (an unadjusted interval clear of 0 is not enough)
        clear = significant(r.get("p_holm"))
        ax.plot(d, y, "o", ms=6, mec=color, mfc=color if clear else "white", mew=1.6)
    ax.axvline(0, color="black", lw=0.9)
    ax.set_title(TITLES[metric])
    ax.set_xlabel(f"{METRIC_LABELS[metric]}: pretrained minus baseline (percentage points)")
    ax.grid(axis="x", color="0.9", lw=0.6)


def forest_plot(rows: list[dict], out: str) -> list[str]:
    """One row per dataset x experiment (rows of ``evaluation.datasets.dataset_rows``), panels Δ balanced accuracy
    and Δ macro AUC with their 95% paired-bootstrap interval; returns the row labels, top to bottom."""
    groups = by_experiment(rows)
    firsts = [next(iter(g.values())) for g in groups]  # a group's rows (one per metric) share dataset and experiment
    labels = [row_label(r) for r in firsts]
    datasets = [r["dataset"] for r in firsts]
    fig, axes = plt.subplots(1, 2, figsize=(13, max(3.0, 1.6 + 0.34 * len(groups))), sharey=True)
    if not groups:
        for ax in axes:
            ax.set_axis_off()
        fig.text(0.5, 0.5, EMPTY, ha="center", va="center", fontsize=11)
        fig.suptitle("Pretraining against each dataset's baseline")
        save_figure(fig, out, dpi=110)
        return labels
    names = list(dict.fromkeys(datasets))
    palette = plt.get_cmap("tab10").colors
    colors = {name: palette[i % len(palette)] for i, name in enumerate(names)}
    for ax, metric in zip(axes, METRICS):
        _whiskers(ax, groups, metric, colors)
        for y in range(1, len(groups)):  # a line between datasets
            if datasets[y] != datasets[y - 1]:
                ax.axhline(y - 0.5, color="0.6", lw=0.8, ls="--")
    axes[0].set_yticks(range(len(groups)), labels, fontsize=8)
    for tick, dataset in zip(axes[0].get_yticklabels(), datasets):
        tick.set_color(colors[dataset])
    axes[0].set_ylim(len(groups) - 0.5, -0.5)  # the first row on top
    seeds = sorted({r["seeds"] for r in rows if r["seeds"] is not None})
    shown = "" if not seeds else f"{seeds[0]} " if len(seeds) == 1 else f"{seeds[0]}–{seeds[-1]} "
    fig.suptitle(
        "Pretraining against each dataset's own baseline, test split\n"
        f"(point: mean difference over {shown}paired seed(s); whisker: 95% paired-bootstrap interval over test "
        f"images; filled: Holm-adjusted p < {ALPHA} over all rows; grey x: a side collapsed, no effect)",
        fontsize=10,
    )
    fig.tight_layout()
    save_figure(fig, out, dpi=110)
    return labels
