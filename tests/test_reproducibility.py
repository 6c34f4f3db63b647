"""Same experiment and seed on CPU: identical results; another seed: different ones."""
import json

import numpy as np
import pytest

from cxrcontrast.runtime import set_threads
from cxrcontrast.stages.evaluate import run_evaluate
from cxrcontrast.stages.train import run_classify, run_pretrain

from conftest import pruned_demo

ENC = {"xavier": True, "head": {"hidden": [64], "dropout": 0.3}}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return pruned_demo(tmp_path_factory.mktemp("data"), 600, 150, 150, 5)


def experiment(data, out, seed):
    set_threads(2)
    out.mkdir(parents=True)
    run_pretrain(str(data / "train.npz"), str(out / "encoder.pt"), str(out / "pre.csv"), "minivgg", ENC, "augmented",
                 {"epochs": 2, "batch_size": 32, "lr": 0.05, "momentum": 0.9, "margin": 0.5}, 32, {}, seed, "cpu")
    run_classify([str(data / "train.npz")], str(data / "val.npz"), str(data / "classes.json"), str(out / "model.pt"),
                 str(out / "history.csv"), "minivgg", ENC, {"epochs": 3, "batch_size": 32, "lr": 0.01}, 32, seed,
                 pretrained=str(out / "encoder.pt"), device="cpu")
    outputs = {k: str(out / f"{k}.{ext}") for k, ext in (("metrics", "json"), ("predictions", "npz"), ("confusion", "png"),
                                                          ("auc", "png"), ("curves", "png"))}
    run_evaluate(str(out / "model.pt"), str(data / "test.npz"), str(data / "classes.json"), str(out / "history.csv"),
                 outputs, {"encoder": "minivgg", "pretrain": "augmented", "trainset": "train", "seed": seed},
                 resamples=1000, seed=0, protocol_seed=0, pretrain_history=str(out / "pre.csv"), device="cpu")
    metrics = json.loads((out / "metrics.json").read_text())
    metrics["config"].pop("train")  # the input paths differ between the two output folders
    metrics["config"]["pretrain_config"] = None
    return metrics


def test_same_seed_identical_metrics_other_seed_differs(data, tmp_path):
    a = experiment(data, tmp_path / "a", seed=4)
    b = experiment(data, tmp_path / "b", seed=4)
    assert a == b
    with np.load(tmp_path / "a/predictions.npz") as pa, np.load(tmp_path / "b/predictions.npz") as pb:
        assert np.array_equal(pa["probs"], pb["probs"])
    c = experiment(data, tmp_path / "c", seed=5)
    assert c["accuracy"] != a["accuracy"] or c["auc_macro"] != a["auc_macro"]
    assert a["version"] and a["config"]["classify_cfg"]["lr"] == 0.01  # carries the resolved config and version
