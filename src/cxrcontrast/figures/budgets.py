"""Label efficiency: test metrics against the fraction of training labels, one line per pretraining."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..evaluation.display import collapsed_seeds, experiment_label, percent
from ..vocabulary.experiments import experiment_key
from .style import percent_axis, save_figure

COLLAPSED = "classifier collapsed in a seed: no claim"  # the legend of the marks, as the summary's tables mark it


def _mark_collapsed(ax, points: list[tuple[float, float]]) -> None:
    """A red cross over each budget where a seed's classifier collapsed (``evaluation.collapse``), named once
    in the legend."""
    if points:
        already = COLLAPSED in ax.get_legend_handles_labels()[1]
        x, y = zip(*points)
        ax.plot(x, y, "x", color="red", ms=10, mew=2, ls="none", label=None if already else COLLAPSED, zorder=5)


def label_efficiency(exp_rows: list[dict], out: str, label_free: frozenset[str] = frozenset()) -> None:
    """Balanced accuracy and macro AUC (natural test split) against the label fraction (log axis); the
    bands are the 95% t-interval over seeds (none with one seed). ``label_free``: the pretrainings that
    use no labels; the others saw every label while pretraining, which their legend entry says (only the
    classification's labels are scarce for them)."""
    lines: dict[tuple, list[dict]] = {}
    for r in exp_rows:
        if r["trainset"] == "train":
            lines.setdefault(experiment_key(r)[:2], []).append(r)
    lines = {k: v for k, v in lines.items() if len(v) > 1}  # a single budget is no curve
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    for ax, metric, title in zip(axes, ("balanced_accuracy", "auc_macro"), ("balanced accuracy", "macro ROC AUC")):
        for (encoder, pretrain), rows in sorted(lines.items()):
            rows = sorted(rows, key=lambda r: float(r["labels"]))
            x = [float(r["labels"]) for r in rows]
            mean = [r[f"{metric}_mean"] for r in rows]
            label = experiment_label({"encoder": encoder, "pretrain": pretrain, "trainset": "train"})
            if pretrain != "none":
                label += " (no labels)" if pretrain in label_free else " (every label)"
            style = {"color": "black", "ls": "--", "lw": 2} if pretrain == "none" else {"ls": "-"}
            (line,) = ax.plot(x, mean, marker="o", label=label, ms=4, **style)
            _mark_collapsed(ax, [(xi, m) for xi, m, r in zip(x, mean, rows) if collapsed_seeds(r)])
            low = [r[f"{metric}_ci_low"] for r in rows]
            if None not in low:
                high = [r[f"{metric}_ci_high"] for r in rows]
                ax.fill_between(x, low, high, color=line.get_color(), alpha=0.15, lw=0)
        ax.set_xscale("log")
        fractions = sorted({float(r["labels"]) for rows in lines.values() for r in rows})
        ax.set_xticks(fractions, [percent(f) for f in fractions])
        ax.minorticks_off()
        ax.set(xlabel="share of the training labels used (log scale)", title=f"{title}, test split")
        percent_axis(ax, decimals=0)
    if lines:
        axes[1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    else:
        empty = "no experiment with several label budgets\n(experiments: labels: [1.0, 0.1, ...])"
        for ax in axes:
            ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
    seeds = max(r["n_seeds"] for r in exp_rows)
    fig.suptitle(
        "Label efficiency: each pretraining against the baseline as the classification's labels grow "
        "scarce "
        + ("(bands: 95% t-interval over seeds)" if seeds > 1 else "(one seed: no bands)")
        + "\nin brackets: the labels the pretraining itself used"
    )
    fig.tight_layout()
    save_figure(fig, out, dpi=110)
