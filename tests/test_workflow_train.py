"""The whole demo grid through Snakemake, shrunk to seconds: train, evaluate, summarise, report."""
import csv
import re

import pytest
import yaml

from cxrcontrast.training.checkpoint import load_checkpoint

from conftest import REPO, snakemake, workflow_copy

pytestmark = pytest.mark.workflow

TINY = {
    "data": {"demo": {"train": 600, "val": 150, "test": 150, "seed": 1}},
    "encoders": {"efficientnet_b0": {"train_overrides": {"epochs": 1, "lr": 0.01, "momentum": 0.9}}},
    "pretrain": {s: {"epochs": 2} for s in ("normal", "hard", "augmented", "supcon")},
    "classify": {"baseline": {"epochs": 2}, "finetune": {"epochs": 2}},
    "embeddings": {"points": 150},
}


def rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_demo_grid_trains_end_to_end(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))  # bench_grid, checked against the workflow below
    work = workflow_copy(tmp_path)
    (work / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    layers = ["config/config.yaml", "config/demo.yaml", "tiny.yaml"]
    snakemake(work, "--cores", "2", "--resources", "gpu=1", "--configfile", *layers)
    res = work / "results"
    check_training(res, work)
    check_epochs_as_the_grid_benchmark_resolves_them(res, work, layers)
    check_evaluation(res)
    snakemake(work, "--configfile", *layers, "--report", "results/report.html")
    html = (res / "report.html").read_text(errors="ignore")
    assert len(html) > 100_000 and "figure13.png" in html and "runtime.csv" in html
    check_only_stale_jobs_rerun(work, layers)


def planned_jobs(work, layers, extra=None) -> dict:
    """Rule -> job count of a dry run, with an optional extra config layer."""
    if extra is not None:
        (work / "extra.yaml").write_text(yaml.safe_dump(extra))
        layers = [*layers, "extra.yaml"]
    out = snakemake(work, "-n", "--configfile", *layers).stdout
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:")[1].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def check_only_stale_jobs_rerun(work, layers):
    assert planned_jobs(work, layers) == {}  # an untouched config schedules nothing
    margin = planned_jobs(work, layers, {"pretrain": {"augmented": {"margin": 0.7}}})
    assert margin == {"pretrain": 1, "finetune": 2, "evaluate": 2, "embed": 1, "summary": 1, "runtime_table": 1, "all": 1}
    assert planned_jobs(work, layers, {"evaluate": {"bootstrap": 2000}}) == {"evaluate": 8, "summary": 1, "runtime_table": 1, "all": 1}
    seeds = planned_jobs(work, layers, {"seeds": [0, 1]})
    assert seeds == {"pretrain": 5, "finetune": 8, "evaluate": 8, "embed": 7, "summary": 1, "runtime_table": 1, "all": 1}


def check_training(res, work):
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


def merged(work, layers) -> dict:
    """Config layers merged as Snakemake merges --configfile layers: nested dicts update, the rest replaces."""
    def update(base, over):
        for key, value in over.items():
            base[key] = update(base.get(key, {}), value) if isinstance(value, dict) and isinstance(base.get(key), dict) \
                else value
        return base

    cfg = {}
    for layer in layers:
        update(cfg, yaml.safe_load((work / layer).read_text()))
    return cfg


def check_epochs_as_the_grid_benchmark_resolves_them(res, work, layers):
    """benchmarks/bench_grid.py estimates paper-epoch times with its own copy of the
    workflow's epoch resolution; every trained job's checkpoint must agree with it."""
    from bench_grid import paper_epochs

    cfg = merged(work, layers)
    for path in res.glob("finetune/*/*/*/seed0/model.pt"):
        e, p, t = path.parts[-5:-2]
        ckpt = load_checkpoint(path, kind="classifier")
        w = {"encoder": e, "pretrain": p, "trainset": t}
        assert paper_epochs(cfg, "finetune", w) == ckpt["config"]["classify_cfg"]["epochs"], path
    pretrained = list(res.glob("pretrain/*/*/seed0/encoder.pt"))
    for path in pretrained:
        e, sampler = path.parts[-4:-2]
        ckpt = load_checkpoint(path, kind="pretrained_encoder")
        assert paper_epochs(cfg, "pretrain", {"encoder": e, "sampler": sampler}) == ckpt["config"]["sampler_cfg"]["epochs"]
    assert len(pretrained) == 5


def check_evaluation(res):
    import json

    import numpy as np

    summary_rows = rows(res / "summary/metrics.csv")
    assert len(summary_rows) == 8  # one row per experiment and seed (one seed here; several: test_summary)
    assert len({(r["encoder"], r["pretrain"], r["trainset"]) for r in summary_rows}) == 8
    per_exp = rows(res / "summary/summary.csv")
    assert len(per_exp) == 8 and all(r["n_seeds"] == "1" for r in per_exp)
    comps = rows(res / "summary/comparisons.csv")
    assert {c["baseline"] for c in comps} == {"minivgg/none/train", "efficientnet_b0/none/train"}
    assert len(comps) == 6 * 2  # six pretrained experiments, two metrics each
    md = (res / "summary/summary.md").read_text()
    assert "| minivgg/normal/train | 1 |" in md and "18 / 53" in md
    m = json.loads((res / "metrics/minivgg/normal/train/seed0/metrics.json").read_text())
    for key in ("accuracy", "balanced_accuracy", "top1", "top5", "auc_macro", "auc_per_class", "confusion",
                "paper_protocol", "ci"):
        assert key in m
    assert m["ci"]["accuracy"][0] <= m["accuracy"] <= m["ci"]["accuracy"][1]
    assert np.sum(m["confusion"]) == m["n_test"]
    with np.load(res / "metrics/minivgg/normal/train/seed0/predictions.npz", allow_pickle=False) as p:
        assert p["probs"].shape == (m["n_test"], 15) and np.allclose(p["probs"].sum(1), 1, atol=1e-4)
        made_from = json.loads(str(p["provenance"]))  # the stages write provenance, not only save_npz can
    assert made_from["params"]["model"].endswith("finetune/minivgg/normal/train/seed0/model.pt")
    for fig in ("figures/figure13.png", "figures/embedding_quality.png", "metrics/minivgg/hard/train/seed0/confusion.png",
                "embeddings/minivgg/untrained/seed0/tsne.png", "embeddings/efficientnet_b0/normal/seed0/tsne.png"):
        assert (res / fig).read_bytes()[:4] == b"\x89PNG", fig
    q = json.loads((res / "embeddings/minivgg/normal/seed0/quality.json").read_text())
    assert 0 <= q["val"]["projection"]["precision_at_1"] <= 1
    assert q["provenance"]["version"]
    runtime = rows(res / "summary/runtime.csv")
    assert len(runtime) == 5 + 8 + 8 + 7 + 1 and all(float(r["seconds"]) > 0 for r in runtime)
