"""Config slices and stage calls for the training tests: small heads, few epochs, from the workflow's own config."""

from conftest import config

from cxrcontrast.files import load_checkpoint
from cxrcontrast.stages.classify import run_classify
from cxrcontrast.stages.pretrain import run_pretrain
from cxrcontrast.training import epochs
from cxrcontrast.vocabulary.experiments import Experiment

SMALL = {"minivgg": {"head": {"hidden": [64], "dropout": 0.3}}}


def pretrain_params(objective="normal", encoder="minivgg", encoders=None, **block):
    cfg = config(encoders=encoders or SMALL, pretrain={objective: {"epochs": 3, "lr": 0.01, "momentum": 0.9, **block}})
    return cfg.pretrain_params(encoder, objective)


def classify_params(pretrain="none", encoder="minivgg", trainset="train", labels=1.0, encoders=None, **block):
    stage = {
        k: block.pop(k) for k in ("select_on", "freeze_batchnorm", "softmax_before_loss", "train_aug") if k in block
    }
    sgd = {"epochs": 3, "lr": 0.05, "momentum": 0.9, **block}
    experiments = [{"encoder": encoder, "pretrain": pretrain, "trainset": trainset}]  # no experiment overrides
    cfg = config(
        encoders=encoders or SMALL, classify={"baseline": sgd, "finetune": sgd, **stage}, experiments=experiments
    )
    return cfg.classify_params(Experiment(encoder, pretrain, trainset, labels))


def pretrain(data, out, params=None, seed=0):
    out.mkdir(parents=True, exist_ok=True)
    run_pretrain(
        train=str(data / "train.npz"),
        val=str(data / "val.npz"),
        classes=str(data / "classes.json"),
        out_encoder=str(out / "encoder.pt"),
        out_history=str(out / "history.csv"),
        params=params or pretrain_params(),
        seed=seed,
        device="cpu",
    )
    return out / "encoder.pt"


def classify(data, out, pretrained=None, params=None, seed=0, train=None):
    out.mkdir(parents=True, exist_ok=True)
    run_classify(
        train=train or [str(data / "train.npz")],
        val=str(data / "val.npz"),
        classes=str(data / "classes.json"),
        out_model=str(out / "model.pt"),
        out_history=str(out / "history.csv"),
        params=params or classify_params("none" if pretrained is None else "normal"),
        seed=seed,
        pretrained=pretrained and str(pretrained),
        device="cpu",
    )
    return load_checkpoint(out / "model.pt", kind="classifier")


class Killed(Exception):
    """Stands for a kill in the middle of an epoch."""


def kill_after(monkeypatch, n_steps):
    """Training raises Killed at its (n_steps + 1)-th batch."""
    real, count = epochs.Epochs.batch, {"n": 0}

    def step(self, *a, **k):
        count["n"] += 1
        if count["n"] > n_steps:
            raise Killed
        return real(self, *a, **k)

    monkeypatch.setattr(epochs.Epochs, "batch", step)
