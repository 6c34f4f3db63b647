"""Results that are there but stale: made by other settings (a report must not describe them as this
config's), or from a raw file since replaced under the same path with an older time stamp."""

import json

from conftest import config

from cxrcontrast.config.recorded import dotted_differences, expected_record, results_of_other_settings
from cxrcontrast.vocabulary.experiments import fraction_text

PATTERN = "{root}/{encoder}/{pretrain}/{trainset}/labels{labels}/seed{seed}/metrics.json"
ONE_EPOCH = {"pretrain": {"normal": {"epochs": 1}}, "classify": {"finetune": {"epochs": 1}}}


def write_metrics(root, cfg):
    """metrics.json of every experiment and seed as the evaluate stage records them under ``cfg``."""
    for e in cfg.experiments:
        record = expected_record(cfg, e)
        for s in cfg.seeds:
            path = root / PATTERN.format(
                root=".",
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
    made = config(**ONE_EPOCH)
    write_metrics(tmp_path, made)
    pattern = str(tmp_path / PATTERN.replace("{root}/", ""))
    assert results_of_other_settings(made, pattern) is None
    line = results_of_other_settings(config(), pattern)
    assert line is not None and "\n" not in line
    assert "minivgg/normal/train/labels1 seed 0" in line, line
    assert "pretrain.block.epochs (1 recorded, 3 in this config)" in line, line
    assert "classify.classify.epochs" in line and "other results differ too" in line, line
    # a bootstrap of other resamples is another config too (the report quotes its intervals)
    line = results_of_other_settings(config(**ONE_EPOCH, evaluate={"bootstrap": 2000}), pattern)
    assert "evaluate.bootstrap" in line and "pretrain.block" not in line, line
