"""Checks of keys that must agree with each other, made before any job runs.

Each failure names the full key and what was expected. Without them these mistakes
failed inside a job, hours into a run, after Snakemake had removed the job's outputs.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..vocabulary.experiments import fraction_text
from ..vocabulary.objectives import OBJECTIVES, pk_batch_error, route
from ..vocabulary.tasks import MULTI_LABEL

FROZEN_MAX = {"pooled": 211, "imagenet_logits": 213}  # parameter tensors of EfficientNet-B0 (with its ImageNet fc)


def check_datasets(raw: dict) -> None:
    from ..data import sources

    for name, entry in raw["datasets"].items():
        sources.check(f"datasets.{name}", entry)
    for i, e in enumerate(raw["experiments"]):
        unknown = [d for d in e.get("datasets", []) if d not in raw["datasets"]]
        if unknown:
            raise InputError(
                f"experiments[{i}].datasets: {unknown[0]!r} is not a dataset of this config; "
                f"expected one of {sorted(raw['datasets'])}"
            )
    empty = [name for name in raw["datasets"] if not any(name in e.get("datasets", [name]) for e in raw["experiments"])]
    if empty:
        raise InputError(
            f"datasets.{empty[0]}: no experiment runs on it; list it in an experiment's datasets: or drop it"
        )


def check_augment(augment: dict) -> None:
    if augment["crop"] > augment["upscale"]:
        raise InputError(
            f"augment.crop: {augment['crop']} is larger than augment.upscale {augment['upscale']}; "
            "the crop is taken from the upscaled image"
        )
    for key in ("rrc_scale", "rrc_ratio"):
        low, high = augment[key]
        if low > high:
            raise InputError(f"augment.{key}: [{low}, {high}] is not ascending; expected [low, high]")


def check_encoders(raw: dict) -> None:
    eff = raw["encoders"]["efficientnet_b0"]
    if eff["frozen_tensors"] > FROZEN_MAX[eff["features"]]:
        raise InputError(
            f"encoders.efficientnet_b0.frozen_tensors: {eff['frozen_tensors']} exceeds the "
            f"{FROZEN_MAX[eff['features']]} parameter tensors of EfficientNet-B0 with features: "
            f"{eff['features']}"
        )


def check_experiments(raw: dict) -> None:
    seen = set()  # one entry per experiment and label fraction on a dataset: entries may split the fractions
    for i, e in enumerate(raw["experiments"]):
        key = "/".join((e["encoder"], e["pretrain"], e["trainset"]))
        for dataset in e.get("datasets", raw["datasets"]):
            for fraction in e["labels"]:
                if (dataset, key, fraction) in seen:
                    raise InputError(
                        f"experiments[{i}]: {key} with labels {fraction} is listed twice for dataset {dataset}; "
                        "each experiment and label fraction must be unique per dataset"
                    )
                seen.add((dataset, key, fraction))


def check_objectives(raw: dict) -> None:
    for name, block in raw["pretrain"].items():
        route(name, block)  # every key belongs to a part of its objective
    used = {(e["encoder"], e["pretrain"]) for e in raw["experiments"] if e["pretrain"] != "none"}
    for encoder, name in sorted(used):
        sampler = route(name, {**raw["pretrain"][name], **raw["encoders"][encoder]["train_overrides"]})["sampler"]
        if "images_per_class" in sampler and (why := pk_batch_error(**sampler, key=f"pretrain.{name}.")):
            raise InputError(f"{why} (for {encoder})")


def check_multi_label_objectives(raw: dict) -> None:
    """A multi-label objective (``multi_hot``) only on a dataset whose task is multi-label: on a multi-class task
    the unpruned labels are class indices, and the job refused them only once it ran. A binary task would pass
    as one finding, where both losses are SupCon's: refused too, with supcon named."""
    from ..data import sources

    for i, e in enumerate(raw["experiments"]):
        if e["pretrain"] not in OBJECTIVES or not OBJECTIVES[e["pretrain"]].multi_hot:
            continue
        for name in e.get("datasets", raw["datasets"]):
            entry = raw["datasets"][name]
            task = sources.task_type(entry)
            if task != MULTI_LABEL:
                flag = sources.flag(entry)
                whose = f"flag {flag}" if flag else f"source {entry['source']}"
                raise InputError(
                    f"experiments[{i}] ({e['encoder']}/{e['pretrain']}/{e['trainset']}) on dataset {name}: "
                    f"{e['pretrain']} needs multi-hot labels, but the task of {whose} is {task}; expected "
                    f"{MULTI_LABEL} (chestmnist): use supcon there, or list only multi-label datasets in the "
                    "experiment's datasets:"
                )


def check_finetune_pretrain(raw: dict) -> None:
    """An objective of ``official.finetune_pretrain`` must be one an experiment pretrains: without its
    pretraining there is no encoder state to fine-tune, and the key would quietly add nothing."""
    pretrained = {e["pretrain"] for e in raw["experiments"]} - {"none"}
    for name in raw["official"]["finetune_pretrain"]:
        if name not in pretrained:
            raise InputError(
                f"official.finetune_pretrain: {name!r} is pretrained by no experiment, so there is no encoder "
                f"state to fine-tune; expected one of {sorted(pretrained)}: drop it from the list (a layer that "
                f"replaces experiments: replaces this list too) or add an experiment with pretrain: {name}"
            )


# ---- values the config alone shows wrong (each named before any job) --------------------------------
MIN_FRACTION = 1e-6  # one label in a million: below it no real split keeps more than the one image per class
MAX_FRACTION_TEXT = 12  # characters of a fraction in result paths (labels0.000125): 0.1234567891 fits
KEYWORD_WEIGHTS = ("none", "imagenet")


def check_labels(experiments: list) -> None:
    for i, e in enumerate(experiments):
        for value in e["labels"]:
            text = fraction_text(value)
            if value < MIN_FRACTION:
                raise InputError(
                    f"experiments[{i}].labels: {value:g} is below {MIN_FRACTION:g}, a share of the labels no "
                    "dataset here can honour; give a fraction in [1e-06, 1] such as 0.01"
                )
            if len(text) > MAX_FRACTION_TEXT:
                raise InputError(
                    f"experiments[{i}].labels: {value!r} is written {text} in result paths, longer than "
                    f"{MAX_FRACTION_TEXT} characters; round it (e.g. {float(f'{value:.3g}')!r})"
                )


def check_weights(encoders: dict, used: set[str]) -> None:
    for name, block in encoders.items():
        weights = block.get("weights")
        if weights is None or weights in KEYWORD_WEIGHTS:
            continue
        near = weights.strip().lower() in KEYWORD_WEIGHTS
        if near or (name in used and not Path(weights).is_file()):
            why = "not a keyword (mind spaces and case)" if near else "not a file"
            raise InputError(
                f"encoders.{name}.weights: {weights!r} is {why}; expected none, imagenet or the path of "
                "a local state-dict file"
            )


def check(raw: dict) -> None:
    """Every cross-key rule, then the values that pass the schema but no job could use; raises InputError at
    the first that fails."""
    check_datasets(raw)
    check_augment(raw["augment"])
    check_experiments(raw)
    check_encoders(raw)
    check_objectives(raw)
    check_multi_label_objectives(raw)
    check_finetune_pretrain(raw)
    check_labels(raw["experiments"])
    check_weights(raw["encoders"], {e["encoder"] for e in raw["experiments"]})
