"""``python -m cxrcontrast own PATH [--size N] [--flag FLAG] [--configfile LAYER ...] [snakemake arguments]``:
your own X-rays, a folder of images (``{PATH}/train|val|test/{class}/*.png``) or a MedMNIST-format .npz, through
the lean grid of ``config/own_folder.yaml`` or ``config/own_npz.yaml`` in one command, from the workflow's folder.

The path reaches the workflow as one generated data-only layer, ``results/own_data.yaml`` (``datasets: {own:
...}``: the preset's entry with the path and sizes), given last to ``python -m cxrcontrast run``, which reads and
checks it like any layer and prints the plan. Not ``--config``: Snakemake passes every nested value given there
as a string, which the schema refuses for ``size``. Rewritten at each start with the same content, it makes
nothing stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from .config.layers import WORKFLOW_CONFIG, read_yaml
from .errors import InputError
from .files import save_text

PRESETS = {"folder": "config/own_folder.yaml", "npz": "config/own_npz.yaml"}
LAYER = "results/own_data.yaml"
DATASET = "own"  # its results go to results/own/
# Help is printed as plain text, under the name a person types (the docstring's ``x`` is reST markup).
PROG = "python -m cxrcontrast own"
DESCRIPTION = (
    "Your own X-rays through a lean grid in one command, from the workflow's folder: a folder of images "
    "(PATH/train|val|test/CLASS/*.png) with config/own_folder.yaml, or a MedMNIST-format .npz with "
    "config/own_npz.yaml. Every other argument goes to python -m cxrcontrast run (Snakemake's arguments)."
)


def model_input(side: int) -> int:
    """The model input for images of ``side`` px: 64 where they allow it, else 32 (28 px upsampled, as the
    paper's mini-VGG ran), never above their own side otherwise."""
    return 64 if side >= 64 else max(32, side)


def own_entry(path: Path, size: int | None, flag: str | None, folder: Path) -> tuple[str, dict]:
    """(preset, dataset entry) for ``path``: the preset's entry with the path, the sizes and any flag."""
    if path.is_dir():
        kind = "folder"
    elif path.is_file() and path.suffix.lower() == ".npz":
        kind = "npz"
    else:
        raise InputError(f"{path}: neither a folder of images nor a .npz file; expected one of them")
    entry = dict(read_yaml(folder / PRESETS[kind])["datasets"][DATASET])
    if kind == "folder":
        side = size or entry["size"]
        entry.update(root=str(path.resolve()), size=side, image_size=side)
    else:
        from .cost.data_sizes import npz_shapes

        stored = npz_shapes(path).get("train_images")
        if stored is None or len(stored) < 3:
            raise InputError(f"{path}: no train_images array of images; expected a MedMNIST-format .npz")
        entry.update(npz=str(path.resolve()), size=int(stored[1]), image_size=size or model_input(int(stored[1])))
        entry.update({"flag": flag} if flag else {})
    return PRESETS[kind], entry


def own_arguments(argv: list[str], folder: str | Path = ".") -> list[str]:
    """The arguments of ``python -m cxrcontrast run`` for ``own PATH [--size N] [--flag FLAG] [snakemake
    arguments]``, having written the generated layer."""
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, allow_abbrev=False)
    parser.add_argument("path", type=Path, help="a folder train|val|test/CLASS/images, or a MedMNIST-format .npz")
    parser.add_argument("--size", type=int, help="the model input in px (default 64, or as the images allow)")
    parser.add_argument("--flag", help="an .npz's MedMNIST task (default chestmnist)")
    # Snakemake keeps only the last --configfile option: a user's layer among its arguments would be dropped
    # without a word by the preset's; and --config cannot set a nested number (Snakemake passes it as a string)
    parser.add_argument(
        "--configfile", nargs="+", action="extend", default=[], metavar="LAYER",
        help="more config layers, applied over the preset (e.g. fewer epochs); the path's layer stays last",
    )  # fmt: skip
    ours, snakemake_args = parser.parse_known_args(argv)
    preset, entry = own_entry(ours.path, ours.size, ours.flag, Path(folder))
    save_text(Path(folder) / LAYER, yaml.safe_dump({"datasets": {DATASET: entry}}, sort_keys=False))
    # Snakemake's arguments first: after --configfile (which takes every word up to the next option) a target
    # would be read as a layer
    return [*snakemake_args, "--configfile", WORKFLOW_CONFIG, preset, *ours.configfile, LAYER]


def own(argv: list[str], run) -> int:
    """``run`` (the front door's) with the arguments for ``argv``; a bad path is one line and exit code 1."""
    try:
        args = own_arguments(argv)
    except InputError as exc:
        print(f"cxrcontrast: {exc}", file=sys.stderr)
        return 1
    return run(args)
