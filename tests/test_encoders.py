"""The field's encoders (ResNet-18/50, DenseNet-121, ViT-B/16 from torchvision): MedMNIST's 28-px ResNets,
one training epoch of each at 28 and 64 px through the real pretrain and classify stages, and their weights."""

import csv
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import pruned_demo
from torch import nn
from training_helpers import classify, classify_params, pretrain, pretrain_params

from cxrcontrast.errors import InputError
from cxrcontrast.files import save_npz
from cxrcontrast.models import ENCODERS, build_encoder

# MedMNIST v2's table of models (Yang et al. 2023, Scientific Data, Table 3 "Params"), 28 px with the fc head
PUBLISHED_MILLIONS = {"resnet18": 11.2, "resnet50": 23.5}


def medmnist_resnet(name: str, n_classes: int) -> nn.Module:
    """MedMNIST's 28-px ResNet as MedMNIST/experiments' MedMNIST2D/models.py builds it (adapted from
    kuangliu/pytorch-cifar): torchvision's blocks behind a 3x3 stride-1 padding-1 first convolution without bias,
    no max-pool, global average pooling and one linear layer."""
    import torchvision.models as tvm

    net = getattr(tvm, name)(num_classes=n_classes)
    net.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    net.maxpool = nn.Identity()
    return net


def stage_shapes(net: nn.Module, x: torch.Tensor) -> list[tuple[int, ...]]:
    """The output shape of the stem and of each of the four stages."""
    shapes = []
    hooks = [
        getattr(net, n).register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape)))
        for n in ("maxpool", "layer1", "layer2", "layer3", "layer4")
    ]
    with torch.no_grad():
        net.eval()(x)
    for h in hooks:
        h.remove()
    return shapes


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_28px_resnet_is_medmnists(name):
    """At 28 px our ResNet is MedMNIST's: the same parameter shapes in the same order, the same maps after each
    stage (28 -> 28 -> 14 -> 7 -> 4 px), the same count, which rounds to the published one."""
    torch.manual_seed(0)
    ours, reference = build_encoder(name, 28), medmnist_resnet(name, n_classes=2)
    ours.net.fc = nn.Linear(ours.out_features, 2)  # the published counts include a two-class fc head
    assert [p.shape for p in ours.net.parameters()] == [p.shape for p in reference.parameters()]
    assert [n for n, _ in ours.net.named_parameters()] == [n for n, _ in reference.named_parameters()]
    x = torch.randn(1, 3, 28, 28)
    assert stage_shapes(ours.net, x) == stage_shapes(reference, x)
    assert stage_shapes(reference, x)[-1][-2:] == (4, 4)
    count = sum(p.numel() for p in ours.net.parameters())
    assert count == sum(p.numel() for p in reference.parameters())
    assert round(count / 1e6, 1) == PUBLISHED_MILLIONS[name]


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_resnets_take_torchvisions_stem_from_64px(name):
    enc = build_encoder(name, 64)
    assert enc.net.conv1.kernel_size == (7, 7) and enc.net.conv1.stride == (2, 2)
    assert isinstance(enc.net.maxpool, nn.MaxPool2d)


@pytest.mark.parametrize("name, features", [("densenet121", 1024), ("vit_b_16", 768)])
def test_small_inputs_are_zero_padded_to_224(name, features):
    """MedMNIST+ zero-pads (after normalisation) to 224 px: a 28-px image gives the features of that image
    padded by hand, centred."""
    torch.manual_seed(0)
    enc = build_encoder(name, 28).eval()
    x = torch.randn(1, 3, 28, 28)
    padded = torch.zeros(1, 3, 224, 224)
    padded[..., 98:126, 98:126] = x
    with torch.no_grad():
        h = enc(x)
        torch.testing.assert_close(h, enc.net(padded))
    assert h.shape == (1, features) == (1, enc.out_features)


def two_classes(source: Path, root: Path, per_class: int) -> Path:
    """The pruned demo cut to ``per_class`` images of each of its first two classes per split (the triplets
    need a positive): a training epoch of a few steps."""
    root.mkdir()
    shutil.copy(source / "classes.json", root)
    for split in ("train", "val", "test"):
        with np.load(source / f"{split}.npz", allow_pickle=False) as f:
            arrays = dict(f)
        rows = np.concatenate([np.flatnonzero(arrays["labels"] == c)[:per_class] for c in (0, 1)])
        provenance = json.loads(str(arrays.pop("provenance")))
        save_npz(root / f"{split}.npz", provenance, **{k: v[rows] for k, v in arrays.items()})
    return root


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Per encoder: 2 images a class (ViT-B/16 at 224 px on a CPU), 4 for the CNNs."""
    demo = pruned_demo(tmp_path_factory.mktemp("demo"), 60, 28, 28, 0)
    return {n: two_classes(demo, tmp_path_factory.mktemp("cut") / str(n), n) for n in (2, 4)}


# every objective on some encoder at some size, every z head; ViT-B/16 (224 px) on 2 images, batch 2
# (measured on 2 shared cores: ViT-B/16 about 75 s a case, DenseNet-121 about 20 s, the ResNets 0.3-10 s)
SLOW = pytest.mark.slow
CASES = [
    ("resnet18", 28, "normal", "projection"),
    ("resnet18", 64, "supcon", "classifier"),
    ("resnet50", 28, "simclr", "projection"),
    ("resnet50", 64, "hard", "projection"),
    pytest.param("densenet121", 28, "augmented", "projection", marks=SLOW),
    pytest.param("densenet121", 64, "normal", "classifier", marks=SLOW),
    pytest.param("vit_b_16", 28, "supcon", "projection", marks=SLOW),
    pytest.param("vit_b_16", 64, "simclr", "classifier", marks=SLOW),
]


def sized(params: dict, size: int) -> dict:
    return {**params, "image_size": size}


@pytest.mark.parametrize("encoder, size, objective, z_head", CASES)
def test_one_epoch_of_each_encoder(tiny, tmp_path, encoder, size, objective, z_head):
    """One pretraining epoch, a head fine-tuned on it and an end-to-end baseline, through the stages: h has
    the encoder's size, the heads follow it, the losses are finite."""
    torch.set_num_threads(1)
    batch = 2 if encoder == "vit_b_16" else 4
    data = tiny[batch]
    head = {"hidden": [32], "dropout": 0.3}
    # one epoch whatever the layers' train_overrides (the demo's ResNet-18 rows train two)
    encoders = {encoder: {"z_head": z_head, "head": head, "train_overrides": {"epochs": 1}}}
    pk = {"images_per_class": 2} if objective == "hard" else {}  # hard's batches: 2 classes x 2 images
    p_params = pretrain_params(objective, encoder, epochs=1, batch_size=batch, encoders=encoders, **pk)
    ckpt = pretrain(data, tmp_path / "pretrain", sized(p_params, size))
    c_params = sized(classify_params(objective, encoder, epochs=1, batch_size=batch, encoders=encoders), size)
    finetuned = classify(data, tmp_path / "finetune", pretrained=ckpt, params=c_params)
    baseline = classify(
        data,
        tmp_path / "baseline",
        params=sized(classify_params("none", encoder, epochs=1, batch_size=batch, encoders=encoders), size),
    )
    for model in (finetuned, baseline):
        first = next(k for k in model["state_dict"] if k.startswith("head."))
        assert model["state_dict"][first].shape[1] == ENCODERS[encoder].out_features
    for job in ("pretrain", "finetune", "baseline"):
        with open(tmp_path / job / "history.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        losses = [float(v) for row in rows for k, v in row.items() if "loss" in k and v]
        assert len(rows) == 1 and losses and all(math.isfinite(v) for v in losses), (job, rows)


def torchvision_state(name: str) -> dict[str, torch.Tensor]:
    """A locally made state dict in the layout of torchvision's official file (its ImageNet classifier included)."""
    import torchvision.models as tvm

    torch.manual_seed(1)
    return getattr(tvm, name)().state_dict()


@pytest.mark.parametrize("name, size", [("resnet18", 64), ("densenet121", 28)])
def test_local_state_dict_loads_as_weights_path(tmp_path, name, size):
    """``weights: <path>`` loads every tensor; DenseNet's official files name their layers the old way
    (``norm.1``), which is read as torchvision reads it."""
    state = torchvision_state(name)
    if name == "densenet121":
        # as the official file (2017): "norm.1", no BatchNorm counters
        old = {re.sub(r"(denselayer\d+\.(?:norm|conv))([12])\.", r"\1.\2.", k): v for k, v in state.items()}
        state = {k: v for k, v in old.items() if not k.endswith("num_batches_tracked")}
        assert any(".norm.1." in k for k in state)
    path = tmp_path / f"{name}.pth"
    torch.save(state, path)
    enc = build_encoder(name, size, weights=str(path))
    first = next(iter(enc.net.state_dict()))
    torch.testing.assert_close(enc.net.state_dict()[first], next(iter(state.values())))
    assert enc(torch.zeros(1, 3, size, size)).shape == (1, enc.out_features)


def test_wrong_weights_file_is_refused_with_its_path(tmp_path):
    path = tmp_path / "resnet50.pth"
    torch.save(torchvision_state("resnet50"), path)
    with pytest.raises(InputError) as err:
        build_encoder("resnet18", 64, weights=str(path))
    assert str(err.value).startswith(f"{path}: not a resnet18 state dict") and "\n" not in str(err.value)


def test_imagenet_weights_do_not_fit_the_28px_stem(tmp_path):
    """ImageNet weights are for torchvision's 7x7 stem: at 28 px (MedMNIST's 3x3 stem) one clear refusal."""
    path = tmp_path / "resnet18.pth"
    torch.save(torchvision_state("resnet18"), path)
    with pytest.raises(InputError, match=r"conv1.weight has shape \(64, 3, 7, 7\).*\(64, 3, 3, 3\).*weights: none"):
        build_encoder("resnet18", 28, weights=str(path))


@pytest.mark.parametrize("name, prefix", [("resnet18", "f37072fd"), ("vit_b_16", "c867db91")])
def test_planted_official_file_is_refused(monkeypatch, tmp_path, name, prefix):
    """``weights: imagenet`` reads torchvision's official file only when its SHA-256 starts with the prefix in
    its name (as EfficientNet's)."""
    from cxrcontrast.models.weights import IMAGENET_URLS

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))
    planted = tmp_path / "home/hub/checkpoints" / IMAGENET_URLS[name].rsplit("/", 1)[-1]
    assert planted.name.startswith(f"{name}-{prefix}")
    planted.parent.mkdir(parents=True)
    torch.save(torchvision_state("resnet18"), planted)
    with pytest.raises(InputError, match=f"SHA-256 does not start with {prefix}.*refused, nothing loaded"):
        build_encoder(name, 64, weights="imagenet")


@pytest.mark.parametrize("tuning", ["frozen", "end_to_end"])
def test_the_official_task_runs_on_a_resnet(tmp_path, tuning):
    """The official rules with ResNet-18 at 32 px (MedMNIST's 28-px stem), which the demo leaves out (on its 28-px
    data a ResNet costs minutes: BENCHMARKS.md): the kept model is a ResNet-18 whose head has 14 outputs on 512
    features, and official_evaluate scores every test row."""
    from conftest import config, npz_entry

    from cxrcontrast.data.synthetic import synthesize
    from cxrcontrast.models.build import load_classifier
    from cxrcontrast.models.checkpoints import OfficialCheckpoint
    from cxrcontrast.stages.official import run_official
    from cxrcontrast.stages.official_evaluate import run_official_evaluate
    from cxrcontrast.stages.unpruned import run_unpruned

    torch.set_num_threads(1)
    save_npz(tmp_path / "raw.npz", **synthesize(60, 30, 30, seed=3))
    splits = {s: str(tmp_path / f"{s}.npz") for s in ("train", "val", "test")}
    run_unpruned(raw=str(tmp_path / "raw.npz"), data=npz_entry(), outputs=splits)
    block = {"epochs": 1, "batch_size": 16}
    cfg = config(encoders={"resnet18": {"head": {"hidden": [32]}}}, official={tuning: block})
    model, metrics = str(tmp_path / "model.pt"), tmp_path / "metrics.json"
    params = cfg.official_params("resnet18", tuning)
    run_official(splits["train"], splits["val"], model, str(tmp_path / "history.csv"), params, tuning, 0, device="cpu")
    (tmp_path / "classes.json").write_text(json.dumps({"official": None}))
    classes = str(tmp_path / "classes.json")
    run_official_evaluate(model, splits["test"], str(tmp_path / "raw.npz"), classes, str(metrics), "none", "cpu")
    net, ckpt = load_classifier(model, OfficialCheckpoint)
    assert (ckpt.encoder, ckpt.tuning) == ("resnet18", tuning)
    last = [m for m in net.modules() if isinstance(m, nn.Linear)][-1]
    assert (last.out_features, net.encoder.out_features) == (14, 512)
    result = json.loads(metrics.read_text())
    assert result["n"]["test"] == 30 and 0 <= result["test"]["auc"] <= 1
