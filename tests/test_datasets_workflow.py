"""Datasets as an axis of the DAG: added to a finished run, a dataset schedules its own jobs and the summaries
only; three sources (demo, a folder of images, a local npz) run end to end; removing one deletes nothing."""

import re
import shutil

import numpy as np
import pytest
import yaml
from conftest import TINY, TINY_LAYERS, snakemake

pytestmark = [pytest.mark.slow, pytest.mark.workflow]
CLASSES = ("covid", "normal", "viral pneumonia")  # folder names, a space included


def write_folder(root, rng):
    """A small ImageFolder tree: PNG and JPEG of other sizes, a `valid` split, a non-image file per split."""
    from PIL import Image

    for split, n in (("train", 16), ("valid", 6), ("test", 6)):
        for c, name in enumerate(CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(n):
                pixels = (rng.random((40, 48)) * 90 + 70 * c).astype(np.uint8)
                Image.fromarray(pixels).save(folder / f"{i}.{'png' if i % 2 else 'jpg'}")
        (root / split / "README.txt").write_text("not an image")


def write_binary_npz(path, rng):
    """A local PneumoniaMNIST-format file (binary labels (N,1))."""
    arrays = {}
    for split, n in (("train", 80), ("val", 30), ("test", 30)):
        labels = rng.integers(0, 2, (n, 1))
        arrays[f"{split}_images"] = (rng.random((n, 28, 28)) * 100 + 80 * labels[:, :, None]).astype(np.uint8)
        arrays[f"{split}_labels"] = labels.astype(np.uint8)
    np.savez(path, **arrays)


def scheduled_outputs(work, *layers):
    """Every output path of the jobs a dry run schedules."""
    proc = snakemake(work, "-n", "--cores", "2", "--resources", "gpu=2", "--configfile", *layers)
    return [
        path
        for line in proc.stdout.splitlines()
        if line.strip().startswith("output:")
        for path in re.split(r",\s*", line.split("output:", 1)[1].strip())
    ]


def test_datasets_added_run_alone_and_removed_delete_nothing(finished_grid, tmp_path):
    work = tmp_path / "wf"
    shutil.copytree(finished_grid, work, symlinks=True)  # copy2: the time stamps of the finished run stay
    rng = np.random.default_rng(0)
    write_folder(work / "own", rng)
    write_binary_npz(work / "mine.npz", rng)
    chest_only = [e["pretrain"] for e in TINY["experiments"]]
    three = {
        **TINY,
        "datasets": {
            **TINY["datasets"],
            "own": {"source": "folder", "root": "own"},
            "mine": {"source": "npz", "npz": "mine.npz", "flag": "pneumoniamnist"},
        },
        "experiments": [
            {**e, "datasets": ["chest"]} if i > 1 else e  # the baseline and normal pretraining on every dataset
            for i, e in enumerate(TINY["experiments"])
        ],
    }
    assert chest_only[:2] == ["none", "normal"]
    (work / "three.yaml").write_text(yaml.safe_dump(three))
    layers = [*TINY_LAYERS[:-1], "three.yaml"]
    chest_metrics = sorted((work / "results/chest/metrics").rglob("metrics.json"))
    stamps = {p: p.stat().st_mtime_ns for p in chest_metrics}

    outputs = scheduled_outputs(work, *layers)
    assert outputs and all(
        p.startswith(("results/own/", "results/mine/", "results/summary/", "results/figures/")) for p in outputs
    ), [p for p in outputs if not p.startswith(("results/own/", "results/mine/"))]
    assert any(p.startswith("results/own/") for p in outputs) and any(p.startswith("results/mine/") for p in outputs)

    snakemake(work, "--cores", "2", "--resources", "gpu=2", "--max-threads", "1", "--configfile", *layers)
    assert {p: p.stat().st_mtime_ns for p in chest_metrics} == stamps  # the finished dataset untouched
    with open(work / "results/summary/datasets.csv") as fh:
        table = fh.read()
    assert {line.split(",")[0] for line in table.splitlines()[1:]} == {"chest", "own", "mine"}
    own = (work / "results/own/summary/summary.md").read_text()
    assert "3 classes (covid, normal, viral pneumonia)" in own
    assert not (work / "results/own/official").exists() and (work / "results/mine/official").is_dir()
    summary = (work / "results/summary/summary.md").read_text()
    assert "# Dataset own (folder, 28→32 px)" in summary and "# Dataset mine (npz, 28→32 px)" in summary

    # removed from the config: only the cross-dataset summaries are remade, its results stay
    two = {**three, "datasets": {k: v for k, v in three["datasets"].items() if k != "mine"}}
    (work / "three.yaml").write_text(yaml.safe_dump(two))
    outputs = scheduled_outputs(work, *layers)
    assert outputs and all(p.startswith(("results/summary/", "results/figures/")) for p in outputs), outputs
    snakemake(work, "--cores", "2", "--configfile", *layers)
    assert (work / "results/mine/summary/summary.md").exists()
    assert "mine" not in (work / "results/summary/datasets.csv").read_text()
