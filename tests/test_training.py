import csv

import pytest
import torch
from conftest import pruned_demo
from training_helpers import Killed, classify, classify_params, kill_after, pretrain, pretrain_params

from cxrcontrast.errors import InputError
from cxrcontrast.files import load_checkpoint


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return pruned_demo(tmp_path_factory.mktemp("data"), 1200, 300, 60, 2)


@pytest.mark.slow  # 2.5 s: make test runs it; the fast tier keeps under a minute
def test_finetuning_leaves_frozen_encoder_bitwise_unchanged(data, tmp_path):
    enc_path = pretrain(data, tmp_path / "pre")
    before = {
        k[len("encoder.") :]: v for k, v in load_checkpoint(enc_path)["state_dict"].items() if k.startswith("encoder.")
    }
    model = classify(data, tmp_path / "ft", pretrained=enc_path)
    after = {k[len("encoder.") :]: v for k, v in model["state_dict"].items() if k.startswith("encoder.")}
    assert after.keys() == before.keys()
    for key in before:  # weights and BatchNorm running statistics alike
        assert torch.equal(before[key], after[key]), key
    assert any("running_mean" in k for k in before)


def test_bn_drift_when_not_frozen(data, tmp_path):
    enc_path = pretrain(data, tmp_path / "pre", pretrain_params(epochs=1))
    before = load_checkpoint(enc_path)["state_dict"]
    model = classify(
        data, tmp_path / "ft", pretrained=enc_path, params=classify_params("normal", freeze_batchnorm=False)
    )
    after = model["state_dict"]
    assert torch.equal(before["encoder.features.0.weight"], after["encoder.features.0.weight"])  # weights frozen
    assert not torch.equal(before["encoder.features.1.running_mean"], after["encoder.features.1.running_mean"])


class Evil:
    """Any class: saving it in a checkpoint needs pickle, which loading must refuse."""


def strip_timing(path):
    with open(path) as fh:
        return [{k: v for k, v in row.items() if k not in ("seconds", "images_per_s")} for row in csv.DictReader(fh)]


@pytest.mark.parametrize("kill_at", [5, pytest.param(40, marks=pytest.mark.slow)])
def test_pretrain_resume_equals_uninterrupted(data, tmp_path, monkeypatch, kill_at):
    params = pretrain_params("hard")
    full = load_checkpoint(pretrain(data, tmp_path / "full", params))
    kill_after(monkeypatch, kill_at)
    with pytest.raises(Killed):
        pretrain(data, tmp_path / "cut", params)
    assert (tmp_path / "cut/resume.pt").exists() == (kill_at > 34) and not (tmp_path / "cut/encoder.pt").exists()
    monkeypatch.undo()
    resumed = load_checkpoint(pretrain(data, tmp_path / "cut", params))
    for key, value in full["state_dict"].items():
        assert torch.equal(value, resumed["state_dict"][key]), key
    assert strip_timing(tmp_path / "full/history.csv") == strip_timing(tmp_path / "cut/history.csv")
    assert not (tmp_path / "cut/resume.pt").exists()


@pytest.mark.slow  # the pretraining's resume test stays in the fast tier
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


@pytest.mark.slow  # test_resume.py's other-data and other-code cases stay in the fast tier
def test_resume_file_of_another_config_is_not_continued(data, tmp_path, monkeypatch, caplog):
    kill_after(monkeypatch, 45)  # inside epoch 2: a resume file of epoch 1 is left
    with pytest.raises(Killed):
        classify(data, tmp_path / "run")
    assert (tmp_path / "run/resume.pt").exists()
    monkeypatch.undo()
    other = classify(data, tmp_path / "run", params=classify_params(lr=0.01))
    assert "differs in its config slice or seed" in caplog.text
    reference = classify(data, tmp_path / "clean", params=classify_params(lr=0.01))
    for key, value in reference["state_dict"].items():
        assert torch.equal(value, other["state_dict"][key]), key


def test_non_finite_loss_stops_without_a_model(data, tmp_path):
    params = classify_params()
    params["classify"]["lr"] = 1e30  # beyond the schema's range: only a stage called directly sees it
    with pytest.raises(FloatingPointError, match=r"epoch 1, batch \d+"):
        classify(data, tmp_path / "nan", params=params)
    assert not (tmp_path / "nan/model.pt").exists()


@pytest.mark.slow
def test_baseline_learns(data, tmp_path):
    """Learning, as any CPU's kernels show it: the training loss falls and the kept model beats chance on
    val. (A margin over chance tuned to one machine's trajectory failed on another CPU.)"""
    import csv

    model = classify(data, tmp_path / "base", params=classify_params(epochs=6, lr=0.01))
    rows = list(csv.DictReader(open(tmp_path / "base/history.csv")))
    losses = [float(r["train_loss"]) for r in rows]
    assert min(losses[1:]) < losses[0]
    assert model["val"]["val_balanced_accuracy"] > 1 / 15


def test_select_on_last_keeps_the_last_epoch(data, tmp_path):
    model = classify(data, tmp_path / "last", params=classify_params(epochs=3, select_on="last"))
    assert model["epoch"] == 3


def test_checkpoint_checks(data, tmp_path):
    enc_path = pretrain(data, tmp_path / "pre", pretrain_params(epochs=1))
    ckpt = load_checkpoint(enc_path)
    assert ckpt["kind"] == "pretrained_encoder" and ckpt["encoder"] == "minivgg" and ckpt["seed"] == 0
    with pytest.raises(InputError, match="expected 'classifier'"):
        load_checkpoint(enc_path, kind="classifier")
    ckpt["encoder"] = "efficientnet_b0"
    torch.save(ckpt, tmp_path / "other.pt")
    with pytest.raises(InputError, match="encoder 'efficientnet_b0'; expected 'minivgg'"):
        classify(data, tmp_path / "ft", pretrained=tmp_path / "other.pt")
    torch.save({"kind": "pretrained_encoder", "payload": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(InputError, match="holds pickled Python objects, which are refused"):
        load_checkpoint(tmp_path / "evil.pt")


def test_classifier_of_other_class_count_refused(data, tmp_path):
    import json

    from cxrcontrast.stages.evaluate import run_evaluate

    classify(data, tmp_path / "m", params=classify_params(epochs=1))
    six = tmp_path / "six.json"
    six.write_text(json.dumps({"class_names": [f"c{i}" for i in range(6)]}))
    with pytest.raises(InputError, match="a classifier of 15 classes; .*six.json lists 6"):
        run_evaluate(
            model=str(tmp_path / "m/model.pt"),
            test=str(data / "test.npz"),
            val=str(data / "val.npz"),
            corrupted=str(data / "test.npz"),  # refused before it is read
            classes=str(six),
            history=str(tmp_path / "m/history.csv"),
            outputs={},
            experiment={},
            params={"bootstrap": 1000, "seed": 0, "paper_protocol_seed": 0},
            device="cpu",
        )


def test_gpu_switches_change_nothing_on_the_cpu(data, tmp_path):
    """`performance` reaches the job, and a CPU job's result does not depend on it (tests/test_accel.py: why)."""
    from cxrcontrast.stages.classify import run_classify

    params = classify_params(epochs=1)
    plain = classify(data, tmp_path / "plain", params=params)
    out = tmp_path / "fast"
    run_classify(
        train=[str(data / "train.npz")],
        val=str(data / "val.npz"),
        classes=str(data / "classes.json"),
        out_model=str(out / "model.pt"),
        out_history=str(out / "history.csv"),
        params=params,
        seed=0,
        device="cpu",
        performance={"bf16_autocast": True, "channels_last": True, "compile": True},
    )
    fast = load_checkpoint(out / "model.pt")
    for key, value in plain["state_dict"].items():
        assert torch.equal(value, fast["state_dict"][key]), key


def test_finetuning_a_pretrained_efficientnet_downloads_nothing(data, tmp_path, monkeypatch):
    """With `weights: imagenet` (the paper's config) the fine-tuning job's encoder weights come from the
    pretraining checkpoint; building it must not reach for the ImageNet weights (any fetch raises here)."""
    from cxrcontrast.files import save_checkpoint
    from cxrcontrast.models import Embedder, build_encoder, encoders

    def no_fetch(*a, **k):
        raise AssertionError("the ImageNet weights were fetched")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "hub"))  # no cached file to find either
    monkeypatch.setattr(encoders, "cached_imagenet_file", no_fetch)  # the name the encoder module calls
    monkeypatch.setattr(torch.hub, "download_url_to_file", no_fetch)
    torch.manual_seed(0)
    params = classify_params(
        "normal",
        encoder="efficientnet_b0",
        epochs=1,
        encoders={"efficientnet_b0": {"weights": "imagenet", "head": {"hidden": [32], "dropout": 0.3}}},
    )
    model = Embedder(build_encoder("efficientnet_b0", 32, weights="none"))
    save_checkpoint(
        tmp_path / "encoder.pt",
        kind="pretrained_encoder",
        encoder="efficientnet_b0",
        architecture=params["architecture"],
        image_size=32,
        z_head="projection",
        head=None,
        n_classes=15,
        state_dict=model.state_dict(),
        epoch=1,
        objective="normal",
        params={},
        seed=0,
    )
    tuned = classify(data, tmp_path / "ft", pretrained=tmp_path / "encoder.pt", params=params)["state_dict"]
    for key, value in model.encoder.state_dict().items():
        assert torch.equal(tuned[f"encoder.{key}"], value), key
