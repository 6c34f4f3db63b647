import copy
import math

import pytest
import torch

from cxrcontrast.errors import DownloadError, InputError
from cxrcontrast.models import ENCODERS, Classifier, ClassifierHead, Embedder, ProjectionHead, build_encoder


@pytest.mark.parametrize("size, features", [(32, 1024), (64, 4096), (128, 16384)])
def test_minivgg_shapes(size, features):
    enc = build_encoder("minivgg", size)
    assert enc.out_features == features
    assert enc(torch.zeros(2, 3, size, size)).shape == (2, features)
    convs = [m for m in enc.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [16, 32, 64] and all(c.kernel_size == (3, 3) for c in convs)


def test_xavier_init():
    torch.manual_seed(0)
    enc = build_encoder("minivgg", 32, xavier=True)
    for m in enc.modules():
        if isinstance(m, torch.nn.Conv2d):
            fan_in, fan_out = m.in_channels * 9, m.out_channels * 9
            bound = math.sqrt(6 / (fan_in + fan_out))
            assert m.weight.abs().max() <= bound
            assert m.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.15)
            assert torch.all(m.bias == 0)
    plain = build_encoder("minivgg", 32, xavier=False)
    conv = plain.features[0]
    assert conv.bias.abs().sum() > 0  # PyTorch's default init, not Xavier


def test_heads():
    head = ClassifierHead(1024, 15, hidden=(256,), dropout=0.3)
    layers = list(head.net)
    assert [type(m).__name__ for m in layers] == ["Linear", "ReLU", "Dropout", "Linear"]
    assert layers[2].p == 0.3 and layers[-1].out_features == 15
    eff = ClassifierHead(1280, 15, hidden=(512, 256), dropout=0.3)
    assert sum(isinstance(m, torch.nn.Linear) for m in eff.net) == 3
    z = ProjectionHead(1024)(torch.randn(5, 1024))
    assert z.shape == (5, 128) and torch.allclose(z.norm(dim=1), torch.ones(5))
    probs = ClassifierHead(8, 3, hidden=(16,), dropout=0.3, softmax_output=True).eval()(torch.randn(4, 8))
    assert torch.allclose(probs.sum(1), torch.ones(4))


def test_authors_dropout_one_gives_constant_output():
    head = ClassifierHead(1280, 15, hidden=(512, 256), dropout=1.0).train()
    out = head(torch.randn(6, 1280))
    assert torch.allclose(out, out[:1].expand_as(out))  # every input gives the same logits: chance level


def test_efficientnet_offline_and_local_weights(tmp_path):
    enc = build_encoder("efficientnet_b0", 32, weights="none", frozen_tensors=80)
    assert enc(torch.zeros(2, 3, 32, 32)).shape == (2, 1280)
    assert sum(not p.requires_grad for p in enc.parameters()) == 80
    assert all(not p.requires_grad for p in list(enc.parameters())[:80])
    from efficientnet_pytorch import EfficientNet

    torch.manual_seed(3)
    source = EfficientNet.from_name("efficientnet-b0")
    torch.save(source.state_dict(), tmp_path / "b0.pt")
    loaded = build_encoder("efficientnet_b0", 32, weights=str(tmp_path / "b0.pt"), frozen_tensors=150)
    torch.testing.assert_close(loaded.net._conv_stem.weight, source._conv_stem.weight, rtol=0, atol=0)
    assert sum(not p.requires_grad for p in loaded.parameters()) == 150
    with pytest.raises(InputError, match="not found"):
        build_encoder("efficientnet_b0", 32, weights=str(tmp_path / "missing.pt"))
    torch.save({"conv.weight": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(InputError, match="not an efficientnet-b0 state dict"):
        build_encoder("efficientnet_b0", 32, weights=str(tmp_path / "other.pt"))


def test_efficientnet_imagenet_logits_as_the_authors_heads_read_them(tmp_path):
    """features: imagenet_logits keeps the ImageNet classifier: h is the 1000 logits (``h = self.backbone(x)``)."""
    from efficientnet_pytorch import EfficientNet

    torch.manual_seed(4)
    source = EfficientNet.from_name("efficientnet-b0").eval()
    torch.save(source.state_dict(), tmp_path / "b0.pt")
    enc = build_encoder(
        "efficientnet_b0", 32, weights=str(tmp_path / "b0.pt"), features="imagenet_logits", frozen_tensors=150
    ).eval()
    x = torch.randn(2, 3, 32, 32)
    assert enc.out_features == 1000
    torch.testing.assert_close(enc(x), source(x))
    assert list(enc.parameters())[-1].requires_grad  # the ImageNet fc stays trainable, as in the authors' code


def test_imagenet_download_failure_is_clear(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*a, **k):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(DownloadError, match="weights: /path/to/efficientnet-b0-355c32eb.pth"):
        build_encoder("efficientnet_b0", 32, weights="imagenet")


class Payload:
    """Unpickling this runs code (writes a marker file): what a planted cache file could do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_planted_imagenet_file_is_refused_without_running(monkeypatch, tmp_path):
    """A pickle payload under the official name in the torch hub cache: its hash does not match the one in the
    official name, so it is refused, and it is never unpickled (the marker file is never made)."""
    from cxrcontrast.models.weights import IMAGENET_URLS

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))
    planted = tmp_path / "home/hub/checkpoints" / IMAGENET_URLS["efficientnet-b0"].rsplit("/", 1)[-1]
    planted.parent.mkdir(parents=True)
    marker = tmp_path / "ran.txt"
    torch.save({"_conv_stem.weight": Payload(str(marker))}, planted)
    with pytest.raises(InputError, match="SHA-256 does not start with 355c32eb.*refused, nothing loaded"):
        build_encoder("efficientnet_b0", 32, weights="imagenet")
    with pytest.raises(InputError, match="holds pickled Python objects, which are refused"):
        build_encoder("efficientnet_b0", 32, weights=str(planted))  # given as a local file: weights_only refuses it
    from cxrcontrast.files import file_digest
    from cxrcontrast.models import weights

    monkeypatch.setattr(weights, "hash_prefix", lambda url: file_digest(planted)[:8])  # even were its hash right
    with pytest.raises(InputError, match="holds pickled Python objects, which are refused"):
        build_encoder("efficientnet_b0", 32, weights="imagenet")
    assert not marker.exists()


@pytest.mark.parametrize("content", [b"", b"\x00" * 10, bytes(range(256)) * 20])
def test_corrupt_weights_file_gets_one_clear_line(tmp_path, content):
    path = tmp_path / "b0.pt"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        build_encoder("efficientnet_b0", 32, weights=str(path))
    text = str(err.value)
    assert text.startswith(str(path)) and "not an efficientnet-b0 state dict" in text and "give the right file" in text
    assert "weights_only" not in text and "\n" not in text


def test_embedder_z_heads():
    enc = build_encoder("minivgg", 32)
    h, z = Embedder(enc)(torch.randn(4, 3, 32, 32))
    assert h.shape == (4, 1024) and z.shape == (4, 128) and torch.allclose(z.norm(dim=1), torch.ones(4))
    typo = Embedder(enc, "classifier", ClassifierHead(1024, 15, hidden=(256,), dropout=0.7, softmax_output=True)).eval()
    h, z = typo(torch.randn(4, 3, 32, 32))
    probs = typo.head.net(h).softmax(1)
    assert z.shape == (4, 15) and torch.allclose(z, probs / probs.norm(dim=1, keepdim=True))


def test_registry():
    assert set(ENCODERS) == {"minivgg", "efficientnet_b0", "resnet18", "resnet50", "densenet121", "vit_b_16"}
    with pytest.raises(InputError, match="unknown name 'resnet'"):
        build_encoder("resnet")
    model = Classifier(build_encoder("minivgg"), ClassifierHead(1024, 15, hidden=(256,), dropout=0.3))
    assert model(torch.zeros(3, 3, 32, 32)).shape == (3, 15)


FEATURES = {
    "minivgg": {28: 1024, 32: 1024, 64: 4096, 128: 16384},
    "efficientnet_b0": dict.fromkeys((28, 32, 64, 128), 1280),
}


@pytest.mark.parametrize("size", [28, 32, 64, 128])
@pytest.mark.parametrize("name", ["minivgg", "efficientnet_b0"])
def test_each_encoder_trains_at_each_input_size(name, size):
    """Built from its config slice as the jobs build it, each encoder takes a forward pass and an optimizer step
    at 28, 32, 64 and 128 px: h of the size it states, one finite logit per class, and the step moves both the
    encoder's first trainable tensor and the head's last (the gradient reaches the bottom)."""
    from conftest import config

    from cxrcontrast.models.build import build_classifier

    torch.set_num_threads(1)
    cfg = config(encoders={"efficientnet_b0": {"weights": "none"}})
    arch, head = cfg.architecture(name), cfg.settings["encoders"][name]["head"]
    model = build_classifier(name, size, arch, head, 5, seed=0, softmax_output=False).train()
    x, y = torch.randn(2, 3, size, size), torch.tensor([1, 4])
    assert model.encoder.out_features == FEATURES[name][size]
    assert model.encoder(x).shape == (2, FEATURES[name][size])
    logits = model(x)
    assert logits.shape == (2, 5) and torch.isfinite(logits).all()
    trainable = [p for p in model.parameters() if p.requires_grad]
    ends = [next(p for p in model.encoder.parameters() if p.requires_grad), trainable[-1]]
    before = [p.detach().clone() for p in ends]
    optimizer = torch.optim.SGD(trainable, lr=0.1)
    torch.nn.functional.cross_entropy(logits, y).backward()
    optimizer.step()
    assert all(not torch.equal(b, p) for b, p in zip(before, ends))
    assert all(torch.isfinite(p).all() for p in trainable)


@pytest.mark.parametrize("size", [32, 64, 128])
def test_encoders_at_even_sizes_are_the_layers_they_were(size):
    """The changes that let 28 px through leave even sizes as they were, bit for bit (the demo runs at 32 px):
    mini-VGG against the same layers pooling by rounding down, EfficientNet-B0 against the library's default
    build (padding computed for 224 px), same seed, same init, same forward in training mode."""
    from efficientnet_pytorch import EfficientNet

    torch.set_num_threads(1)
    x = torch.randn(2, 3, size, size)
    torch.manual_seed(0)
    vgg = build_encoder("minivgg", size).train()
    floor = copy.deepcopy(vgg)
    for m in floor.modules():
        if isinstance(m, torch.nn.MaxPool2d):
            m.ceil_mode = False
    assert torch.equal(vgg(x), floor(x))
    torch.manual_seed(0)
    ours = build_encoder("efficientnet_b0", size, weights="none", xavier=False, features="imagenet_logits").net
    torch.manual_seed(0)
    default = EfficientNet.from_name("efficientnet-b0")
    for (k, a), b in zip(ours.state_dict().items(), default.state_dict().values()):
        assert torch.equal(a, b), k
    torch.manual_seed(1)
    got = ours.train()(x)
    torch.manual_seed(1)
    assert torch.equal(got, default.train()(x))


def test_minivgg_at_28px_sees_the_border():
    """At 28 px the last pooled map is 7 px: rounding down would drop its last row and column (the image's
    bottom and right 4 px); the features change when only those pixels do."""
    torch.manual_seed(0)
    enc = build_encoder("minivgg", 28).eval()
    x = torch.randn(1, 3, 28, 28)
    edge = x.clone()
    edge[..., 25:, :] += 3.0
    assert not torch.equal(enc(x), enc(edge))
