"""Per-experiment figures: normalized confusion matrix, per-class AUC, training curves."""

from __future__ import annotations

import csv
import logging

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..errors import InputError
from .style import percent_axis, save_figure

log = logging.getLogger(__name__)


def confusion(matrix, names, title: str, out: str) -> None:
    m = np.asarray(matrix, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        norm = m / m.sum(1, keepdims=True)
    fig, ax = plt.subplots(figsize=(0.55 * len(names) + 3, 0.5 * len(names) + 2.5))
    im = ax.imshow(np.nan_to_num(norm), cmap="Blues", vmin=0, vmax=1)
    for i in range(len(names)):
        for j in range(len(names)):
            if m[i].sum() and norm[i, j] >= 0.005:
                text = f"{norm[i, j]:.2f}"[1:] if norm[i, j] < 1 else "1"  # ".42"
                color = "white" if norm[i, j] > 0.5 else "black"
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
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


CLASSIFY_COLUMNS = ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "val_balanced_accuracy")
PRETRAIN_COLUMNS = ("epoch", "loss", "val_loss")


def read_history(path: str, columns: tuple[str, ...]) -> dict[str, list[float]]:
    """A training job's history.csv as columns of numbers; a file cut mid-row (or otherwise not whole) is
    one line naming it and the row. No rows at all is a warning: the figure says so too."""
    with open(path, newline="") as fh:
        text = fh.read()
    rows = list(csv.reader(text.splitlines()))
    if not rows or not set(columns) <= set(rows[0]):
        raise InputError(f"{path}: not a training history (expected the columns {', '.join(columns)})")
    where = [rows[0].index(c) for c in columns]
    values: dict[str, list[float]] = {c: [] for c in columns}
    for n, row in enumerate(rows[1:], start=2):
        try:
            if len(row) != len(rows[0]) or (n == len(rows) and not text.endswith("\n")):
                raise ValueError("row cut short")
            for c, i in zip(columns, where):
                values[c].append(float(row[i]))
        except ValueError:
            raise InputError(
                f"{path}: row {n} is not whole (the file is cut or damaged); rerun the training job that makes it"
            ) from None
    if not values["epoch"]:
        log.warning("%s: no epochs recorded (only the header); its curves are empty", path)
    return values


def _no_epochs(ax, path: str) -> None:
    ax.text(0.5, 0.5, f"no epochs recorded in\n{path}", ha="center", va="center", transform=ax.transAxes, wrap=True)


def training_curves(history_csv: str, title: str, out: str, pretrain_history: str | None = None) -> None:
    h = read_history(history_csv, CLASSIFY_COLUMNS)
    epoch = h["epoch"]
    panels = 3 if pretrain_history else 2
    fig, axes = plt.subplots(1, panels, figsize=(4.6 * panels, 3.6))
    axes[0].plot(epoch, h["train_loss"], label="train")
    axes[0].plot(epoch, h["val_loss"], label="validation")
    axes[0].set(xlabel="epoch", ylabel="cross-entropy loss", title="classification loss")
    axes[1].plot(epoch, h["train_accuracy"], label="train accuracy (balanced draws)")
    axes[1].plot(epoch, h["val_accuracy"], label="val accuracy")
    axes[1].plot(epoch, h["val_balanced_accuracy"], label="val balanced accuracy")
    axes[1].set(xlabel="epoch", title="accuracy", ylim=(0, 1))
    percent_axis(axes[1])
    if not epoch:
        for ax in axes[:2]:
            _no_epochs(ax, history_csv)
    if pretrain_history:
        pre = read_history(pretrain_history, PRETRAIN_COLUMNS)
        axes[2].plot(pre["epoch"], pre["loss"], color="purple", label="train")
        if any(v == v for v in pre["val_loss"]):  # NaN where the val split could not make batches
            axes[2].plot(pre["epoch"], pre["val_loss"], color="orange", label="validation (fixed draws)")
        axes[2].set(xlabel="epoch", ylabel="contrastive loss", title="pretraining loss")
        if not pre["epoch"]:
            _no_epochs(axes[2], pretrain_history)
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs: no 1.25
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, out, dpi=110)
