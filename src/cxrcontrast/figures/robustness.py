"""Robustness: each experiment's mean relative drop under MedMNIST-C's corruptions, against severity."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..evaluation.display import METRIC_LABELS, experiment_label
from ..evaluation.robustness import METRICS
from ..vocabulary.experiments import EXPERIMENT_KEYS
from .style import percent_axis, save_figure


def robustness_figure(rows: list[dict], out: str, left_out: list[str] = ()) -> None:
    """``rows``: the summary's robustness table (experiment, corruption, severity, drop_<metric>). As Figure 13,
    the experiments on every training label (robustness.csv has the label budgets): lines one can tell apart.
    ``left_out``: the collapsed models left out of ``rows`` (``evaluation.robustness.collapsed_models``), named
    in a note under the panels."""
    rows = [r for r in rows if float(r["labels"]) == 1.0] or rows
    experiments = sorted({tuple(r[k] for k in EXPERIMENT_KEYS) for r in rows}, key=lambda e: (e[0], e[1] != "none", e))
    palette = plt.get_cmap("tab10").colors
    colors = {e: palette[i % len(palette)] for i, e in enumerate(experiments)}
    fig, axes = plt.subplots(1, len(METRICS), figsize=(11, 4.6), sharey=True)
    for ax, metric in zip(axes, METRICS):
        for e in experiments:
            mine = [r for r in rows if tuple(r[k] for k in EXPERIMENT_KEYS) == e and r[f"drop_{metric}"] is not None]
            severities = sorted({r["severity"] for r in mine})
            drops = [np.mean([r[f"drop_{metric}"] for r in mine if r["severity"] == s]) for s in severities]
            label = experiment_label(dict(zip(EXPERIMENT_KEYS, e)))
            style = "o-" if e[0] == "minivgg" else "s--"
            ax.plot(severities, drops, style, lw=2.5 if e[1] == "none" else 1.2, ms=4, label=label, color=colors[e])
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(range(1, 6))
        ax.set_xlabel("severity (MedMNIST-C, 1 mild .. 5 severe)")
        ax.set_title(METRIC_LABELS[metric])
        percent_axis(ax)
    axes[0].set_ylabel("relative drop against the clean test split\n(mean over corruptions and seeds)")
    if not rows:
        empty = "no corrupted copies (RGB data, or evaluate.corruptions: [])"
        axes[0].text(0.5, 0.5, empty, ha="center", transform=axes[0].transAxes)
    else:
        axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    if left_out:
        note = "left out as collapsed (no drop to measure): " + "; ".join(left_out)
        fig.text(0.01, 0.005, note, fontsize=7, color="firebrick", ha="left", va="bottom", wrap=True)
    n = len({r["corruption"] for r in rows})
    fig.suptitle(
        f"Robustness to realistic image faults: {n} chest X-ray corruptions of MedMNIST-C (higher: worse)\n"
        "every training label; thick: no pretraining; the label budgets are in robustness.csv"
    )
    fig.tight_layout(rect=(0, 0.06 if left_out else 0, 1, 1))
    save_figure(fig, out, dpi=110)
