"""Stage of rule ``probe``: kNN and linear probes of an encoder state's frozen features h."""

from __future__ import annotations

import logging
import time

import numpy as np

from .. import __version__
from ..data.images import load_images
from ..data.medmnist_format import flag_info
from ..evaluation.inference import embed
from ..evaluation.metrics import classification_metrics
from ..evaluation.multilabel_probes import finding_aucs, knn_finding_scores, linear_finding_scores
from ..evaluation.probes import SCORES, collapse, knn_probs, linear_probs, majority_knn, probe_scores
from ..files import load_json, provenance, save_json
from ..models.build import load_embedder
from ..runtime import pick_device
from ..vocabulary.tasks import MULTI_LABEL

log = logging.getLogger(__name__)


def run_probe(
    pretrained: str | None,
    train: str,
    val: str,
    test: str,
    classes: str,
    out_json: str,
    params: dict,
    pretrain: str,
    seed: int,
    device: str = "auto",
    pretrained_made_by: dict | None = None,
    official: dict[str, str] | None = None,
) -> None:
    """``params``: ``RunConfig.probe_params`` (architecture, image size, the ``probes`` block); ``official``: the
    unpruned splits ({split: path}) where the dataset's official task is multi-label, probed per finding too."""
    task = load_json(classes)
    dev = pick_device(device)
    model = load_embedder(pretrained, params, seed, pretrained_made_by)
    feats, labels = frozen_features(model, {"train": train, "val": val, "test": test}, params["image_size"], dev)
    probes, seconds = timed_probes(feats, labels, len(task["class_names"]), params["probes"])
    n = {s: int(len(v)) for s, v in labels.items()}
    record = probe_record(params, pretrain, seed, probes, n, seconds, pretrained)
    if official:
        names = flag_info(task["flag"]).label_names
        record["official"] = official_probes(model, official, names, params["image_size"], dev, params["probes"])
    save_json(out_json, record)


def official_probes(model, paths: dict[str, str], names, image_size: int, device, cfg: dict) -> dict:
    """The probes of the official multi-label task (its unpruned splits): per-finding test AUC and their mean, of
    the kNN and of the one-vs-rest linear probe; every score null where the features collapsed."""
    feats, labels = frozen_features(model, paths, image_size, device)
    record = {"task": MULTI_LABEL, "findings": list(names), "n": {s: int(len(v)) for s, v in labels.items()}}
    collapsed = next((f"{split}: {why}" for split, f in feats.items() if (why := collapse(f))), None)
    if collapsed:
        none = {"auc_mean": None, "auc_per_finding": dict.fromkeys(names)}
        knn, linear = {"k": cfg["knn_k"], **none}, {**none, "c": None, "val_auc_mean": None}
        return {**record, "collapsed": True, "collapsed_reason": collapsed, "knn": knn, "linear": linear}
    t0 = time.perf_counter()
    votes = knn_finding_scores(feats["train"], labels["train"], feats["test"], cfg["knn_k"], cfg["knn_temperature"])
    knn = {"k": cfg["knn_k"], **finding_aucs(labels["test"], votes, names)}
    scores, c, val_auc = linear_finding_scores(
        feats["train"], labels["train"], feats["val"], labels["val"], feats["test"], cfg["linear_c"]
    )
    linear = {"c": c, "val_auc_mean": val_auc, **finding_aucs(labels["test"], scores, names)}
    log.info(
        "official task (findings): kNN mean AUC %s, linear mean AUC %s (C=%g)", knn["auc_mean"], linear["auc_mean"], c
    )
    seconds = round(time.perf_counter() - t0, 2)
    return {**record, "collapsed": False, "collapsed_reason": None, "knn": knn, "linear": linear, "seconds": seconds}


def timed_probes(feats: dict, labels: dict, n_classes: int, cfg: dict) -> tuple[dict, float]:
    """The record's probes on h (kNN, linear, MedMNIST+'s kNN) and the seconds they took; collapsed
    features (``probes.collapse``) are marked, with every score null, not scored at chance."""
    collapsed = next((f"{split}: {why}" for split, f in feats.items() if (why := collapse(f))), None)
    mark = {"features": "h", "collapsed": collapsed is not None, "collapsed_reason": collapsed}
    if collapsed:
        log.warning("features h collapsed (%s): the probes are not scored", collapsed)
        return {**mark, **unscored(cfg)}, 0.0
    t0 = time.perf_counter()
    knn, knn_plus = knn_probes(feats, labels, n_classes, cfg)
    t1 = time.perf_counter()
    linear = linear_probe(feats, labels, n_classes, cfg["linear_c"])
    t2 = time.perf_counter()
    log.info(
        "kNN (k=%d): %s in %.1f s; linear (C=%g): %s in %.1f s",
        cfg["knn_k"],
        knn,
        t1 - t0,
        linear["c"],
        linear,
        t2 - t1,
    )
    probes = {**mark, "knn": {"k": cfg["knn_k"], **knn}, "linear": linear, "knn_medmnist_plus": knn_plus}
    return probes, round(t2 - t0, 2)


def frozen_features(model, paths: dict[str, str], image_size: int, device) -> tuple[dict, dict]:
    """{split: h} (the features a frozen encoder hands on) and {split: labels} of each split in ``paths``."""
    feats, labels = {}, {}
    for split, path in paths.items():
        data = load_images([path], image_size)
        feats[split] = embed(model, data, device)[0].numpy()
        labels[split] = data.labels.numpy()
    return feats, labels


def knn_probes(feats: dict, labels: dict, n_classes: int, cfg: dict) -> tuple[dict, dict]:
    """The test scores of the weighted kNN probe, and the accuracies of MedMNIST+'s majority kNN."""
    votes = knn_probs(feats["train"], labels["train"], feats["test"], n_classes, cfg["knn_k"], cfg["knn_temperature"])
    knn = probe_scores(votes, labels["test"])
    majority = majority_knn(feats["train"], labels["train"], feats["test"], n_classes, cfg["medmnist_plus_k"])
    plus = classification_metrics(np.eye(n_classes)[majority], labels["test"])
    return knn, {"k": cfg["medmnist_plus_k"], **{m: plus[m] for m in ("accuracy", "balanced_accuracy")}}


def linear_probe(feats: dict, labels: dict, n_classes: int, c_grid) -> dict:
    """The test scores of the logistic-regression probe whose C scored best on the val split."""
    probs, c, val_score = linear_probs(
        feats["train"], labels["train"], feats["val"], labels["val"], feats["test"], n_classes, c_grid
    )
    return {**probe_scores(probs, labels["test"]), "c": c, "val_balanced_accuracy": val_score}


def probe_record(
    params: dict, pretrain: str, seed: int, probes: dict, n: dict, seconds: float, pretrained: str | None
) -> dict:
    """The JSON of rule ``probe``: which encoder state, its probes' scores, the split sizes and the time taken."""
    return {
        "encoder": params["encoder"],
        "pretrain": pretrain,
        "seed": seed,
        **probes,
        "n": n,
        "seconds": seconds,
        "version": __version__,
        "provenance": provenance(pretrained=pretrained, params=params),
    }


def unscored(cfg: dict) -> dict:
    """The probes' entries of collapsed features: the same keys, every score null (not a chance-level number)."""
    none = dict.fromkeys(SCORES)
    return {
        "knn": {"k": cfg["knn_k"], **none},
        "linear": {**none, "c": None, "val_balanced_accuracy": None},
        "knn_medmnist_plus": {"k": cfg["medmnist_plus_k"], "accuracy": None, "balanced_accuracy": None},
    }
