"""Results that are there but stale: made by other settings (a report must not describe them as this
config's), or from a raw file since replaced under the same path with an older time stamp."""

import json
import os

import numpy as np
import pytest
import yaml
from conftest import run_config, snakemake, workflow_copy, write_medmnist

from cxrcontrast.config.recorded import dotted_differences, expected_record, results_of_other_settings
from cxrcontrast.digests import content_digest
from cxrcontrast.vocabulary.experiments import fraction_text

PATTERN = "{root}/{dataset}/{encoder}/{pretrain}/{trainset}/labels{labels}/seed{seed}/metrics.json"
ONE_EPOCH = {"pretrain": {"normal": {"epochs": 1}}, "classify": {"finetune": {"epochs": 1}}}


def write_metrics(root, cfg):
    """metrics.json of every experiment and seed as the evaluate stage records them under ``cfg``."""
    for dataset, e in cfg.experiments:
        record = expected_record(cfg.on(dataset), e)
        for s in cfg.seeds:
            path = root / PATTERN.format(
                root=".",
                dataset=dataset,
                encoder=e.encoder,
                pretrain=e.pretrain,
                trainset=e.trainset,
                labels=fraction_text(e.labels),
                seed=s,
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            boot = {"resamples": record["evaluate"]["bootstrap"], "seed": record["evaluate"]["seed"], "level": 0.95}
            metrics = {
                "encoder": e.encoder,
                "config": {k: record[k] for k in ("classify", "pretrain")},
                "bootstrap": boot,
            }
            path.write_text(json.dumps(metrics))


def test_differing_keys_are_dotted_paths():
    recorded = {"a": {"b": 1, "c": [1, 2]}, "d": None, "e": 1}
    expected = {"a": {"b": 2, "c": [1, 2], "f": 0}, "d": {"x": 1}, "e": 1.0}
    assert dotted_differences(recorded, expected) == ["a.b", "a.f", "d"]
    assert dotted_differences(expected, expected) == []


def test_results_of_other_settings_name_experiment_and_keys(tmp_path):
    """Item 4 of issue 22: results made with one epoch, described by the demo's config (three)."""
    made = run_config(**ONE_EPOCH)
    write_metrics(tmp_path, made)
    pattern = str(tmp_path / PATTERN.replace("{root}/", ""))
    assert results_of_other_settings(made, pattern) is None
    line = results_of_other_settings(run_config(), pattern)
    assert line is not None and "\n" not in line
    assert "chest/minivgg/normal/train/labels1 seed 0" in line, line
    assert "pretrain.block.epochs (1 recorded, 3 in this config)" in line, line
    assert "classify.classify.epochs" in line and "other results differ too" in line, line
    # a bootstrap of other resamples is another config too (the report quotes its intervals)
    line = results_of_other_settings(run_config(**ONE_EPOCH, evaluate={"bootstrap": 2000}), pattern)
    assert "evaluate.bootstrap" in line and "pretrain.block" not in line, line


# ---- 5. raw data replaced under the same path with an older time stamp ------------------------------
def test_a_digest_is_cached_by_the_files_identity(tmp_path, monkeypatch):
    import cxrcontrast.digests as digests

    calls = []
    real = digests.file_digest
    monkeypatch.setattr(digests, "file_digest", lambda p: calls.append(p) or real(p))
    raw, cache = tmp_path / "raw.npz", tmp_path / "cache/digests.json"
    assert content_digest(raw, cache) is None  # not there yet: a rule makes it
    write_medmnist(raw, seed=0)
    first = content_digest(raw, cache)
    assert content_digest(raw, cache) == first and len(calls) == 1  # the second read from the cache
    stat = raw.stat()
    write_medmnist(raw, seed=1)  # same size, other bytes, the old time stamps put back (cp -p)
    os.utime(raw, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = content_digest(raw, cache)
    assert second != first and len(calls) == 2
    cache.write_text("{not json")  # a damaged cache is rebuilt, never trusted
    assert content_digest(raw, cache) == second and len(calls) == 3


@pytest.mark.workflow
def test_raw_data_replaced_with_an_older_time_stamp_reruns_the_data_stage(tmp_path):
    """Item 5 of issue 22: `cp -p other.npz data.npz` after a run must not be "Nothing to be done"."""
    raw = tmp_path / "data.npz"
    write_medmnist(raw, seed=0)
    work = workflow_copy(tmp_path)
    (work / "local.yaml").write_text(yaml.safe_dump({"datasets": {"chest": {"source": "npz", "npz": str(raw)}}}))
    layers = ["--configfile", "config/config.yaml", "local.yaml"]
    targets = ["results/chest/data/pruned/train.npz", "results/chest/data/unpruned/train.npz"]
    snakemake(work, *targets, "--cores", "1", *layers)
    assert "Nothing to be done" in snakemake(work, *targets, "-n", *layers).stdout  # untouched: nothing
    old = raw.stat()
    write_medmnist(tmp_path / "other.npz", seed=1)
    os.replace(tmp_path / "other.npz", raw)
    os.utime(raw, ns=(old.st_atime_ns, old.st_mtime_ns - 3_600_000_000_000))  # an hour older than before
    out = snakemake(work, *targets, "-n", *layers).stdout
    assert "rule prune:" in out and "rule unpruned:" in out, out[-3000:]
    snakemake(work, *targets, "--cores", "1", *layers)
    assert "Nothing to be done" in snakemake(work, *targets, "-n", *layers).stdout
    with np.load(raw) as new, np.load(work / "results/chest/data/pruned/train.npz") as pruned:
        np.testing.assert_array_equal(pruned["index"], np.flatnonzero(new["train_labels"].sum(1) <= 1))
