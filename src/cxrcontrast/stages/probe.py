"""Stage of rule ``probe``: kNN and linear probes of an encoder state's frozen features h."""

from __future__ import annotations

import logging
import time

import numpy as np

from .. import __version__
from ..data.images import load_images
from ..evaluation.inference import embed
from ..evaluation.metrics import classification_metrics
from ..evaluation.probes import SCORES, collapse, knn_probs, linear_probs, majority_knn, probe_scores
from ..files import load_json, provenance, save_json
from ..models.build import load_embedder
from ..runtime import pick_device

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
) -> None:
    """``params``: ``RunConfig.probe_params`` (architecture, image size, the ``probes`` block)."""
    n_classes = len(load_json(classes)["class_names"])
    dev = pick_device(device)
    model = load_embedder(pretrained, params, seed, pretrained_made_by)
    feats, labels = {}, {}
    for split, path in (("train", train), ("val", val), ("test", test)):
        data = load_images([path], params["image_size"])
        feats[split] = embed(model, data, dev)[0].numpy()  # h: the features a frozen encoder hands on
        labels[split] = data.labels.numpy()
    t0 = time.perf_counter()
    cfg = params["probes"]
    collapsed = next((f"{split}: {why}" for split, f in feats.items() if (why := collapse(f))), None)
    if collapsed:
        log.warning("features h collapsed (%s): the probes are not scored", collapsed)
        scores = unscored(cfg)
    else:
        scores = probe_all(feats, labels, n_classes, cfg)
    t1 = time.perf_counter()
    save_json(
        out_json,
        {
            "encoder": params["encoder"],
            "pretrain": pretrain,
            "seed": seed,
            "features": "h",
            "collapsed": collapsed is not None,
            "collapsed_reason": collapsed,
            **scores,
            "n": {s: int(len(v)) for s, v in labels.items()},
            "seconds": round(t1 - t0, 2),
            "version": __version__,
            "provenance": provenance(pretrained=pretrained, params=params),
        },
    )


def probe_all(feats: dict, labels: dict, n_classes: int, cfg: dict) -> dict:
    """The kNN (ours and MedMNIST+'s) and linear probes of ``feats``, trained on train, scored on test."""
    t0 = time.perf_counter()
    votes = knn_probs(feats["train"], labels["train"], feats["test"], n_classes, cfg["knn_k"], cfg["knn_temperature"])
    knn = probe_scores(votes, labels["test"])
    majority = majority_knn(feats["train"], labels["train"], feats["test"], n_classes, cfg["medmnist_plus_k"])
    plus = classification_metrics(np.eye(n_classes)[majority], labels["test"])
    knn_plus = {"k": cfg["medmnist_plus_k"], **{m: plus[m] for m in ("accuracy", "balanced_accuracy")}}
    t1 = time.perf_counter()
    probs, c, val_score = linear_probs(
        feats["train"], labels["train"], feats["val"], labels["val"], feats["test"], n_classes, cfg["linear_c"]
    )
    linear = {**probe_scores(probs, labels["test"]), "c": c, "val_balanced_accuracy": val_score}
    t2 = time.perf_counter()
    log.info("kNN (k=%d): %s in %.1f s; linear (C=%g): %s in %.1f s", cfg["knn_k"], knn, t1 - t0, c, linear, t2 - t1)
    return {"knn": {"k": cfg["knn_k"], **knn}, "linear": linear, "knn_medmnist_plus": knn_plus}


def unscored(cfg: dict) -> dict:
    """The probes' entries of collapsed features: the same keys, every score null (not a chance-level number)."""
    none = dict.fromkeys(SCORES)
    return {
        "knn": {"k": cfg["knn_k"], **none},
        "linear": {**none, "c": None, "val_balanced_accuracy": None},
        "knn_medmnist_plus": {"k": cfg["medmnist_plus_k"], "accuracy": None, "balanced_accuracy": None},
    }
