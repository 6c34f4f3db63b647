"""Per-experiment figures: normalized confusion matrix, per-class AUC, training curves."""

from __future__ import annotations

import csv

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .style import percent_axis, save_figure


def confusion(matrix, names, title: str, out: str) -> None:
    m = np.asarray(matrix, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        norm = m / m.sum(1, keepdims=True)
    fig, ax = plt.subplots(figsize=(0.55 * len(names) + 3, 0.5 * len(names) + 2.5))
    im = ax.imshow(np.nan_to_num(norm), cmap="Blues", vmin=0, vmax=1)
    for i in range(len(names)):
        for j in range(len(names)):
            if m[i].sum() and norm[i, j] >= 0.005:
                ax.text(
                    j,
                    i,
                    f"{norm[i, j]:.2f}"[1:] if norm[i, j] < 1 else "1",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if norm[i, j] > 0.5 else "black",
                )
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), [f"{n} ({int(c)})" for n, c in zip(names, m.sum(1))], fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class (test images)")
    ax.set_title(f"{title}\nconfusion matrix, rows normalized to recall")
    fig.colorbar(im, ax=ax, fraction=0.04, label="share of the true class")
    fig.tight_layout()
    save_figure(fig, out, dpi=110)


def auc_bars(aucs, names, title: str, out: str) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.2))
    values = [np.nan if a is None else a for a in aucs]
    colors = ["#c0392b" if i == 0 else "#2e86c1" for i in range(len(names))]
    ax.bar(range(len(names)), values, color=colors)
    for i, a in enumerate(aucs):
        ax.text(i, (a or 0.5) + 0.01, "n/a" if a is None else f"{a:.2f}", ha="center", fontsize=7)
    ax.axhline(0.5, color="grey", ls="--", lw=1, label="chance (0.5)")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("one-vs-rest ROC AUC (test)")
    ax.set_title(f"{title}: per-class ROC AUC")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    save_figure(fig, out, dpi=110)


def training_curves(history_csv: str, title: str, out: str, pretrain_history: str | None = None) -> None:
    with open(history_csv) as fh:
        rows = list(csv.DictReader(fh))
    epoch = [int(r["epoch"]) for r in rows]
    panels = 3 if pretrain_history else 2
    fig, axes = plt.subplots(1, panels, figsize=(4.6 * panels, 3.6))
    axes[0].plot(epoch, [float(r["train_loss"]) for r in rows], label="train")
    axes[0].plot(epoch, [float(r["val_loss"]) for r in rows], label="validation")
    axes[0].set(xlabel="epoch", ylabel="cross-entropy loss", title="classification loss")
    axes[1].plot(epoch, [float(r["train_accuracy"]) for r in rows], label="train accuracy (balanced draws)")
    axes[1].plot(epoch, [float(r["val_accuracy"]) for r in rows], label="val accuracy")
    axes[1].plot(epoch, [float(r["val_balanced_accuracy"]) for r in rows], label="val balanced accuracy")
    axes[1].set(xlabel="epoch", title="accuracy", ylim=(0, 1))
    percent_axis(axes[1])
    if pretrain_history:
        with open(pretrain_history) as fh:
            pre = list(csv.DictReader(fh))
        epochs = [int(r["epoch"]) for r in pre]
        axes[2].plot(epochs, [float(r["loss"]) for r in pre], color="purple", label="train")
        val = [float(r["val_loss"]) for r in pre]
        if any(v == v for v in val):  # NaN where the val split could not make batches
            axes[2].plot(epochs, val, color="orange", label="validation (fixed draws)")
        axes[2].set(xlabel="epoch", ylabel="contrastive loss", title="pretraining loss")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs: no 1.25
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, out, dpi=110)
