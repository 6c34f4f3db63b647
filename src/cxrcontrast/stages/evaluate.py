"""Steps of the evaluation stage: test metrics per experiment and seed, embeddings per encoder."""
from __future__ import annotations

import logging

import numpy as np
import torch

from .. import __version__
from ..bootstrap import HEADLINE, LEVEL, bootstrap, interval
from ..data.balance import balanced_resample
from ..data.images import load_images
from ..embeddings import collapsed, quality, subsample, tsne
from ..figures.embeddings import tsne_panels
from ..figures.experiment import auc_bars, confusion, training_curves
from ..figures.style import experiment_label
from ..errors import InputError
from ..io import load_json, provenance, save_json, save_npz
from ..metrics import classification_metrics
from ..predict import embed, load_classifier, load_embedder, predict_probs
from ..runtime import pick_device

log = logging.getLogger(__name__)


def paper_protocol(probs: np.ndarray, labels: np.ndarray, seed: int) -> dict:
    """The paper's test numbers: a class-balanced resample (with replacement) of the test split."""
    present = np.unique(labels)
    per_class = len(labels) // len(present)
    idx = balanced_resample(labels, per_class, torch.Generator().manual_seed(seed)).numpy()
    m = classification_metrics(probs[idx], labels[idx])
    return {"top1": m["top1"], "top5": m["top5"], "auc_macro": m["auc_macro"], "auc_per_class": m["auc_per_class"],
            "balanced_accuracy": m["balanced_accuracy"], "per_class": per_class, "n": int(len(idx)), "seed": seed}


def run_evaluate(model: str, test: str, classes: str, history: str, outputs: dict, experiment: dict,
                 resamples: int, seed: int, protocol_seed: int, pretrain_history: str | None = None,
                 device: str = "auto") -> None:
    names = load_json(classes)["class_names"]
    net, ckpt = load_classifier(model)
    if ckpt["n_classes"] != len(names):
        raise InputError(f"{model}: a classifier of {ckpt['n_classes']} classes; {classes} lists {len(names)}")
    data = load_images([test], ckpt["image_size"])
    dev = pick_device(device)
    probs = predict_probs(net, data, dev)
    labels = data.labels.numpy()
    m = classification_metrics(probs, labels)
    log.info("test: accuracy %.4f, balanced %.4f, macro AUC %s", m["accuracy"], m["balanced_accuracy"], m["auc_macro"])
    dist = bootstrap(probs, labels, resamples=resamples, seed=seed)
    result = {
        **experiment,
        "n_test": int(len(labels)),
        "class_names": names,
        **{k: m[k] for k in HEADLINE},
        "auc_per_class": dict(zip(names, m["auc_per_class"])),
        "confusion": m["confusion"],
        "paper_protocol": paper_protocol(probs, labels, protocol_seed),
        "ci": {k: interval(dist[k]) for k in HEADLINE},
        "bootstrap": {"resamples": resamples, "seed": seed, "level": LEVEL},
        "best_epoch": ckpt["epoch"],
        "config": ckpt["config"],
        "version": __version__,
    }
    result["paper_protocol"]["auc_per_class"] = dict(zip(names, result["paper_protocol"]["auc_per_class"]))
    save_npz(outputs["predictions"], provenance=provenance(model=model, test=test), probs=probs.astype(np.float32),
             labels=labels, index=data.index.numpy())
    save_json(outputs["metrics"], result)
    title = f"{experiment_label(experiment['encoder'], experiment['pretrain'], experiment['trainset'])}, seed {experiment['seed']}"
    confusion(m["confusion"], names, title, outputs["confusion"])
    auc_bars(m["auc_per_class"], names, title, outputs["auc"])
    training_curves(history, title, outputs["curves"], pretrain_history)


def run_embed(pretrained: str | None, train: str, val: str, classes: str, out_png: str, out_json: str, encoder: str,
              encoder_cfg: dict, image_size: int, seed: int, points: int, perplexity: float, tsne_seed: int,
              state: str, device: str = "auto") -> None:
    """Embeddings of a pretrained encoder (or the untrained one, ``pretrained`` None): t-SNE and quality."""
    names = load_json(classes)["class_names"]
    dev = pick_device(device)
    model = load_embedder(pretrained, encoder, encoder_cfg, image_size, seed)
    panels, scores = [], {}
    for split, path in (("train", train), ("val", val)):
        data = load_images([path], image_size)
        idx = torch.from_numpy(subsample(len(data), points, tsne_seed))
        h, z = embed(model, data, idx, dev)
        labels = data.labels[idx].numpy()
        scores[split] = {"encoder_features": quality(h, labels, seed=tsne_seed), "projection": quality(z, labels, seed=tsne_seed)}
        log.info("%s: projection %s", split, scores[split]["projection"])
        note = " - collapsed to one point" if collapsed(z) else ""
        panels.append((f"{split} ({len(idx)} images){note}: P@1 {scores[split]['projection']['precision_at_1']:.2f}, "
                       f"MAP@R {scores[split]['projection']['map_at_r']:.2f}", tsne(z, tsne_seed, perplexity), labels))
    when = "before pretraining (untrained encoder)" if pretrained is None else f"after {state} pretraining"
    made_by = provenance(pretrained=pretrained, encoder=encoder, encoder_cfg=encoder_cfg, image_size=image_size,
                         seed=seed, points=points, perplexity=perplexity, tsne_seed=tsne_seed)
    save_json(out_json, {"encoder": encoder, "state": state, "seed": seed, "points": points, **scores,
                         "version": __version__, "provenance": made_by})
    tsne_panels(panels, names, f"t-SNE of {encoder} embeddings {when}, seed {seed}", out_png)
