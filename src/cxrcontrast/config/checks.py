"""Checks of keys that must agree with each other, made before any job runs.

Each failure names the full key and what was expected. Without them these mistakes
failed inside a job, hours into a run, after Snakemake had removed the job's outputs.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..vocabulary.experiments import fraction_text
from ..vocabulary.objectives import pk_batch_error, route

FROZEN_MAX = {"pooled": 211, "imagenet_logits": 213}  # parameter tensors of EfficientNet-B0 (with its ImageNet fc)
WORKFLOW_OUTPUTS = ("results",)  # folders this workflow writes


def check_data(data: dict) -> None:
    if data["source"] == "demo" and data["flag"] != "chestmnist":
        raise InputError(
            f"data.flag: {data['flag']!r} with data.source: demo; the demo data are ChestMNIST-format "
            "(14 findings): use flag chestmnist, or data.source npz/medmnist for another flag"
        )
    if data["source"] == "npz":
        if not data.get("npz"):
            raise InputError("data.npz: data.source is 'npz' but data.npz (path to the file) is not set")
        path = Path(data["npz"])
        if path.exists() and not path.is_file():
            raise InputError(f"data.npz: {path} is not a file (a directory or device); expected a MedMNIST .npz")
        if not path.exists():
            raise InputError(f"data.npz: {path} not found; expected a MedMNIST-format .npz file")
        if path.stat().st_size == 0:
            raise InputError(f"data.npz: {path} is empty; expected a MedMNIST-format .npz file")
        if path.resolve().is_relative_to(Path(WORKFLOW_OUTPUTS[0]).resolve()):
            raise InputError(
                f"data.npz: {path} lies under results/, among this workflow's own outputs; "
                "give the source file (a MedMNIST-format .npz outside results/)"
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


def check_encoders(raw: dict, used: set[str]) -> None:
    size = raw["data"]["image_size"]
    if "minivgg" in used and size % 8:
        raise InputError(f"data.image_size: {size} is not a multiple of 8, which minivgg needs (three 2x poolings)")
    eff = raw["encoders"]["efficientnet_b0"]
    if eff["frozen_tensors"] > FROZEN_MAX[eff["features"]]:
        raise InputError(
            f"encoders.efficientnet_b0.frozen_tensors: {eff['frozen_tensors']} exceeds the "
            f"{FROZEN_MAX[eff['features']]} parameter tensors of EfficientNet-B0 with features: "
            f"{eff['features']}"
        )


def check_experiments(raw: dict) -> set[str]:
    seen = set()
    for i, e in enumerate(raw["experiments"]):
        key = (e["encoder"], e["pretrain"], e["trainset"])
        if key in seen:
            raise InputError(
                f"experiments[{i}]: {'/'.join(key)} is listed twice; each must be unique "
                "(list several label fractions under one entry's labels:)"
            )
        seen.add(key)
    return {e["encoder"] for e in raw["experiments"]}


def check_objectives(raw: dict) -> None:
    for name, block in raw["pretrain"].items():
        route(name, block)  # every key belongs to a part of its objective
    used = {(e["encoder"], e["pretrain"]) for e in raw["experiments"] if e["pretrain"] != "none"}
    for encoder, name in sorted(used):
        sampler = route(name, {**raw["pretrain"][name], **raw["encoders"][encoder]["train_overrides"]})["sampler"]
        if "images_per_class" in sampler and (why := pk_batch_error(**sampler, key=f"pretrain.{name}.")):
            raise InputError(f"{why} (for {encoder})")


def check(raw: dict) -> None:
    """Every cross-key rule; raises InputError at the first that fails."""
    check_data(raw["data"])
    check_augment(raw["augment"])
    encoders = check_experiments(raw)
    check_encoders(raw, encoders)
    check_objectives(raw)


# ---- values the config alone shows wrong (each named before any job) --------------------------------
MIN_FRACTION = 1e-6  # one label in a million: below it no real split keeps more than the one image per class
MAX_FRACTION_TEXT = 12  # characters of a fraction in result paths (labels0.000125): 0.1234567891 fits
KEYWORD_WEIGHTS = ("none", "imagenet")


def check_flag(data: dict) -> None:
    from ..vocabulary.flags import flags_2d

    if data["flag"] not in flags_2d():
        raise InputError(f"data.flag: {data['flag']!r} is not a 2D MedMNIST flag; expected one of {flags_2d()}")


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


def check_values(raw: dict) -> None:
    """Values that pass the schema but no job could use; raises InputError at the first."""
    check_flag(raw["data"])
    check_labels(raw["experiments"])
    check_weights(raw["encoders"], {e["encoder"] for e in raw["experiments"]})
