"""Stage of rule ``official``: the official MedMNIST task (ChestMNIST: 14 labels, every image), a head on
an encoder state's frozen features, or the encoder trained end to end; scored by medmnist's Evaluator."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .. import __version__
from ..data.images import load_images
from ..data.source import flag_info, official_size
from ..evaluation.inference import for_inference, map_rows
from ..evaluation.official import evaluate_official, medmnist_metrics, output_width, scores
from ..evaluation.published import PUBLISHED, SOURCE
from ..files import provenance, save_json
from ..models import Classifier
from ..models.build import build_classifier, load_pretrained
from ..runtime import pick_device
from ..training.accel import Accel
from ..training.classify import train_classifier
from ..training.optim import Optim
from ..training.resume import Resume, job_identity, write_result
from ..training.tasks import MedMNISTTask

log = logging.getLogger(__name__)


def build_model(params: dict, width: int, seed: int, pretrained: str | None, tuning: str) -> Classifier:
    """End to end: a fresh encoder; frozen: the pretrained encoder, or the untrained one (pretrain none)."""
    name, size = params["encoder"], params["image_size"]
    checkpoint = load_pretrained(pretrained, name, size) if tuning == "frozen" and pretrained else None
    return build_classifier(
        name, size, params["architecture"], params["head"], width, seed, softmax_output=False, pretrained=checkpoint
    )


def run_official(
    pretrained: str | None,
    train: str,
    val: str,
    test: str,
    raw: str,
    outputs: dict,
    params: dict,
    pretrain: str,
    tuning: str,
    seed: int,
    device: str = "auto",
    performance: dict | None = None,
    weights: str | None = None,
) -> None:
    """``tuning``: ``frozen`` (a head on the frozen encoder state; pretrain none = untrained) or ``end_to_end``.
    ``train``/``val``/``test``: the unpruned splits; ``raw``: the source file the Evaluator reads labels from."""
    dev = pick_device(device)
    accel = Accel.for_device(performance, dev)
    data = params["data"]
    info = flag_info(data["flag"])
    task = info.task
    # what training reads (the test split it does not)
    inputs = {"train": train, "val": val, "pretrained": pretrained, "weights": weights}
    resume = Resume(
        Path(outputs["model"]).parent, job_identity({**params, "tuning": tuning}, seed, inputs), accel.describe(dev)
    )
    splits = {s: load_images([p], params["image_size"]) for s, p in (("train", train), ("val", val), ("test", test))}
    width = output_width(task, len(info.label_names))
    model = build_model(params, width, seed, pretrained, tuning)
    if (done := resume.finished()) is None:
        block = params["official"][tuning]
        log.info(
            "official %s task (%s), %s, on %d images (%s), seed %d",
            data["flag"],
            task,
            tuning,
            len(splits["train"]),
            dev,
            seed,
        )
        history, best, best_row = train_classifier(
            model,
            splits["train"].to(dev),
            splits["val"].to(dev),
            Optim.from_block(block),
            seed,
            resume,
            dev,
            freeze_encoder=tuning == "frozen",
            freeze_batchnorm=True,
            select_on=params["official"]["select_on"],
            accel=accel,
            task=MedMNISTTask(task),
        )
        done = {
            "checkpoint": dict(
                kind="official",
                state_dict=best,
                epoch=best_row["epoch"],
                val=best_row,
                params=params,
                tuning=tuning,
                seed=seed,
            ),
            "history": history,
        }
        resume.finish(done)
    write_result(done, outputs["model"], outputs["history"])
    model.load_state_dict(done["checkpoint"]["state_dict"])
    for_inference(model, dev)
    test_data = splits["test"]
    logits = map_rows(lambda part: model(test_data.batch(part, dev)).float().cpu(), len(test_data)).numpy()
    y_score = scores(logits, task)
    official = evaluate_official(raw, data["flag"], data["size"], "test", y_score)
    check = medmnist_metrics(test_data.labels.numpy(), y_score, task)
    if not np.allclose([official["auc"], official["acc"]], [check["auc"], check["acc"]], equal_nan=True):
        raise RuntimeError(f"{test}: its labels are not the rows of {raw}'s test split, in order")
    log.info("test (medmnist Evaluator): AUC %.4f, ACC %.4f", official["auc"], official["acc"])
    save_json(
        outputs["metrics"],
        {
            "encoder": params["encoder"],
            "pretrain": pretrain,
            "tuning": tuning,
            "seed": seed,
            "flag": data["flag"],
            "size": data["size"],
            "task": task,
            "test": official,
            "kept_epoch": done["checkpoint"]["epoch"],
            "n": {s: len(d) for s, d in splits.items()},
            # published figures only beside runs on the official file (not demo or other data)
            "published": PUBLISHED.get((data["flag"], data["size"]), []) if official_size(raw, data["flag"]) else [],
            "published_source": SOURCE,
            "version": __version__,
            "provenance": provenance(params=params),
        },
    )
