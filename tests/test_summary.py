"""The summary step on hand-made results: several seeds, comparisons, differing config keys."""
import csv

import numpy as np
import pytest

from cxrcontrast.bootstrap import HEADLINE
from cxrcontrast.io import save_json, save_npz
from cxrcontrast.metrics import classification_metrics
from cxrcontrast.stages.evaluate import paper_protocol
from cxrcontrast.stages.summary import run_summary
from cxrcontrast.summary import differing_keys, mean_interval

NAMES = [f"c{i}" for i in range(6)]


def fake_result(tmp, encoder, pretrain, trainset, seed, skill, lr):
    rng = np.random.default_rng(seed)
    labels = np.arange(600) % 6
    logits = rng.normal(size=(600, 6))
    logits[np.arange(600), labels] += skill
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    m = classification_metrics(probs, labels)
    folder = tmp / f"{encoder}/{pretrain}/{trainset}/seed{seed}"
    config = {"classify_cfg": {"epochs": 5, "lr": lr}, "encoder_cfg": {"xavier": True},
              "pretrain_config": None if pretrain == "none" else {"sampler_cfg": {"margin": 0.3}, "augment": {}}}
    result = {"encoder": encoder, "pretrain": pretrain, "trainset": trainset, "seed": seed, **{k: m[k] for k in HEADLINE},
              "ci": {k: [m[k] - 0.01, m[k] + 0.01] for k in HEADLINE},
              "paper_protocol": paper_protocol(probs, labels, 0), "config": config}
    save_json(folder / "metrics.json", result)
    save_npz(folder / "predictions.npz", probs=probs, labels=labels, index=np.arange(600))
    return str(folder / "metrics.json"), str(folder / "predictions.npz")


def test_summary_tables(tmp_path):
    runs = [("minivgg", "none", "train", 0.5, 0.1), ("minivgg", "normal", "train", 1.5, 0.01),
            ("minivgg", "augmented", "train_aug", 1.0, 0.02)]
    metrics, preds = [], []
    for enc, pre, ts, skill, lr in runs:
        for seed in (0, 1, 2):
            a, b = fake_result(tmp_path, enc, pre, ts, seed, skill, lr)
            metrics.append(a)
            preds.append(b)
    q = {"encoder": "minivgg", "state": "normal", "val": {"projection": {"precision_at_1": 0.5, "map_at_r": 0.2, "silhouette": 0.1}}}
    save_json(tmp_path / "q.json", q)
    out = {k: str(tmp_path / f"out/{k}.{ext}") for k, ext in (("metrics", "csv"), ("summary", "csv"), ("comparisons", "csv"),
                                                               ("markdown", "md"), ("figure13", "png"), ("embedding_quality", "png"))}
    run_summary(metrics, preds, [str(tmp_path / "q.json")], out, resamples=1000, seed=0)
    with open(out["metrics"]) as fh:
        seed_rows = list(csv.DictReader(fh))
    assert len(seed_rows) == 9
    with open(out["summary"]) as fh:
        exp_rows = {r["pretrain"]: r for r in csv.DictReader(fh)}
    assert len(exp_rows) == 3 and exp_rows["none"]["n_seeds"] == "3"
    accs = [float(r["accuracy"]) for r in seed_rows if r["pretrain"] == "none"]
    assert float(exp_rows["none"]["accuracy_mean"]) == pytest.approx(np.mean(accs))
    assert float(exp_rows["none"]["accuracy_sd"]) == pytest.approx(np.std(accs, ddof=1))
    with open(out["comparisons"]) as fh:
        comps = list(csv.DictReader(fh))
    normal = next(c for c in comps if c["pretrain"] == "normal" and c["metric"] == "balanced_accuracy")
    assert normal["baseline"] == "minivgg/none/train" and float(normal["difference"]) > 0.2 and float(normal["p_value"]) < 0.01
    aug = next(c for c in comps if c["pretrain"] == "augmented")
    assert aug["baseline"] == "minivgg/none/train"  # no train_aug baseline: falls back to the plain set
    md = open(out["markdown"]).read()
    assert "classify.lr=0.01" in md and "19 / 56" in md and "| minivgg | normal | 0.500 |" in md
    assert open(out["figure13"], "rb").read(4) == b"\x89PNG"
    assert open(out["embedding_quality"], "rb").read(4) == b"\x89PNG"


def test_mean_interval():
    r = mean_interval([0.2, 0.4, 0.6])
    assert r["mean"] == pytest.approx(0.4) and r["sd"] == pytest.approx(0.2)
    assert r["ci_low"] == pytest.approx(0.4 - 4.303 * 0.2 / np.sqrt(3))
    assert mean_interval([0.3])["ci_low"] is None and mean_interval([None])["mean"] is None


def test_differing_keys():
    configs = {("a",): {"classify_cfg": {"lr": 0.1, "epochs": 5}, "encoder_cfg": {"x": 1}},
               ("b",): {"classify_cfg": {"lr": 0.01, "epochs": 5}, "encoder_cfg": {"x": 1},
                        "pretrain_config": {"sampler_cfg": {"margin": 0.3}, "augment": {}}},
               ("c",): {"classify_cfg": {"lr": 0.01, "epochs": 5}, "encoder_cfg": {"x": 1},
                        "pretrain_config": {"sampler_cfg": {"margin": 0.5}, "augment": {}}}}
    diff = differing_keys(configs)
    assert diff[("a",)] == {"classify.lr": 0.1}
    assert diff[("c",)] == {"classify.lr": 0.01, "pretrain.margin": 0.5}
