import csv

import pytest
import torch

from cxrcontrast.errors import InputError
from cxrcontrast.stages.train import run_classify, run_pretrain
from cxrcontrast.training import loop
from cxrcontrast.training.checkpoint import load_checkpoint

from conftest import pruned_demo

ENC = {"xavier": True, "head": {"hidden": [64], "dropout": 0.3}}
TRIPLET = {"epochs": 3, "batch_size": 32, "lr": 0.01, "momentum": 0.9, "weight_decay": 0.0, "margin": 0.3}
CLASSIFY = {"epochs": 3, "batch_size": 32, "lr": 0.05, "momentum": 0.9, "weight_decay": 0.0}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return pruned_demo(tmp_path_factory.mktemp("data"), 1200, 300, 60, 2)


def pretrain(data, out, sampler="normal", cfg=TRIPLET, seed=0):
    out.mkdir(parents=True, exist_ok=True)
    run_pretrain(str(data / "train.npz"), str(out / "encoder.pt"), str(out / "history.csv"), "minivgg", ENC, sampler,
                 cfg, 32, {}, seed, device="cpu")
    return out / "encoder.pt"


def classify(data, out, pretrained=None, cfg=CLASSIFY, seed=0):
    out.mkdir(parents=True, exist_ok=True)
    run_classify([str(data / "train.npz")], str(data / "val.npz"), str(data / "classes.json"), str(out / "model.pt"),
                 str(out / "history.csv"), "minivgg", ENC, cfg, 32, seed, pretrained=pretrained and str(pretrained),
                 device="cpu")
    return load_checkpoint(out / "model.pt", kind="classifier")


def test_finetuning_leaves_frozen_encoder_bitwise_unchanged(data, tmp_path):
    enc_path = pretrain(data, tmp_path / "pre")
    before = load_checkpoint(enc_path)["encoder_state"]
    model = classify(data, tmp_path / "ft", pretrained=enc_path)
    after = {k[len("encoder."):]: v for k, v in model["state_dict"].items() if k.startswith("encoder.")}
    assert after.keys() == before.keys()
    for key in before:  # weights and BatchNorm running statistics alike
        assert torch.equal(before[key], after[key]), key
    assert any("running_mean" in k for k in before)


def test_bn_drift_when_not_frozen(data, tmp_path):
    enc_path = pretrain(data, tmp_path / "pre", cfg={**TRIPLET, "epochs": 1})
    before = load_checkpoint(enc_path)["encoder_state"]
    model = classify(data, tmp_path / "ft", pretrained=enc_path, cfg={**CLASSIFY, "freeze_batchnorm": False})
    after = model["state_dict"]
    assert torch.equal(before["features.0.weight"], after["encoder.features.0.weight"])  # weights frozen
    assert not torch.equal(before["features.1.running_mean"], after["encoder.features.1.running_mean"])  # BN drifted


class Killed(Exception):
    pass


class Evil:
    """Any class: saving it in a checkpoint needs pickle, which loading must refuse."""


def kill_after(monkeypatch, n_steps):
    real = loop.Progress.step
    count = {"n": 0}

    def step(self, *a, **k):
        count["n"] += 1
        if count["n"] > n_steps:
            raise Killed
        return real(self, *a, **k)

    monkeypatch.setattr(loop.Progress, "step", step)


def strip_timing(path):
    with open(path) as fh:
        return [{k: v for k, v in row.items() if k not in ("seconds", "images_per_s")} for row in csv.DictReader(fh)]


@pytest.mark.parametrize("kill_at", [5, 40])
def test_pretrain_resume_equals_uninterrupted(data, tmp_path, monkeypatch, kill_at):
    full = load_checkpoint(pretrain(data, tmp_path / "full", sampler="hard", cfg={**TRIPLET, "images_per_class": 4}))
    kill_after(monkeypatch, kill_at)
    with pytest.raises(Killed):
        pretrain(data, tmp_path / "cut", sampler="hard", cfg={**TRIPLET, "images_per_class": 4})
    assert (tmp_path / "cut/resume.pt").exists() == (kill_at > 34) and not (tmp_path / "cut/encoder.pt").exists()
    monkeypatch.undo()
    resumed = load_checkpoint(pretrain(data, tmp_path / "cut", sampler="hard", cfg={**TRIPLET, "images_per_class": 4}))
    for key, value in full["encoder_state"].items():
        assert torch.equal(value, resumed["encoder_state"][key]), key
    assert strip_timing(tmp_path / "full/history.csv") == strip_timing(tmp_path / "cut/history.csv")
    assert not (tmp_path / "cut/resume.pt").exists()


def test_classify_resume_equals_uninterrupted(data, tmp_path, monkeypatch):
    full = classify(data, tmp_path / "full")
    kill_after(monkeypatch, 45)  # inside epoch 2 (about 34 batches an epoch)
    with pytest.raises(Killed):
        classify(data, tmp_path / "cut")
    monkeypatch.undo()
    resumed = classify(data, tmp_path / "cut")
    for key, value in full["state_dict"].items():
        assert torch.equal(value, resumed["state_dict"][key]), key
    assert full["epoch"] == resumed["epoch"]


def test_resume_file_of_another_config_is_not_continued(data, tmp_path, monkeypatch):
    kill_after(monkeypatch, 20)
    with pytest.raises(Killed):
        classify(data, tmp_path / "run")
    monkeypatch.undo()
    other = classify(data, tmp_path / "run", cfg={**CLASSIFY, "lr": 0.01})
    reference = classify(data, tmp_path / "clean", cfg={**CLASSIFY, "lr": 0.01})
    for key, value in reference["state_dict"].items():
        assert torch.equal(value, other["state_dict"][key]), key


def test_non_finite_loss_stops_without_a_model(data, tmp_path):
    with pytest.raises(FloatingPointError, match=r"epoch 1, batch \d+"):
        classify(data, tmp_path / "nan", cfg={**CLASSIFY, "lr": 1e30})
    assert not (tmp_path / "nan/model.pt").exists()


def test_baseline_learns(data, tmp_path):
    model = classify(data, tmp_path / "base", cfg={**CLASSIFY, "epochs": 6, "lr": 0.01})
    chance = 1 / 15
    assert model["val"]["val_balanced_accuracy"] > 2.5 * chance


def test_checkpoint_checks(data, tmp_path):
    enc_path = pretrain(data, tmp_path / "pre", cfg={**TRIPLET, "epochs": 1})
    ckpt = load_checkpoint(enc_path)
    assert ckpt["kind"] == "pretrained_encoder" and ckpt["encoder"] == "minivgg" and ckpt["config"]["seed"] == 0
    with pytest.raises(InputError, match="expected 'classifier'"):
        load_checkpoint(enc_path, kind="classifier")
    ckpt["encoder"] = "efficientnet_b0"
    torch.save(ckpt, tmp_path / "other.pt")
    with pytest.raises(InputError, match="encoder 'efficientnet_b0'; expected 'minivgg'"):
        classify(data, tmp_path / "ft", pretrained=tmp_path / "other.pt")

    torch.save({"kind": "pretrained_encoder", "payload": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(InputError, match="never pickled objects"):
        load_checkpoint(tmp_path / "evil.pt")


def test_classifier_of_other_class_count_refused(data, tmp_path):
    import json

    from cxrcontrast.stages.evaluate import run_evaluate

    classify(data, tmp_path / "m", cfg={**CLASSIFY, "epochs": 1})
    six = tmp_path / "six.json"
    six.write_text(json.dumps({"class_names": [f"c{i}" for i in range(6)]}))
    with pytest.raises(InputError, match="a classifier of 15 classes; .*six.json lists 6"):
        run_evaluate(str(tmp_path / "m/model.pt"), str(data / "test.npz"), str(six), str(tmp_path / "m/history.csv"),
                     {}, {}, resamples=1000, seed=0, protocol_seed=0, device="cpu")


def test_gpu_switches_change_nothing_on_the_cpu(data, tmp_path):
    """`performance` reaches the job, and a CPU job's result does not depend on it (tests/test_accel.py: why)."""
    on = {"bf16_autocast": True, "channels_last": True, "compile": True}
    plain = classify(data, tmp_path / "plain", cfg={**CLASSIFY, "epochs": 1})
    out = tmp_path / "fast"
    out.mkdir()
    run_classify([str(data / "train.npz")], str(data / "val.npz"), str(data / "classes.json"), str(out / "model.pt"),
                 str(out / "history.csv"), "minivgg", ENC, {**CLASSIFY, "epochs": 1}, 32, 0, device="cpu",
                 performance=on)
    fast = load_checkpoint(out / "model.pt")
    for key, value in plain["state_dict"].items():
        assert torch.equal(value, fast["state_dict"][key]), key


def test_finetuning_a_pretrained_efficientnet_downloads_nothing(data, tmp_path):
    """With `weights: imagenet` (the paper's config) the fine-tuning job's encoder weights come from the
    pretraining checkpoint; building it must not reach for the ImageNet download (offline here)."""
    from cxrcontrast.models import ProjectionHead, build_encoder
    from cxrcontrast.training.checkpoint import save_checkpoint

    torch.manual_seed(0)
    enc = build_encoder("efficientnet_b0", 32, weights="none")
    cfg = {"weights": "imagenet", "frozen_tensors": 80, "xavier": True, "head": {"hidden": [32], "dropout": 0.3}}
    save_checkpoint(tmp_path / "encoder.pt", kind="pretrained_encoder", encoder="efficientnet_b0", encoder_cfg=cfg,
                    image_size=32, encoder_state=enc.state_dict(),
                    projection_state=ProjectionHead(enc.out_features).state_dict(), epoch=1, config={}, history=[])
    out = tmp_path / "ft"
    out.mkdir()
    run_classify([str(data / "train.npz")], str(data / "val.npz"), str(data / "classes.json"), str(out / "model.pt"),
                 str(out / "history.csv"), "efficientnet_b0", cfg, {**CLASSIFY, "epochs": 1}, 32, 0,
                 pretrained=str(tmp_path / "encoder.pt"), device="cpu")
    tuned = load_checkpoint(out / "model.pt", kind="classifier")["state_dict"]
    for key, value in enc.state_dict().items():
        assert torch.equal(tuned[f"encoder.{key}"], value), key
