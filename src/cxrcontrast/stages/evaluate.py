"""Stage of rule ``evaluate``: test metrics of one experiment and seed, with their figures."""

from __future__ import annotations

import logging

import numpy as np

from .. import __version__
from ..data.budgets import val_budget_rows
from ..data.images import InMemoryImages, load_images
from ..data.tensors import resize_uint8
from ..errors import InputError
from ..evaluation.bootstrap import LEVEL, bootstrap, interval
from ..evaluation.calibration import BINS, CALIBRATION, calibration_of, fit_failure, fit_temperature
from ..evaluation.collapse import collapse_of
from ..evaluation.display import experiment_label
from ..evaluation.inference import predict_probs
from ..evaluation.metrics import HEADLINE, classification_metrics
from ..evaluation.paper_protocol import paper_protocol, paper_protocol_spread, paper_weights
from ..evaluation.robustness import DROPS, corruption_scores
from ..files import load_checkpoint, load_json, load_npz, provenance, save_json, save_npz
from ..models.build import load_classifier
from ..runtime import numerics, pick_device

log = logging.getLogger(__name__)


def run_evaluate(
    model: str,
    test: str,
    val: str,
    corrupted: str,
    classes: str,
    history: str,
    outputs: dict,
    experiment: dict,
    params: dict,
    pretrain_history: str | None = None,
    device: str = "auto",
    model_made_by: dict | None = None,
) -> None:
    """``experiment``: encoder, pretrain, trainset, labels, seed; ``params``: the ``evaluate`` block;
    ``model_made_by``: what the classifier checkpoint records (``DatasetRun.classifier_made_by``); ``val``: the
    split the temperature is fitted on; ``corrupted``: the test split's corrupted copies (rule ``corrupt``)."""
    names, net, ckpt = classifier_of(model, classes, model_made_by)
    data = load_images([test], ckpt.image_size)
    dev = pick_device(device)
    probs, labels, m = scores_on_test(net, data, dev)
    val_probs, val_labels = scores_on_val(net, val, ckpt.image_size, dev)
    collapse = collapse_fields(probs, val_probs, val_labels, names)
    fit_probs, fit_labels = of_the_budget(val_probs, val_labels, experiment)
    ece, calibration = calibration_fields(fit_probs, fit_labels, probs, labels, params["paper_protocol_seed"])
    uncertainty = uncertainty_of(probs, labels, names, params, ece)
    robust = scores_under_corruption(net, corrupted, data, ckpt.image_size, dev, m)
    run_numerics = {"train": load_checkpoint(model).get("numerics"), "evaluate": numerics(dev)}
    n = {"n_test": len(labels), "n_train": ckpt.train_images, "n_val": len(fit_labels)}
    result = metrics_record(experiment, ckpt, names, n, m, calibration, uncertainty, robust, run_numerics)
    result.update(collapse)
    save_npz(
        outputs["predictions"],
        provenance=provenance(model=model, test=test, experiment=experiment),
        probs=probs.astype(np.float32),
        labels=labels,
        index=data.index.numpy(),
    )
    save_json(outputs["metrics"], result)
    draw_figures(result, m, experiment, history, pretrain_history, outputs)


def classifier_of(model: str, classes: str, made_by: dict | None):
    """The class names, the classifier and its checkpoint; refused where the two disagree on the classes."""
    names = load_json(classes)["class_names"]
    net, ckpt = load_classifier(model, made_by=made_by)
    if len(ckpt.class_names) != len(names):
        raise InputError(f"{model}: a classifier of {len(ckpt.class_names)} classes; {classes} lists {len(names)}")
    return names, net, ckpt


def scores_on_test(net, data, device) -> tuple[np.ndarray, np.ndarray, dict]:
    """The classifier's probabilities on the test split, its labels and the metrics of the two."""
    probs = predict_probs(net, data, device).numpy()
    labels = data.labels.numpy()
    m = classification_metrics(probs, labels)
    log.info("test: accuracy %.4f, balanced %.4f, macro AUC %s", m["accuracy"], m["balanced_accuracy"], m["auc_macro"])
    return probs, labels, m


def scores_on_val(net, val: str, image_size: int, device) -> tuple[np.ndarray, np.ndarray]:
    """The classifier's probabilities on every image of the validation split, and its labels."""
    val_data = load_images([val], image_size)
    return predict_probs(net, val_data, device).numpy(), val_data.labels.numpy()


def of_the_budget(val_probs: np.ndarray, val_labels: np.ndarray, experiment: dict) -> tuple[np.ndarray, np.ndarray]:
    """The validation probabilities and labels of the experiment's label budget: the images its epoch was
    selected on, which fit its temperature (``data.budgets.val_budget_rows``)."""
    rows = val_budget_rows(val_labels, experiment["labels"], experiment["seed"])
    return val_probs[rows], val_labels[rows]


def collapse_fields(probs, val_probs, val_labels, names: list[str]) -> dict:
    """metrics.json's collapse mark (``evaluation.collapse``), logged as a warning where the model collapsed.
    A diagnosis, not a selection: judged on every val image, not the label budget's few (7 at 1%)."""
    collapse = collapse_of(probs, val_probs, val_labels, names)
    if collapse["collapsed"]:
        log.warning("the classifier collapsed: %s; the summary makes no claim of it", collapse["collapsed_reason"])
    return {k: collapse[k] for k in ("collapsed", "collapsed_reason", "val_balanced_accuracy")}


def calibration_fields(val_probs, val_labels, probs, labels, protocol_seed: int) -> tuple[dict, dict]:
    """The ECEs as weighted metrics ({name: f(w)}, scored again on every resample) and the record's calibration
    fields: the ECEs on the test split, the temperature fitted on the validation probabilities (of the images of the
    experiment's label budget, those its epoch was selected on) and the reliability curves. A failed temperature fit
    (``fit_failure``) leaves every calibrated number of the model null, with the reason in ``temperature_fit``."""
    fitted = fit_temperature(val_probs, val_labels)
    failure = fit_failure(val_probs, val_labels, fitted)
    temperature = None if failure else fitted
    ece, curves = calibration_of(probs, labels, temperature, paper_weights(labels, protocol_seed)[0])
    values = {k: float(f(np.ones((1, len(labels))))[0]) for k, f in ece.items()}
    calibration = {k: values.get(k) for k in CALIBRATION}  # None: not a calibrated number
    log.info(
        "calibration: ECE %s as trained (debiased %s), %s after temperature scaling (debiased %s)",
        *(calibration[k] for k in ("ece", "ece_debiased", "ece_scaled", "ece_scaled_debiased")),
    )
    if failure:
        log.warning(
            "temperature fit %s on %d validation images (stopped at T = %.3g): no calibrated numbers for this model",
            failure,
            len(val_labels),
            fitted,
        )
    else:
        log.info("temperature %.3f, fitted on %d validation images", temperature, len(val_labels))
    fields = {
        **calibration,
        "temperature": temperature,
        "temperature_fit": failure or "ok",
        "calibration": {
            "bins": BINS,
            "binning": "equal-width bins of the top-class confidence",
            "temperature_fitted_on": {"split": "val", "n": int(len(val_labels))},
            "reliability": curves,
        },
    }
    return ece, fields


def uncertainty_of(probs, labels, names: list[str], params: dict, ece: dict) -> dict:
    """The record's paper protocol (one balanced draw, with its spread) and bootstrap intervals, in that order."""
    dist = bootstrap(probs, labels, resamples=params["bootstrap"], seed=params["seed"], extra=ece)
    protocol = paper_protocol(probs, labels, params["paper_protocol_seed"], extra=ece)
    protocol.update(paper_protocol_spread(probs, labels, params["paper_protocol_seed"], params["bootstrap"], ece))
    protocol["auc_per_class"] = dict(zip(names, protocol["auc_per_class"]))
    for k in CALIBRATION:  # a metric left out of ``ece`` (a failed temperature fit) is null, not absent
        protocol.setdefault(k, None)
        protocol["ci"].setdefault(k, None)
        protocol["resample_sd"].setdefault(k, None)
    return {
        "paper_protocol": protocol,
        "ci": {k: interval(dist.get(k)) for k in (*HEADLINE, *CALIBRATION)},
        "bootstrap": {"resamples": params["bootstrap"], "seed": params["seed"], "level": LEVEL},
    }


def metrics_record(
    experiment: dict,
    ckpt,
    names: list[str],
    n: dict,
    m: dict,
    calibration: dict,
    uncertainty: dict,
    robust: dict,
    run_numerics: dict,
) -> dict:
    """metrics.json: the experiment, its test metrics and the checkpoint's config, keys in this order; ``n``: the
    number of test, training and validation images (those of the label budget)."""
    return {
        **experiment,
        **{k: int(v) for k, v in n.items()},
        "class_names": names,
        **{k: m[k] for k in HEADLINE},
        **calibration,
        "auc_per_class": dict(zip(names, m["auc_per_class"])),
        "confusion": m["confusion"],
        **uncertainty,
        **{k: robust[k] for k in DROPS},
        "robustness": {"scores": robust["scores"], "by_severity": robust["by_severity"]},
        "kept_epoch": ckpt.epoch,
        "config": {"classify": ckpt.params, "pretrain": ckpt.pretrain},
        "version": __version__,
        # what the floats depended on beyond config, seed and inputs (the summary compares them)
        "numerics": run_numerics,
    }


def draw_figures(
    result: dict, m: dict, experiment: dict, history: str, pretrain_history: str | None, outputs: dict
) -> None:
    """The confusion matrix, per-class AUCs, training curves and reliability diagram of one experiment."""
    from ..figures.calibration import reliability_diagram
    from ..figures.experiment import auc_bars, confusion, training_curves

    names = result["class_names"]
    title = f"{experiment_label(experiment)}, seed {experiment['seed']}"
    confusion(m["confusion"], names, title, outputs["confusion"])
    auc_bars(m["auc_per_class"], names, title, outputs["auc"])
    training_curves(history, title, outputs["curves"], pretrain_history)
    reliability_diagram(result, title, outputs["reliability"])


def scores_under_corruption(net, corrupted: str, test, image_size: int, device, clean: dict) -> dict:
    """The classifier on each corrupted copy of ``test`` (the same images, in the same order)."""
    arrays = load_npz(corrupted, ("images", "corruption", "severity", "labels", "index"))
    if not np.array_equal(arrays["index"], test.index.numpy()):
        raise InputError(
            f"{corrupted}: not the corrupted copies of this test split (other images); delete it and rerun"
        )

    def predict(images):
        copy = InMemoryImages(resize_uint8(images, image_size), test.labels, test.index)
        return predict_probs(net, copy, device).numpy()

    robust = corruption_scores(predict, arrays, clean)
    log.info(
        "under %d corrupted copies: mean relative drop of macro AUC %s, of balanced accuracy %s",
        len(arrays["corruption"]),
        robust["corruption_drop_auc_macro"],
        robust["corruption_drop_balanced_accuracy"],
    )
    return robust
