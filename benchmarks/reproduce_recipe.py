"""Run a recipe layer (config/<recipe>.yaml) on a MedMNIST-format .npz through the workflow and print ours beside
the published row, or why none matches.

    .venv/bin/python benchmarks/reproduce_recipe.py data/pneumoniamnist.npz --flag pneumoniamnist \\
        --recipe medmnist_v2 --image-size 28 224 --encoders resnet18 --cores 2

The workflow (Snakefile, workflow/, config/) is copied into --workdir and run there through the front door
(``python -m cxrcontrast run``), asking only for the official task's end-to-end results of the recipe's encoders
(rule official_evaluate); one dataset per --image-size, named <flag>_<image size>. ``--config KEY=VALUE`` (a dotted
key, a YAML value: ``--config official.end_to_end.epochs=4``) sets a key in the layer written after the recipe's
(Snakemake's own --config reads nested values as strings); a setting other than the recipe's loses the published
match, and the output says so. Arguments after ``--`` go to Snakemake. A published row matches only the official
file of its flag (its MD5): a synthetic or edited file prints ours and the reason.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]


def copy_workflow(workdir: Path) -> None:
    """The workflow as a clone has it, in ``workdir`` (its results/ stay there)."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", workdir)
    for folder in ("workflow", "config"):
        shutil.copytree(REPO / folder, workdir / folder, dirs_exist_ok=True)


def datasets_layer(npz: Path, flag: str, image_sizes: list[int]) -> dict:
    """One npz dataset per model input size; ``size``: the side of the file's images."""
    with np.load(npz, allow_pickle=False) as arrays:
        size = int(arrays["train_images"].shape[1])
    entry = {"source": "npz", "npz": str(npz.resolve()), "flag": flag, "size": size}
    return {"datasets": {f"{flag}_{px}": {**entry, "image_size": px} for px in image_sizes or [size]}}


def overrides(entries: list[str]) -> dict:
    """``a.b.c=value`` entries as nested keys, each value read as YAML (``4`` an integer, ``[0, 1]`` a list)."""
    out: dict = {}
    for entry in entries:
        key, sep, value = entry.partition("=")
        if not sep or not key:
            raise SystemExit(f"--config {entry!r}: expected KEY=VALUE, such as official.end_to_end.epochs=4")
        *parents, last = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = yaml.safe_load(value)
    return out


def targets(workdir: Path, layers: list[str], encoders: list[str] | None) -> list[str]:
    """The metrics.json of every end-to-end official job (and seed) the layers plan, of ``encoders`` if given."""
    from cxrcontrast.config import SCHEMA, load_layers

    config = load_layers([workdir / name for name in layers], workdir / SCHEMA)
    return [
        f"results/{name}/official/{enc}/{pre}/{tuning}/seed{seed}/metrics.json"
        for name, run in config.datasets.items()
        for enc, pre, tuning in run.official_jobs
        if tuning == "end_to_end" and (not encoders or enc in encoders)
        for seed in config.seeds
    ]


def comparison_lines(results: list[dict], recipes: dict) -> list[str]:
    """Ours beside the published row of each model (evaluation/like_for_like.py), as plain text."""
    from cxrcontrast.evaluation.like_for_like import published_rows

    def score(row, metric):
        ours = f"{row[f'{metric}_mean']:.3f}"
        if row[f"{metric}_ci_low"] is not None:
            ours += f" [{row[f'{metric}_ci_low']:.3f}, {row[f'{metric}_ci_high']:.3f}]"
        if row[metric] is None:
            return f"{metric.upper()} ours {ours}"
        inside = {True: "inside", False: "outside", None: "one seed: no interval"}[row[f"{metric}_inside"]]
        return (
            f"{metric.upper()} ours {ours}, published {row[metric]:.3f} ({row[f'{metric}_difference']:+.3f}; {inside})"
        )

    lines = []
    for dataset, members in results_by_dataset(results).items():
        for row in published_rows(members, recipes):
            head = f"{dataset}: {row['encoder']} at {row['size']} px, {len({m['seed'] for m in members})} seeds"
            lines.append(f"{head}\n  {score(row, 'auc')}\n  {score(row, 'acc')}")
            lines.append(f"  beside: {row['reference']} ({row['recipe']})" if row["note"] is None else
                         f"  no published value: {row['note']}")  # fmt: skip
    return lines


def results_by_dataset(results: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in results:
        out.setdefault(r["dataset"], []).append(r)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("npz", type=Path, help="a MedMNIST-format .npz (train/val/test _images and _labels)")
    parser.add_argument("--flag", required=True, help="the 2D MedMNIST flag whose task the file holds")
    parser.add_argument("--recipe", default="medmnist_v2", help="a layer config/<recipe>.yaml")
    parser.add_argument("--image-size", type=int, nargs="*", default=[], help="model input sides (default: the file's)")
    parser.add_argument("--encoders", nargs="*", help="only these encoders' results (default: the recipe's)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("reproduce"), help="where the workflow runs")
    parser.add_argument("--config", action="append", default=[], help="KEY=VALUE: a dotted key over the recipe")
    argv = sys.argv[1:] if argv is None else argv
    cut = argv.index("--") if "--" in argv else len(argv)
    args, extra = parser.parse_args(argv[:cut]), argv[cut + 1 :]  # after --: more arguments for Snakemake
    copy_workflow(args.workdir)
    layer = args.workdir / "config" / f"reproduce_{args.flag}.yaml"
    ours = {**overrides(args.config), **datasets_layer(args.npz, args.flag, args.image_size)}
    layer.write_text(yaml.safe_dump(ours, sort_keys=False))
    layers = ["config/config.yaml", f"config/{args.recipe}.yaml", f"config/{layer.name}"]
    wanted = targets(args.workdir, layers, args.encoders)
    # the targets before --configfile, whose list would take them as layers
    command = [sys.executable, "-m", "cxrcontrast", "run", *wanted, "--cores", str(args.cores), *extra]
    if subprocess.run([*command, "--configfile", *layers], cwd=args.workdir).returncode:
        return 1
    from cxrcontrast.config import recipe_layers

    results = [{**json.loads((args.workdir / t).read_text()), "dataset": t.split("/")[1]} for t in wanted]
    print("\n".join(comparison_lines(results, recipe_layers([args.recipe], args.workdir))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
