"""Across experiments: the paper's Figure 13 on both protocols, and embedding quality."""
from __future__ import annotations

from ..io import save_figure
from ..summary import PAPER_REPORTED, exp_key, quality_means
from .style import experiment_label, np, percent_axis, plt


def _bars(ax, rows, metrics, labels, seed_rows):
    n = len(rows)
    width = 0.8 / len(metrics)
    for j, (metric, label) in enumerate(zip(metrics, labels)):
        means = np.array([np.nan if r[f"{metric}_mean"] is None else r[f"{metric}_mean"] for r in rows])
        lo, hi = [], []
        for r in rows:
            if r[f"{metric}_ci_low"] is not None:  # 95% interval over seeds
                lo.append(r[f"{metric}_ci_low"]), hi.append(r[f"{metric}_ci_high"])
            else:  # a single seed: its bootstrap interval over test images, where there is one
                single = seed_rows.get(exp_key(r), {})
                lo.append(single.get(f"{metric}_ci_low", np.nan)), hi.append(single.get(f"{metric}_ci_high", np.nan))
        lo = np.array([np.nan if v is None else v for v in lo], dtype=float)
        hi = np.array([np.nan if v is None else v for v in hi], dtype=float)
        err = np.vstack([np.clip(means - lo, 0, None), np.clip(hi - means, 0, None)])
        x = np.arange(n) + (j - (len(metrics) - 1) / 2) * width
        ax.bar(x, means, width, label=label, yerr=np.nan_to_num(err), capsize=2)
    ax.set_xticks(range(n), [experiment_label(*exp_key(r)) for r in rows],
                  rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    percent_axis(ax)


def figure13(exp_rows: list[dict], seed_rows: dict, out: str) -> None:
    rows = sorted(exp_rows, key=lambda r: (r["encoder"] != "minivgg", r["encoder"], r["pretrain"] != "none", r["pretrain"], r["trainset"]))
    fig, axes = plt.subplots(1, 2, figsize=(max(11, 1.5 * len(rows) * 2), 5), sharey=True)
    _bars(axes[0], rows, ("accuracy", "top1", "top5"), ("accuracy", "top-1", "top-5"), seed_rows)
    axes[0].set_title("natural test split")
    _bars(axes[1], rows, ("paper_top1", "paper_top5"), ("top-1", "top-5"), seed_rows)
    for i, r in enumerate(rows):
        reported = PAPER_REPORTED.get(exp_key(r))
        if reported:
            axes[1].plot([i - 0.2, i + 0.2], [reported[0] / 100, reported[1] / 100], "k_", ms=14, mew=2,
                         label="paper reported" if "paper reported" not in axes[1].get_legend_handles_labels()[1] else None)
    axes[1].axhline(1 / 15, color="grey", ls=":", lw=1)
    axes[1].axhline(1 / 3, color="grey", ls=":", lw=1)
    axes[1].set_title("paper's protocol: class-balanced resample (chance 6.7% / 33%)")
    seeds = max(r["n_seeds"] for r in rows)
    note = "95% interval over seeds" if seeds > 1 else "one seed: 95% bootstrap interval over test images"
    fig.suptitle(f"Classification on the test set, mean of {seeds} seed(s) ({note})")
    for ax in axes:
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    save_figure(fig, out, dpi=110)
    plt.close(fig)


def embedding_quality(qualities: list[dict], out: str) -> None:
    """Validation-set retrieval quality of the projection, before vs after each pretraining."""
    means = quality_means(qualities)
    keys = sorted(means, key=lambda k: (k[0], k[1] != "untrained", k[1]))
    metrics = (("precision_at_1", "precision@1"), ("map_at_r", "MAP@R"), ("silhouette", "silhouette"))
    fig, ax = plt.subplots(figsize=(max(8, 1.3 * len(keys)), 4.5))
    width = 0.8 / len(metrics)
    for j, (m, label) in enumerate(metrics):
        ax.bar(np.arange(len(keys)) + (j - 1) * width, [means[k][m] for k in keys], width, label=label)
    ax.set_xticks(range(len(keys)), [f"{e}\n{'untrained' if s == 'untrained' else s + ' pretrain'}" for e, s in keys], fontsize=8)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel("score on validation embeddings")
    ax.set_title("Embedding quality before and after pretraining (projection z, mean over seeds)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out, dpi=110)
    plt.close(fig)
