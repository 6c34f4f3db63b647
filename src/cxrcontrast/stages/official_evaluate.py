"""Stage of rule ``official_evaluate``: a model of the official MedMNIST task (rule ``official``) scored on
the test split by medmnist's Evaluator."""

from __future__ import annotations

import logging

import numpy as np

from .. import __version__
from ..data.images import load_images
from ..data.medmnist_format import flag_info
from ..evaluation.inference import for_inference, map_rows
from ..evaluation.official import evaluate_official, reference_scores, scores
from ..files import load_json, provenance, save_json
from ..models.build import load_classifier
from ..models.checkpoints import OfficialCheckpoint
from ..runtime import pick_device

log = logging.getLogger(__name__)


def run_official_evaluate(
    model: str,
    test: str,
    raw: str,
    classes: str,
    out_metrics: str,
    pretrain: str,
    device: str = "auto",
    model_made_by: dict | None = None,
) -> None:
    """``test``: the unpruned test split; ``raw``: the source file the Evaluator reads its labels from;
    ``classes``: the pruning's record, which says whether ``raw`` is the official file."""
    net, ckpt = load_classifier(model, OfficialCheckpoint, model_made_by)
    data, dev = ckpt.params["data"], pick_device(device)
    task = flag_info(data["flag"]).task
    test_data = load_images([test], ckpt.image_size)
    y_score = scores(logits_on_test(net, test_data, dev), task)
    labels = test_data.labels.numpy()
    result = evaluate_official(raw, data["flag"], data["size"], "test", y_score, labels)
    result.update(reference_scores(labels, y_score, task))  # mAP, and the ACC its constant prediction gets
    log.info(
        "test (medmnist Evaluator): AUC %.4f, ACC %.4f (constant prediction: %.4f), mAP %.4f",
        result["auc"],
        result["acc"],
        result["acc_constant"],
        result["map"],
    )
    official = load_json(classes)["official"]  # the MedMNIST size of which raw is the official file, or None
    save_json(out_metrics, official_record(ckpt, pretrain, task, result, len(test_data), official))


def logits_on_test(net, test_data, device) -> np.ndarray:
    """The model's logits of every test image, in the split's order."""
    for_inference(net, device)
    return map_rows(lambda part: net(test_data.batch(part, device)).float().cpu(), len(test_data)).numpy()


def official_record(ckpt, pretrain: str, task: str, result: dict, n_test: int, official: int | None) -> dict:
    """The JSON of rule ``official_evaluate``: which model, on which data (``size``: the file's side, ``image_size``:
    the model's input, ``official_file``: the MedMNIST size of which the file is the official one, or None), and the
    Evaluator's test scores. The summary reads the published rows beside it (evaluation/like_for_like.py)."""
    data = ckpt.params["data"]
    return {
        "encoder": ckpt.encoder,
        "pretrain": pretrain,
        "tuning": ckpt.tuning,
        "seed": ckpt.seed,
        "flag": data["flag"],
        "size": data["size"],
        "image_size": ckpt.image_size,
        "official_file": official,
        "task": task,
        "test": result,
        "kept_epoch": ckpt.epoch,
        "n": {"train": ckpt.train_images, "val": ckpt.val_images, "test": n_test},
        "version": __version__,
        "provenance": provenance(params=ckpt.params),
    }
