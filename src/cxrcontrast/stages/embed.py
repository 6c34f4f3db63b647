"""Stage of rule ``embed``: an encoder state's embeddings (before or after pretraining), as numbers and t-SNE maps."""

from __future__ import annotations

import logging

import torch

from .. import __version__
from ..data.images import load_images
from ..evaluation.embeddings import collapsed, quality, subsample, tsne
from ..evaluation.inference import embed
from ..files import load_json, provenance, save_json
from ..models.build import load_embedder
from ..runtime import pick_device

log = logging.getLogger(__name__)
FEATURES = {"h": "encoder features h", "z": "z (what the loss saw)"}


def run_embed(
    pretrained: str | None,
    train: str,
    val: str,
    classes: str,
    out_png: str,
    out_json: str,
    params: dict,
    pretrain: str,
    seed: int,
    device: str = "auto",
    pretrained_made_by: dict | None = None,
) -> None:
    """``pretrained`` None: the untrained encoder (pretrain "none"). ``params``: ``RunConfig.embed_params``.

    Retrieval quality on both splits for h and z; t-SNE maps of h and z on the val split."""
    from ..figures.embeddings import tsne_panels

    names = load_json(classes)["class_names"]
    cfg = params["embeddings"]
    dev = pick_device(device)
    model = load_embedder(pretrained, params, seed, pretrained_made_by)
    scores = {}
    for split, path in (("train", train), ("val", val)):
        data = load_images([path], params["image_size"])
        idx = torch.from_numpy(subsample(len(data), cfg["points"], cfg["seed"]))
        features = dict(zip(("h", "z"), (t.numpy() for t in embed(model, data, dev, idx))))
        labels = data.labels[idx].numpy()
        scores[split] = {key: quality(x, labels, seed=cfg["seed"]) for key, x in features.items()}
        log.info("%s: h %s; z %s", split, scores[split]["h"], scores[split]["z"])
        if split == "val":
            val_features, val_labels, points = features, labels, len(idx)
    panels = []  # t-SNE maps of the val split
    for key, x in val_features.items():
        q, note = scores["val"][key], " - collapsed to one point" if collapsed(x) else ""
        title = f"{FEATURES[key]}{note}\nP@1 {q['precision_at_1']:.2f}, MAP@R {q['map_at_r']:.2f}"
        panels.append((title, tsne(x, cfg["seed"], cfg["perplexity"]), val_labels))
    when = "untrained encoder" if pretrained is None else f"after {pretrain} pretraining"
    save_json(
        out_json,
        {
            "encoder": params["encoder"],
            "pretrain": pretrain,
            "seed": seed,
            "points": cfg["points"],
            **scores,
            "version": __version__,
            "provenance": provenance(pretrained=pretrained, params=params, seed=seed),
        },
    )
    tsne_panels(
        panels, names, f"t-SNE of {params['encoder']} ({when}), val split, {points} images, seed {seed}", out_png
    )
