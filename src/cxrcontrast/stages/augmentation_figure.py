"""Stage of rule ``augmentation_figure``: example training images and their augmented views."""

from __future__ import annotations

from ..data.augment import AugmentParams
from ..data.images import load_split
from ..files import load_json


def run_augmentation_figure(
    pruned_train: str, classes_json: str, out: str, image_size: int, params: dict, seed: int
) -> None:
    from ..figures.augmentation import plot_examples

    arrays = load_split(pruned_train)
    names = load_json(classes_json)["class_names"]
    plot_examples(arrays["images"], arrays["labels"], names, out, image_size, AugmentParams.from_config(params), seed)
