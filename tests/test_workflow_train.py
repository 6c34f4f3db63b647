"""The whole demo grid through Snakemake, shrunk to seconds: train, evaluate, summarise, report; then which
jobs a config edit makes stale."""

import csv
import json
import os
import re
import stat
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import TINY, TINY_LAYERS, config, snakemake

from cxrcontrast.files import load_checkpoint

pytestmark = [pytest.mark.workflow, pytest.mark.slow]

LAYERS = TINY_LAYERS


def rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def finished(finished_grid):
    return finished_grid


def test_training_outputs(finished):
    res = finished / "results/chest"
    cfg = config("config.yaml", "demo.yaml", **TINY)
    for e in cfg.experiments:
        folder = f"{e.path}/seed0"
        ckpt = load_checkpoint(res / f"classify/{folder}/model.pt", kind="classifier")
        assert ckpt["encoder"] == e.encoder and len(ckpt["class_names"]) == 15
        assert (ckpt["pretrain"] is None) == (e.pretrain == "none")
        epochs = cfg.classify_block(e)["epochs"]
        assert len(rows(res / f"classify/{folder}/history.csv")) == epochs == ckpt["params"]["classify"]["epochs"]
        assert (res / f"benchmarks/classify/{folder}.tsv").exists()
        log = (res / f"logs/classify/{folder}.log").read_text()
        assert "epoch 1/" in log and "kept epoch" in log
    for encoder, objective in cfg.pretrainings:
        pre = load_checkpoint(res / f"pretrain/{encoder}/{objective}/seed0/encoder.pt", kind="pretrained_encoder")
        assert pre["objective"] == objective and pre["params"] == cfg.pretrain_params(encoder, objective)
        history = rows(res / f"pretrain/{encoder}/{objective}/seed0/history.csv")
        assert len(history) == cfg.objective(encoder, objective)["epochs"]
        assert {"loss", "val_loss", "active_triplets", "lr", "images_per_s", "seconds"} <= set(history[0])
        assert np.isfinite(float(history[-1]["val_loss"]))
    # train_aug used this seed's augmented copies: twice the images of the plain train set; a budget, a tenth
    n_aug = load_checkpoint(res / "classify/minivgg/augmented/train_aug/labels1/seed0/model.pt")["train_images"]
    n_plain = load_checkpoint(res / "classify/minivgg/none/train/labels1/seed0/model.pt")["train_images"]
    n_tenth = load_checkpoint(res / "classify/minivgg/none/train/labels0.1/seed0/model.pt")["train_images"]
    assert n_aug == 2 * n_plain and (res / "data/augmented/seed0/train.npz").exists()
    assert 0.1 * n_plain <= n_tenth <= 0.1 * n_plain + 15  # ceil per class
    simclr = load_checkpoint(res / "pretrain/minivgg/simclr/seed0/encoder.pt")
    with np.load(res / "data/unpruned/train.npz") as f:
        assert f["labels"].shape[1] == 14 and len(f["labels"]) == 600  # every row, multi-label ones too
    assert simclr["params"]["block"]["images"] == "all"
    assert not list(res.rglob("resume.pt"))


def test_evaluation_outputs(finished):
    res = finished / "results/chest"
    summary_rows = rows(res / "summary/metrics.csv")
    assert len(summary_rows) == 7  # one row per experiment and seed (one seed here; several: test_summary)
    assert {r["labels"] for r in summary_rows} == {"1.0", "0.1"}
    per_exp = rows(res / "summary/summary.csv")
    assert len(per_exp) == 7 and all(r["n_seeds"] == "1" for r in per_exp)
    comps = rows(res / "summary/comparisons.csv")
    assert {(c["baseline"], c["labels"]) for c in comps} == {
        ("minivgg/none/train/labels1", "1.0"),
        ("minivgg/none/train/labels0.1", "0.1"),
    }
    assert len(comps) == 4 * 2  # four pretrained experiments, two metrics each
    md = (res / "summary/summary.md").read_text()
    assert "| VGG normal pretrain | 100% | 1 |" in md and "| VGG normal pretrain, 10% labels | 10% | 1 |" in md
    assert "chance 6.7% top-1" in md and "paper reported" not in md  # demo data: not the paper's task
    assert "## Embeddings: retrieval (val) and probes" in md and "| minivgg | simclr | 1 |" in md
    assert "## The official MedMNIST task (chestmnist, multi-label, binary-class" in md
    # no published value beside our mini-VGG (no source publishes it), and the line saying why
    assert "Published beside ours" not in md
    assert "- minivgg, trained end to end: no published end_to_end row of minivgg on chestmnist" in md
    embedding = rows(res / "summary/embedding_quality.csv")
    assert len(embedding) == 5 and all(0 <= float(r["knn_balanced_accuracy"]) <= 1 for r in embedding)
    official = rows(res / "summary/medmnist_official.csv")
    assert [r["source"] for r in official] == ["ours"] * 6 + ["published"] * 6  # one row per model: none matched
    assert all(r["auc"] == "" and r["note"] for r in official[6:])
    m = json.loads((res / "metrics/minivgg/normal/train/labels1/seed0/metrics.json").read_text())
    for key in (
        "accuracy",
        "balanced_accuracy",
        "top5",
        "auc_macro",
        "auc_per_class",
        "confusion",
        "paper_protocol",
        "ci",
        "labels",
    ):
        assert key in m
    assert "top1" not in m  # accuracy is top-1: one key
    assert m["ci"]["accuracy"][0] <= m["accuracy"] <= m["ci"]["accuracy"][1]
    assert np.sum(m["confusion"]) == m["n_test"]
    with np.load(res / "metrics/minivgg/normal/train/labels1/seed0/predictions.npz", allow_pickle=False) as p:
        assert p["probs"].shape == (m["n_test"], 15) and np.allclose(p["probs"].sum(1), 1, atol=1e-4)
        made_from = json.loads(str(p["provenance"]))  # the stages write provenance, not only save_npz can
    assert made_from["params"]["model"].endswith("classify/minivgg/normal/train/labels1/seed0/model.pt")
    for fig in (
        "figures/figure13.png",
        "figures/embedding_quality.png",
        "figures/label_efficiency.png",
        "metrics/minivgg/normal/train/labels0.1/seed0/confusion.png",
        "embeddings/minivgg/none/seed0/tsne.png",
        "embeddings/efficientnet_b0/none/seed0/tsne.png",
    ):
        assert (res / fig).read_bytes()[:4] == b"\x89PNG", fig
    q = json.loads((res / "embeddings/minivgg/normal/seed0/quality.json").read_text())
    assert 0 <= q["val"]["z"]["precision_at_1"] <= 1 and 0 <= q["val"]["h"]["precision_at_1"] <= 1
    assert q["provenance"]["version"]
    runtime = rows(res.parent / "summary/runtime.csv")  # over all datasets
    assert len(runtime) == 3 + 7 + 7 + 5 + 5 + 6 + 6 + 1 and all(float(r["seconds"]) > 0 for r in runtime)


def planned_jobs(work, layers=LAYERS, extra=None) -> dict:
    """Rule -> job count of a dry run, with an optional extra config layer."""
    if extra is not None:
        (work / "extra.yaml").write_text(yaml.safe_dump(extra))
        layers = [*layers, "extra.yaml"]
    out = snakemake(work, "-n", "--configfile", *layers).stdout
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:")[1].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


REPORT = {"summary": 1, "datasets": 1, "runtime_table": 1, "all": 1}


def test_only_stale_jobs_rerun(finished):
    assert planned_jobs(finished) == {}  # an untouched config schedules nothing
    margin = planned_jobs(finished, extra={"pretrain": {"augmented": {"margin": 0.7}}})
    assert margin == {
        "pretrain": 1,
        "classify": 1,
        "evaluate": 1,
        "embed": 1,
        "probe": 1,
        "official": 1,
        "official_evaluate": 1,
        **REPORT,
    }
    assert planned_jobs(finished, extra={"evaluate": {"bootstrap": 2000}}) == {"evaluate": 7, **REPORT}
    assert planned_jobs(finished, extra={"probes": {"knn_k": 5}}) == {"probe": 5, **REPORT}
    corruptions = planned_jobs(finished, extra={"evaluate": {"corruptions": ["pixelate"]}})
    assert corruptions == {"corrupt": 1, "evaluate": 7, **REPORT}  # the copies once per seed, then every evaluation
    seeds = planned_jobs(finished, extra={"seeds": [0, 1]})
    assert seeds == {
        "pretrain": 3,
        "augment_copies": 1,
        "corrupt": 1,
        "classify": 7,
        "evaluate": 7,
        "embed": 5,
        "probe": 5,
        "official": 6,
        "official_evaluate": 6,
        **REPORT,
    }


def test_a_deleted_result_is_made_again_without_training(finished):
    """Issue 32, item 2: Snakemake makes a missing file again only for a job that needs it, and the summary
    (newer than its inputs) did not: `rm .../metrics.json` was "Nothing to be done" and --report failed.
    Now its evaluation is scheduled with what reads it (the summaries), no training; --report names it."""
    res = finished / "results/chest"
    for name, rule in (
        ("metrics/minivgg/normal/train/labels1/seed0/metrics.json", "evaluate"),
        ("probes/minivgg/simclr/seed0/probes.json", "probe"),
    ):
        path, aside = res / name, finished / "aside"
        path.rename(aside)  # put back below as it was (same bytes and time stamps)
        try:
            assert planned_jobs(finished) == {rule: 1, **REPORT}, name
            report = snakemake(finished, "--configfile", *LAYERS, "--report", "r.html", check=False)
            assert report.returncode != 0 and f"results/chest/{name} and 0 more missing" in report.stderr, name
        finally:
            aside.rename(path)
    assert planned_jobs(finished) == {}


def test_a_new_label_budget_schedules_only_its_classifications(finished):
    experiments = [dict(e) for e in TINY["experiments"]]
    for e in experiments[:2]:  # the baseline and the normal pretraining get a 5% budget
        e["labels"] = [1.0, 0.1, 0.05]
    assert planned_jobs(finished, extra={"experiments": experiments}) == {"classify": 2, "evaluate": 2, **REPORT}


def test_a_new_head_dropout_reruns_no_pretraining(finished):
    """The head is not part of pretraining (nor of the embeddings): only the classifications rerun."""
    planned = planned_jobs(finished, extra={"encoders": {"minivgg": {"head": {"dropout": 0.5}}}})
    assert planned == {"classify": 6, "evaluate": 6, "official": 5, "official_evaluate": 5, **REPORT}


def test_the_same_values_in_another_layering_schedule_nothing(finished):
    """The demo layer alone (the Snakefile loads config.yaml first anyway), then the keys in another order."""
    assert planned_jobs(finished, layers=["config/demo.yaml", "tiny.yaml"]) == {}
    reordered = yaml.safe_load((finished / "config/demo.yaml").read_text())
    reordered = {k: reordered[k] for k in reversed(list(reordered))}
    reordered["classify"] = {"finetune": {"epochs": 10}, "baseline": {"lr": 0.01, "epochs": 10}}
    (finished / "reordered.yaml").write_text(yaml.safe_dump(reordered, sort_keys=False))
    assert planned_jobs(finished, layers=["config/config.yaml", "reordered.yaml", "tiny.yaml"]) == {}
    # 0 for 0.0 is the same number, and a default written out is the same value
    assert planned_jobs(finished, extra={"classify": {"finetune": {"weight_decay": 0, "momentum": 0.9}}}) == {}


def test_device_and_performance_rerun_nothing(finished):
    """How a job runs is not what it computes (config/README.md)."""
    assert planned_jobs(finished, extra={"device": "cpu", "performance": {"bf16_autocast": True}}) == {}


ENCODER = "results/chest/pretrain/minivgg/normal/seed0/encoder.pt"
CLASSIFIER = "results/chest/classify/minivgg/normal/train/labels1/seed0/model.pt"
JOB_LOGS = ("pretrain/minivgg/normal/seed0", "classify/minivgg/normal/train/labels1/seed0")


def fail_then_rerun(work) -> dict[str, str]:
    """With the encoder corrupt, the classifier that reads it fails (Snakemake has removed it by then);
    once the encoder is deleted, as the message says, the classifier is asked for again. The two jobs' logs."""
    proc = snakemake(work, CLASSIFIER, "--cores", "2", "--resources", "gpu=1", "--configfile", *LAYERS, check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "not a cxrcontrast checkpoint (corrupt or truncated); delete it and rerun" in text
    assert "Traceback" not in (work / f"results/chest/logs/{JOB_LOGS[1]}.log").read_text()
    assert not (work / CLASSIFIER).exists()  # Snakemake removed the finished classifier
    (work / ENCODER).unlink()
    snakemake(work, CLASSIFIER, "--cores", "2", "--resources", "gpu=1", "--configfile", *LAYERS)
    logs = {log: (work / f"results/chest/logs/{log}.log").read_text() for log in JOB_LOGS}
    snakemake(work, "--cores", "2", "--resources", "gpu=1", "--configfile", *LAYERS)  # the grid as it was
    assert planned_jobs(work) == {}
    return logs


def the_store_entry(work, output: str) -> Path:
    (entry,) = (work / output).parent.glob(".finished/*.pt")
    assert (work / output).samefile(entry) and entry.stat().st_nlink == 2  # one file, two names
    assert stat.S_IMODE(entry.stat().st_mode) == 0o444
    return entry


def test_a_model_replaced_by_a_corrupt_file_is_restored_without_training(finished):
    """A new file at the encoder's name (here a truncated copy moved over it) leaves the store's entry, the
    other name of the old file, as it was: the rerun restores the pretraining and the classification from
    their finished results, no training epoch repeated."""
    enc = finished / ENCODER
    entry, original = the_store_entry(finished, ENCODER), enc.read_bytes()
    (finished / "truncated").write_bytes(original[: len(original) // 2])
    os.replace(finished / "truncated", enc)
    assert entry.read_bytes() == original
    for log, text in fail_then_rerun(finished).items():
        assert "restoring its result" in text and "epoch 1/" not in text, log
    assert enc.read_bytes() == original and the_store_entry(finished, ENCODER) == entry


def test_a_model_written_into_in_place_is_trained_again_to_the_same_bytes(finished):
    """Garbage written into the encoder in place (root ignores its read-only mode) goes through the link into
    the store's entry: the entry's SHA-256 is no longer its record's, so the pretraining is not restored but
    trained again, and says so; training is deterministic per seed, so the encoder comes back byte for byte
    and the classification that reads it is restored."""
    enc = finished / ENCODER
    entry, original = the_store_entry(finished, ENCODER), enc.read_bytes()
    enc.chmod(0o644)  # a writer that overrides the mode, as root does
    enc.write_bytes(b"garbage" * 100)
    assert entry.read_bytes() == b"garbage" * 100  # through the link
    pretrain, classify = fail_then_rerun(finished).values()
    said = f"ignoring {entry.relative_to(finished)}: it changed since it was kept (its SHA-256 differs); training again"
    assert said in pretrain  # the job names its outputs as Snakemake does: from the workflow's folder
    assert "restoring its result" not in pretrain and "epoch 1/" in pretrain
    assert "restoring its result" in classify and "epoch 1/" not in classify
    assert enc.read_bytes() == original
    assert the_store_entry(finished, ENCODER).read_bytes() == original
