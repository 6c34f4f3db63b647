"""Across experiments: the paper's Figure 13 on both protocols, and embedding quality."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..evaluation.display import METRIC_LABELS, collapsed_seeds, experiment_label
from ..evaluation.published import paper_reported
from ..evaluation.tables import quality_means
from ..vocabulary.experiments import experiment_key
from .style import percent_axis, save_figure


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def bar_label(row: dict) -> str:
    """An experiment's name under its bars, marked where a seed's classifier collapsed, as the summary's tables
    mark it: its bars are then no claim about what it learned."""
    seeds = collapsed_seeds(row)
    return experiment_label(row) + (f"\nCOLLAPSED ({seeds})" if seeds else "")


def _bars(ax, rows, metrics, seed_rows):
    n = len(rows)
    width = 0.8 / len(metrics)
    for j, metric in enumerate(metrics):
        means = _floats(r[f"{metric}_mean"] for r in rows)
        # the interval over seeds, else (a single seed) its bootstrap interval over test images, where there is one
        spans = [r if r[f"{metric}_ci_low"] is not None else seed_rows.get(experiment_key(r), {}) for r in rows]
        lo = _floats(s.get(f"{metric}_ci_low") for s in spans)
        hi = _floats(s.get(f"{metric}_ci_high") for s in spans)
        err = np.vstack([np.clip(means - lo, 0, None), np.clip(hi - means, 0, None)])
        x = np.arange(n) + (j - (len(metrics) - 1) / 2) * width
        label = METRIC_LABELS[metric.removeprefix("paper_")]  # the paper protocol's bars: the same names
        ax.bar(x, means, width, label=label, yerr=np.nan_to_num(err), capsize=2)
    ax.set_xticks(range(n), [bar_label(r) for r in rows], rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    percent_axis(ax)


def figure13(exp_rows: list[dict], seed_rows: dict, task: dict, out: str) -> None:
    """Top-1 (accuracy) and top-5 per experiment, natural test split (top) and the paper's protocol (below).
    The paper's experiments use every training label: smaller label budgets have their own figure
    (label_efficiency.png), so a grid of many budgets still gives bars one can read.
    ``task``: flag and number of classes of the run's data (chance lines, the paper's marks)."""
    full = [r for r in exp_rows if float(r["labels"]) == 1.0] or exp_rows
    rows = sorted(
        full,
        key=lambda r: (
            r["encoder"] != "minivgg",
            r["encoder"],
            r["pretrain"] != "none",
            r["pretrain"],
            r["trainset"],
            -float(r["labels"]),
        ),
    )
    top5 = task["classes"] > 5
    metrics = ("accuracy", "top5") if top5 else ("accuracy",)
    fig, axes = plt.subplots(2, 1, figsize=(max(8, 1.1 * len(rows) + 2), 8.5), sharex=True)
    _bars(axes[0], rows, metrics, seed_rows)
    axes[0].set_title("natural test split")
    _bars(axes[1], rows, tuple(f"paper_{m}" for m in metrics), seed_rows)
    reported = [(i, marks) for i, r in enumerate(rows) if (marks := paper_reported(experiment_key(r), task))]
    for k, (i, percents) in enumerate(reported):  # (top-1, top-5) in whole percents
        label = "paper reported (printed as whole percents: r lies in [r, r+1)%)" if k == 0 else None
        axes[1].plot([i - 0.2, i + 0.2], [p / 100 for p in percents], "k_", ms=14, mew=2, label=label)
    chance = [1 / task["classes"]] + ([5 / task["classes"]] if top5 else [])
    for c in chance:
        axes[1].axhline(c, color="grey", ls=":", lw=1)
    shown = " / ".join(f"{c:.1%}" for c in chance)
    axes[1].set_title(f"paper's protocol: class-balanced resample (chance {shown})")
    for ax in axes:
        ax.set_ylabel("share of test images")
    seeds = max(r["n_seeds"] for r in rows)
    note = (
        "error bars: 95% t-interval over seeds"
        if seeds > 1
        else "one seed; error bars: 95% bootstrap interval over test images\n(below: over balanced resamples too)"
    )
    fig.suptitle(f"Classification on the test set, mean of {seeds} seed(s), every training label\n{note}")
    for ax in axes:
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    save_figure(fig, out, dpi=110)


def embedding_quality(qualities: list[dict], out: str) -> None:
    """Validation-set retrieval quality of h and z, before (pretrain none) and after each pretraining."""
    metrics = (("precision_at_1", "precision@1"), ("map_at_r", "MAP@R"), ("silhouette", "silhouette"))
    fig, axes = plt.subplots(
        1, 2, figsize=(max(12, 2.4 * len({(q["encoder"], q["pretrain"]) for q in qualities})), 4.5), sharey=True
    )
    for ax, features in zip(axes, ("h", "z")):
        means = quality_means(qualities, features)
        keys = sorted(means, key=lambda k: (k[0], k[1] != "none", k[1]))
        width = 0.8 / len(metrics)
        for j, (m, label) in enumerate(metrics):
            ax.bar(np.arange(len(keys)) + (j - 1) * width, [means[k][m] for k in keys], width, label=label)
        ax.set_xticks(
            range(len(keys)), [f"{e}\n{'untrained' if s == 'none' else s + ' pretrain'}" for e, s in keys], fontsize=8
        )
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(f"{'encoder features h' if features == 'h' else 'z (what the loss saw)'}")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("score on validation embeddings (mean over seeds)")
    fig.suptitle("Embedding quality before and after pretraining")
    fig.tight_layout()
    save_figure(fig, out, dpi=110)
