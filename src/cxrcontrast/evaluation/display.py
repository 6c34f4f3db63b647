"""The names a person reads experiments and metrics by (their identity: ``vocabulary.experiments``)."""

from __future__ import annotations

METRIC_LABELS = {"accuracy": "top-1", "balanced_accuracy": "balanced acc", "top5": "top-5", "auc_macro": "macro AUC"}
# the names papers print; an encoder not listed is shown by its registry name
ENCODER_LABELS = {
    "minivgg": "VGG",
    "efficientnet_b0": "EffNet-B0",
    "resnet18": "ResNet-18",
    "resnet50": "ResNet-50",
    "densenet121": "DenseNet-121",
    "vit_b_16": "ViT-B/16",
}


def percent(fraction) -> str:
    """A label budget as a percentage: 100%, 10%, 1%, 0.5%."""
    return f"{100 * float(fraction):g}%"


def experiment_label(e: dict) -> str:
    """A short name of an experiment (a dict with encoder, pretrain, trainset, labels)."""
    short = ENCODER_LABELS.get(e["encoder"], e["encoder"])
    name = "baseline" if e["pretrain"] == "none" else f"{e['pretrain']} pretrain"
    budget = "" if float(e.get("labels", 1)) == 1 else f", {percent(e['labels'])} labels"
    return f"{short} {name}" + (" +aug set" if e["trainset"] == "train_aug" else "") + budget


def collapsed_seeds(row: dict) -> str | None:
    """ "k of n seeds" where a seed's classifier of the experiment row collapsed (``evaluation.collapse``;
    ``tables.experiment_rows`` ``collapsed_seeds``, a number or its CSV text), else None."""
    k = int(row.get("collapsed_seeds") or 0)
    return f"{k} of {row['n_seeds']} seeds" if k else None


def resolution(size, image_size) -> str:
    """A dataset's resolution: its images' size, and the model's input size where that differs (28 px, 28→32 px)."""
    shown = [s for s in (size, image_size) if s not in (None, "")]
    if not shown:
        return "size unknown"
    if len(shown) == 1 or int(shown[0]) == int(shown[1]):
        return f"{int(shown[0])} px"
    return f"{int(shown[0])}→{int(shown[1])} px"


def dataset_label(row: dict) -> str:
    """A dataset and its resolution: "chest 28 px"."""
    return f"{row['dataset']} {resolution(row.get('size'), row.get('image_size'))}"
