"""The GPU fast path (bf16 autocast, channels_last, torch.compile), exercised on the CPU.

The workflow never turns bf16 or compile on for CPU jobs (``Accel.for_device``), so
these tests build ``Accel`` directly: dtype, wrapping and checkpoint-key mistakes
show up here rather than in a scarce GPU session.
"""
import math
import shutil
import tempfile
from pathlib import Path

import pytest
import torch
from torch import nn

from cxrcontrast.data.images import InMemoryImages, load_images
from cxrcontrast.models import Classifier, ClassifierHead, ProjectionHead, build_encoder
from cxrcontrast.training.accel import Accel
from cxrcontrast.training.classify import train_classifier
from cxrcontrast.training.loop import Optim, Resume
from cxrcontrast.training.pretrain import pretrain
from cxrcontrast.training.samplers import build_sampler

from conftest import pruned_demo

CPU = torch.device("cpu")
AUGMENT = {"upscale": 300, "crop": 250, "rotation_deg": 5.0, "translate": 0.1}


@pytest.fixture(scope="module")
def train_images(tmp_path_factory):
    root = pruned_demo(tmp_path_factory.mktemp("data"), 480, 60, 30, 5)
    return load_images([str(root / "train.npz")], 32)


def embedder(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    enc = build_encoder("minivgg", 32)
    return nn.Sequential(enc, ProjectionHead(enc.out_features))


def test_cpu_jobs_get_channels_last_only_whatever_the_config():
    on = {"bf16_autocast": True, "channels_last": True, "compile": True}
    assert Accel.for_device(on, CPU) == Accel.for_device(None, CPU) == Accel(channels_last=True)
    assert Accel.for_device(on, torch.device("cuda")) == Accel(True, True, True)
    assert Accel.for_device(None, torch.device("cuda")) == Accel()


def test_bf16_forward_gives_float32_close_to_full_precision():
    net = embedder().eval()
    x = torch.randn(64, 3, 32, 32)
    with torch.no_grad():
        full = net(x)
        half = Accel(bf16_autocast=True).prepare(net, CPU)(x)
    assert half.dtype == torch.float32  # losses and mining run in full precision
    assert not torch.equal(half, full)  # bfloat16 really ran inside
    torch.testing.assert_close(half, full, rtol=0.05, atol=0.02 * float(full.abs().max()))


def test_channels_last_changes_the_layout_not_the_outputs():
    net = embedder().eval()
    x = torch.randn(16, 3, 32, 32)
    with torch.no_grad():
        before = net(x)
        forward = Accel(channels_last=True).prepare(net, CPU)
        after = forward(x)
    assert forward is net
    assert net[0].features[0].weight.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(after, before, rtol=1e-4, atol=1e-5)


def run_pretrain_loop(data, sampler: str, accel: Accel, tmp: Path, seed: int = 0) -> tuple[list[dict], nn.Sequential]:
    extra = {"augment": AUGMENT} if sampler in ("augmented", "supcon") else {}
    batches = build_sampler(sampler, data.labels, batch_size=32, **({"margin": 0.3} if sampler != "supcon" else {}),
                            **extra)
    model = embedder(seed)
    resume = Resume(Path(tempfile.mkdtemp(dir=tmp)) / "resume.pt", {})
    history, _ = pretrain(model, data, batches, Optim(epochs=1, batch_size=32, lr=0.01), seed, resume, CPU, accel)
    return history, model


@pytest.mark.parametrize("sampler", ["normal", "hard", "augmented", "supcon"])
def test_every_sampler_trains_under_bf16_autocast(train_images, sampler, tmp_path):
    fast, fast_model = run_pretrain_loop(train_images, sampler, Accel(bf16_autocast=True, channels_last=True), tmp_path)
    full, full_model = run_pretrain_loop(train_images, sampler, Accel(), tmp_path)
    assert math.isfinite(fast[0]["loss"]) and fast[0]["loss"] > 0
    # the same batches from the same start: an epoch's mean loss in bf16 stays near the float32 one
    assert fast[0]["loss"] == pytest.approx(full[0]["loss"], rel=0.15)
    assert not torch.equal(fast_model.state_dict()["0.features.0.weight"], full_model.state_dict()["0.features.0.weight"])


def test_classifier_trains_end_to_end_under_bf16_autocast(train_images, tmp_path):
    """The baseline's path: the whole classifier's forward under autocast, cross-entropy in float32."""
    val = InMemoryImages(train_images.images[:64], train_images.labels[:64], train_images.index[:64])
    runs = {}
    for name, accel in (("fast", Accel(bf16_autocast=True, channels_last=True)), ("full", Accel())):
        torch.manual_seed(0)
        enc = build_encoder("minivgg", 32)
        model = Classifier(enc, ClassifierHead(enc.out_features, 15))
        resume = Resume(tmp_path / f"{name}.pt", {})
        runs[name] = train_classifier(model, train_images, val, Optim(epochs=1, batch_size=32, lr=0.01), 0, resume, CPU,
                                      freeze_encoder=False, accel=accel)
    (fast, fast_best, _), (full, full_best, _) = runs["fast"], runs["full"]
    assert fast[0]["train_loss"] == pytest.approx(full[0]["train_loss"], rel=0.1)
    assert fast_best.keys() == full_best.keys()  # plain module keys: evaluation loads them as they are
    assert not torch.equal(fast_best["encoder.features.0.weight"], full_best["encoder.features.0.weight"])


@pytest.mark.skipif(not any(shutil.which(c) for c in ("g++", "c++", "clang++")),
                    reason="torch.compile on the CPU needs a C++ compiler")
def test_compiled_bf16_pretraining_keeps_plain_checkpoint_keys(train_images, tmp_path):
    """The whole GPU configuration (compile + bf16 + channels_last) through the loop, on the CPU's inductor."""
    accel = Accel(bf16_autocast=True, channels_last=True, compile=True)
    batches = build_sampler("normal", train_images.labels, batch_size=32, margin=0.3)
    model = embedder()
    resume = Resume(tmp_path / "resume.pt", {"job": "compiled"})
    history, _ = pretrain(model, train_images, batches, Optim(epochs=1, batch_size=32, lr=0.01), 0, resume, CPU, accel)
    assert math.isfinite(history[0]["loss"])
    saved = resume.load()["model"]
    assert saved.keys() == embedder().state_dict().keys()  # no "_orig_mod." prefixes from the compiled wrapper
    assert not torch.equal(saved["0.features.0.weight"], embedder().state_dict()["0.features.0.weight"])
