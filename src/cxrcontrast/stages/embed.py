"""Stage of rule ``embed``: an encoder state's embeddings (before or after pretraining), as numbers and t-SNE maps."""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
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
    # one split after the other, each embedded then scored (the val split's h and z kept for its maps)
    splits = (("train", train), ("val", val))
    embedded = {split: embedded_split(model, split, path, params["image_size"], cfg, dev) for split, path in splits}
    scores = {split: e.scores for split, e in embedded.items()}
    panels = tsne_maps(embedded["val"], cfg)
    save_json(out_json, embedding_record(params, pretrain, seed, scores, pretrained))
    when = "untrained encoder" if pretrained is None else f"after {pretrain} pretraining"
    points = len(embedded["val"].labels)
    title = f"t-SNE of {params['encoder']} ({when}), val split, {points} images, seed {seed}"
    tsne_panels(panels, names, title, out_png)


class Embedded(NamedTuple):
    """One split's subsample: its h and z ({"h": ..., "z": ...}), labels and retrieval quality of each."""

    features: dict[str, np.ndarray]
    labels: np.ndarray
    scores: dict[str, dict]


def embedded_split(model, split: str, path: str, image_size: int, cfg: dict, device) -> Embedded:
    """h and z of the split's seeded subsample and their retrieval quality."""
    data = load_images([path], image_size)
    idx = torch.from_numpy(subsample(len(data), cfg["points"], cfg["seed"]))
    features = dict(zip(("h", "z"), (t.numpy() for t in embed(model, data, device, idx))))
    labels = data.labels[idx].numpy()
    scores = {key: quality(x, labels, seed=cfg["seed"]) for key, x in features.items()}
    log.info("%s: h %s; z %s", split, scores["h"], scores["z"])
    return Embedded(features, labels, scores)


def tsne_maps(val: Embedded, cfg: dict) -> list[tuple]:
    """A t-SNE panel (title, 2-d points, labels) of h, then of z, titled with its retrieval quality."""
    panels = []
    for key, x in val.features.items():
        q, note = val.scores[key], " - collapsed to one point" if collapsed(x) else ""
        title = f"{FEATURES[key]}{note}\nP@1 {q['precision_at_1']:.2f}, MAP@R {q['map_at_r']:.2f}"
        panels.append((title, tsne(x, cfg["seed"], cfg["perplexity"]), val.labels))
    return panels


def embedding_record(params: dict, pretrain: str, seed: int, scores: dict, pretrained: str | None) -> dict:
    """The JSON of rule ``embed``: which encoder state, and the retrieval quality on each split."""
    return {
        "encoder": params["encoder"],
        "pretrain": pretrain,
        "seed": seed,
        "points": params["embeddings"]["points"],
        **scores,
        "version": __version__,
        "provenance": provenance(pretrained=pretrained, params=params, seed=seed),
    }
