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
from conftest import config, pruned_demo

from cxrcontrast.data.images import InMemoryImages, load_images
from cxrcontrast.models import Classifier, ClassifierHead, Embedder, build_encoder
from cxrcontrast.training.accel import Accel
from cxrcontrast.training.classify import train_classifier
from cxrcontrast.training.features import feature_source
from cxrcontrast.training.objective import build_objective
from cxrcontrast.training.optim import Optim
from cxrcontrast.training.pretrain import pretrain
from cxrcontrast.training.resume import Resume
from cxrcontrast.training.selection import selection
from cxrcontrast.training.tasks import SingleLabel

CPU = torch.device("cpu")
CFG = config()
OPTIM = Optim(epochs=1, batch_size=32, lr=0.01, momentum=0.9, weight_decay=0.0)


def resume_in(folder: Path) -> Resume:
    folder.mkdir(parents=True, exist_ok=True)
    return Resume(folder, {"job": str(folder)})


@pytest.fixture(scope="module")
def train_images(tmp_path_factory):
    root = pruned_demo(tmp_path_factory.mktemp("data"), 480, 60, 30, 5)
    return load_images([str(root / "train.npz")], 32)


def embedder(seed: int = 0) -> Embedder:
    torch.manual_seed(seed)
    return Embedder(build_encoder("minivgg", 32))


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
    for a, b in zip(half, full):
        assert a.dtype == torch.float32  # losses and mining run in full precision
        assert not torch.equal(a, b)  # bfloat16 really ran inside
        torch.testing.assert_close(a, b, rtol=0.05, atol=0.02 * float(b.abs().max()))


def test_channels_last_changes_the_layout_not_the_outputs():
    net = embedder().eval()
    x = torch.randn(16, 3, 32, 32)
    with torch.no_grad():
        before = net(x)
        forward = Accel(channels_last=True).prepare(net, CPU)
        after = forward(x)
    assert forward is net
    assert net.encoder.features[0].weight.is_contiguous(memory_format=torch.channels_last)
    for a, b in zip(after, before):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def run_pretrain_loop(data, name: str, accel: Accel, tmp: Path, seed: int = 0) -> tuple[list[dict], Embedder]:
    objective = build_objective(name, {**CFG.objective("minivgg", name), "batch_size": 32}, data.labels, CFG.augment())
    model = embedder(seed)
    history = pretrain(model, data, objective, OPTIM, seed, resume_in(Path(tempfile.mkdtemp(dir=tmp))), CPU, accel)
    return history, model


@pytest.mark.parametrize("name", ["normal", "hard", "augmented", "supcon", "simclr"])
def test_every_objective_trains_under_bf16_autocast(train_images, name, tmp_path):
    fast, fast_model = run_pretrain_loop(train_images, name, Accel(bf16_autocast=True, channels_last=True), tmp_path)
    full, full_model = run_pretrain_loop(train_images, name, Accel(), tmp_path)
    assert math.isfinite(fast[0]["loss"]) and fast[0]["loss"] > 0
    # the same batches from the same start: an epoch's mean loss in bf16 stays near the float32 one
    assert fast[0]["loss"] == pytest.approx(full[0]["loss"], rel=0.15)
    key = "encoder.features.0.weight"
    assert not torch.equal(fast_model.state_dict()[key], full_model.state_dict()[key])


def test_classifier_trains_end_to_end_under_bf16_autocast(train_images, tmp_path):
    """The baseline's path: the whole classifier's forward under autocast, cross-entropy in float32."""
    val = InMemoryImages(train_images.images[:64], train_images.labels[:64], train_images.index[:64])
    runs = {}
    for name, accel in (("fast", Accel(bf16_autocast=True, channels_last=True)), ("full", Accel())):
        torch.manual_seed(0)
        enc = build_encoder("minivgg", 32)
        model = Classifier(enc, ClassifierHead(enc.out_features, 15, hidden=(256,), dropout=0.3))
        source = feature_source(model, train_images, val, CPU, accel, freeze_encoder=False, freeze_batchnorm=True)
        keep = selection("balanced_accuracy", SingleLabel.select)
        runs[name] = train_classifier(source, OPTIM, 0, resume_in(tmp_path / name), keep), keep.best
    (fast, fast_best), (full, full_best) = runs["fast"], runs["full"]
    assert fast[0]["train_loss"] == pytest.approx(full[0]["train_loss"], rel=0.1)
    assert fast_best.keys() == full_best.keys()  # plain module keys: evaluation loads them as they are
    assert not torch.equal(fast_best["encoder.features.0.weight"], full_best["encoder.features.0.weight"])


@pytest.mark.slow
@pytest.mark.skipif(
    not any(shutil.which(c) for c in ("g++", "c++", "clang++")), reason="torch.compile on the CPU needs a C++ compiler"
)
def test_compiled_bf16_pretraining_keeps_plain_checkpoint_keys(train_images, tmp_path):
    """The whole GPU configuration (compile + bf16 + channels_last) through the loop, on the CPU's inductor."""
    accel = Accel(bf16_autocast=True, channels_last=True, compile=True)
    objective = build_objective("normal", {**CFG.objective("minivgg", "normal"), "batch_size": 32}, train_images.labels)
    model = embedder()
    resume = resume_in(tmp_path / "compiled")
    history = pretrain(model, train_images, objective, OPTIM, 0, resume, CPU, accel)
    assert math.isfinite(history[0]["loss"])
    saved = resume.load()["model"]
    assert saved.keys() == embedder().state_dict().keys()  # no "_orig_mod." prefixes from the compiled wrapper
    key = "encoder.features.0.weight"
    assert not torch.equal(saved[key], embedder().state_dict()[key])
