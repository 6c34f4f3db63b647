"""Recipe layers: a published row's settings are those of its recipe's layer file, config/<recipe>.yaml, read
here (as data only) so the summary can compare a run's settings with them (evaluation/like_for_like.py)."""

from __future__ import annotations

import re
from pathlib import Path

from .layers import read_yaml

RECIPE_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")  # a file name in config/, never a path
COMPARED = ("official", "encoders")  # the blocks of a recipe layer a published row's settings come from


def recipe_layers(names, folder: str | Path = ".") -> dict[str, dict]:
    """Recipe name -> the compared blocks of its layer ``<folder>/config/<name>.yaml``, for each name whose file
    is there (a recipe without its file matches no run, and the summary says so)."""
    layers = {}
    for name in sorted(set(names)):
        if not RECIPE_NAME.match(name):
            raise ValueError(f"recipe {name!r}: expected the name of a layer file in config/ (such as medmnist_v2)")
        path = Path(folder) / "config" / f"{name}.yaml"
        if path.is_file():
            layers[name] = {k: v for k, v in read_yaml(path).items() if k in COMPARED}
    return layers
