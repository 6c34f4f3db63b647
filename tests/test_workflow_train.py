"""The whole demo grid through Snakemake, shrunk to seconds: every experiment trains end to end."""
import csv
import re

import pytest
import yaml

from cxrcontrast.training.checkpoint import load_checkpoint

from conftest import snakemake, workflow_copy

pytestmark = pytest.mark.workflow

TINY = {
    "data": {"demo": {"train": 600, "val": 150, "test": 150, "seed": 1}},
    "encoders": {"efficientnet_b0": {"train_overrides": {"epochs": 1, "lr": 0.01, "momentum": 0.9}}},
    "pretrain": {s: {"epochs": 2} for s in ("normal", "hard", "augmented", "supcon")},
    "classify": {"baseline": {"epochs": 2}, "finetune": {"epochs": 2}},
}


def rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_demo_grid_trains_end_to_end(tmp_path):
    work = workflow_copy(tmp_path)
    (work / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    layers = ["config/config.yaml", "config/demo.yaml", "tiny.yaml"]
    snakemake(work, "--cores", "2", "--resources", "gpu=1", "--configfile", *layers)
    res = work / "results"
    demo = yaml.safe_load((work / "config/demo.yaml").read_text())
    for exp in demo["experiments"]:
        e, p, t = exp["encoder"], exp["pretrain"], exp["trainset"]
        ckpt = load_checkpoint(res / f"finetune/{e}/{p}/{t}/seed0/model.pt", kind="classifier")
        assert ckpt["encoder"] == e and ckpt["n_classes"] == 15 and ckpt["config"]["pretrained"] == (p != "none")
        epochs = exp.get("classify", {}).get("epochs") or (1 if e == "efficientnet_b0" else 2)
        assert len(rows(res / f"finetune/{e}/{p}/{t}/seed0/history.csv")) == epochs
        assert ckpt["config"]["classify_cfg"]["epochs"] == epochs
        assert (res / f"benchmarks/finetune/{e}/{p}/{t}/seed0.tsv").exists()
        log = (res / f"logs/finetune/{e}/{p}/{t}/seed0.log").read_text()
        assert "epoch 1/" in log and "kept epoch" in log
        if p != "none":
            pre = load_checkpoint(res / f"pretrain/{e}/{p}/seed0/encoder.pt", kind="pretrained_encoder")
            assert pre["config"]["sampler"] == p
            history = rows(res / f"pretrain/{e}/{p}/seed0/history.csv")
            assert len(history) == (1 if e == "efficientnet_b0" else 2)
            assert {"loss", "active_triplets", "lr", "images_per_s", "seconds"} <= set(history[0])
    # train_aug used the augmented copies: twice the images of the plain train set
    aug_log = (res / "logs/finetune/minivgg/augmented/train_aug/seed0.log").read_text()
    plain_log = (res / "logs/finetune/minivgg/augmented/train/seed0.log").read_text()
    n_aug = int(re.search(r"on (\d+) images", aug_log).group(1))
    n_plain = int(re.search(r"on (\d+) images", plain_log).group(1))
    assert n_aug == 2 * n_plain
    assert not list(res.rglob("resume.pt"))
