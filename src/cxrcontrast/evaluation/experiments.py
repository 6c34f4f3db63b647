"""An experiment's identity (encoder, pretrain, trainset, labels) and the names a person reads it by."""

from __future__ import annotations

import numpy as np

KEYS = ("encoder", "pretrain", "trainset", "labels")
METRIC_LABELS = {"accuracy": "top-1", "balanced_accuracy": "balanced acc", "top5": "top-5", "auc_macro": "macro AUC"}


def experiment_key(row: dict) -> tuple:
    """An experiment's identity from a row or a metrics file (the label fraction as a float)."""
    return tuple(float(row[k]) if k == "labels" else row[k] for k in KEYS)


def experiment_path(key: tuple) -> str:
    """An experiment as its results folder names it: minivgg/none/train/labels0.1 (never 1e-05)."""
    return "/".join(map(str, key[:3])) + f"/labels{np.format_float_positional(key[3], trim='-')}"


def percent(fraction) -> str:
    """A label budget as a percentage: 100%, 10%, 1%, 0.5%."""
    return f"{100 * float(fraction):g}%"


def experiment_label(e: dict) -> str:
    """A short name of an experiment (a dict with encoder, pretrain, trainset, labels)."""
    short = {"minivgg": "VGG", "efficientnet_b0": "EffNet-B0"}.get(e["encoder"], e["encoder"])
    name = "baseline" if e["pretrain"] == "none" else f"{e['pretrain']} pretrain"
    budget = "" if float(e.get("labels", 1)) == 1 else f", {percent(e['labels'])} labels"
    return f"{short} {name}" + (" +aug set" if e["trainset"] == "train_aug" else "") + budget
