"""The data stage through Snakemake: dry runs of both configs, real runs offline."""

import json

import numpy as np
import pytest
import yaml
from conftest import snakemake, workflow_copy

pytestmark = pytest.mark.workflow


@pytest.mark.parametrize("configfile", ["config/config.yaml", pytest.param("config/demo.yaml", marks=pytest.mark.slow)])
def test_dry_run(tmp_path, configfile):
    work = workflow_copy(tmp_path)
    layers = ["config/config.yaml"] + ([configfile] if configfile != "config/config.yaml" else [])
    out = snakemake(work, "-n", "--cores", "8", "--resources", "gpu=1", "--configfile", *layers).stdout
    for rule in ("prune", "augment_copies", "pretrain", "classify", "evaluate", "embed", "summary"):
        assert f"rule {rule}:" in out, rule
    assert ("rule download:" in out) == (configfile == "config/config.yaml")


@pytest.mark.slow
def test_data_rules_run_on_demo(tmp_path):
    work = workflow_copy(tmp_path)
    cfg = {"datasets": {"chest": {"source": "demo", "train": 400, "val": 100, "test": 100, "seed": 3}}}
    (work / "small.yaml").write_text(yaml.safe_dump(cfg))
    layers = ["--configfile", "config/config.yaml", "small.yaml"]
    snakemake(work, "data", "results/chest/data/augmented/seed1/train.npz", "--cores", "2", *layers)
    res = work / "results/chest"
    with np.load(res / "data/raw/demo.npz") as raw:
        raw_train = raw["train_labels"]
    with np.load(res / "data/pruned/train.npz") as f:
        images, labels, index = f["images"], f["labels"], f["index"]
    np.testing.assert_array_equal(index, np.flatnonzero(raw_train.sum(1) <= 1))
    assert images.shape == (len(index), 28, 28) and labels.max() <= 14
    with np.load(res / "data/augmented/seed1/train.npz") as f:
        assert f["images"].shape == (len(index), 32, 32) and f["images"].dtype == np.uint8
        np.testing.assert_array_equal(f["labels"], labels)
        assert json.loads(str(f["provenance"]))["params"]["seed"] == 1  # the experiment's seed augments its copy
    classes = json.loads((res / "data/pruned/classes.json").read_text())
    assert classes["class_names"][0] == "Normal" and sum(classes["counts"]["train"].values()) == len(index)
    png = (res / "figures/augmentation_examples.png").read_bytes()
    assert png[:4] == b"\x89PNG" and len(png) > 20000
    assert (res / "logs/data/prune.log").read_text().count("kept") == 3
    # a second run finds nothing to do
    assert "Nothing to be done" in snakemake(work, "data", "-n", *layers).stdout


@pytest.mark.slow
def test_npz_source_on_the_genuine_chestmnist_fixture(tmp_path, genuine_chestmnist):
    """data.medmnist_format npz with a 64px file built from the genuine ChestMNIST rows."""
    with np.load(genuine_chestmnist) as f:
        images, labels = f["train_images"], f["train_labels"]
    local = tmp_path / "chest64.npz"
    np.savez(
        local, **{f"{s}_{k}": v for s in ("train", "val", "test") for k, v in (("images", images), ("labels", labels))}
    )
    work = workflow_copy(tmp_path)
    cfg = {"datasets": {"chest": {"source": "npz", "npz": str(local), "size": 64}}}
    (work / "real.yaml").write_text(yaml.safe_dump(cfg))
    snakemake(
        work, "results/chest/data/pruned/test.npz", "--cores", "1", "--configfile", "config/config.yaml", "real.yaml"
    )
    with np.load(work / "results/chest/data/pruned/test.npz") as f:
        assert f["labels"].tolist() == [0, 0, 0, 0, 0, 8, 0]
        assert f["index"].tolist() == [0, 1, 2, 3, 4, 7, 9]
        assert f["images"].shape == (7, 64, 64)
