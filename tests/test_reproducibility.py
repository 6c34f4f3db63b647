"""Same experiment and seed on CPU: identical results; another seed: different ones."""

import json

import numpy as np
import pytest
from conftest import pruned_demo
from training_helpers import classify, classify_params, pretrain, pretrain_params

from cxrcontrast.runtime import set_threads
from cxrcontrast.stages.corrupt import run_corrupt
from cxrcontrast.stages.evaluate import run_evaluate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return pruned_demo(tmp_path_factory.mktemp("data"), 600, 150, 150, 5)


def experiment(data, out, seed):
    set_threads(2)
    encoder = pretrain(data, out / "pre", pretrain_params("augmented", epochs=2, lr=0.05), seed=seed)
    classify(data, out, pretrained=encoder, params=classify_params("augmented", lr=0.01), seed=seed)
    outputs = {
        k: str(out / f"{k}.{ext}")
        for k, ext in (
            ("metrics", "json"),
            ("predictions", "npz"),
            ("confusion", "png"),
            ("auc", "png"),
            ("curves", "png"),
            ("reliability", "png"),
        )
    }
    corrupted = out / "corrupted.npz"
    run_corrupt(
        str(data / "test.npz"),
        str(corrupted),
        {"corruptions": ["pixelate", "gaussian_noise"], "severities": [1, 5]},
        seed,
    )
    run_evaluate(
        model=str(out / "model.pt"),
        test=str(data / "test.npz"),
        val=str(data / "val.npz"),
        corrupted=str(corrupted),
        classes=str(data / "classes.json"),
        history=str(out / "history.csv"),
        outputs=outputs,
        experiment={"encoder": "minivgg", "pretrain": "augmented", "trainset": "train", "labels": 1.0, "seed": seed},
        params={"bootstrap": 1000, "seed": 0, "paper_protocol_seed": 0},
        pretrain_history=str(out / "pre/history.csv"),
        device="cpu",
    )
    return json.loads((out / "metrics.json").read_text())


def test_same_seed_identical_metrics_other_seed_differs(data, tmp_path):
    a = experiment(data, tmp_path / "a", seed=4)
    b = experiment(data, tmp_path / "b", seed=4)
    assert a == b
    with np.load(tmp_path / "a/predictions.npz") as pa, np.load(tmp_path / "b/predictions.npz") as pb:
        assert np.array_equal(pa["probs"], pb["probs"])
    c = experiment(data, tmp_path / "c", seed=5)
    assert c["accuracy"] != a["accuracy"] or c["auc_macro"] != a["auc_macro"]
    assert a["version"] and a["config"]["classify"]["classify"]["lr"] == 0.01  # carries its config slices
    assert a["config"]["pretrain"]["block"]["lr"] == 0.05
