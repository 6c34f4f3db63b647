"""Encoders h(.) by name: ``build_encoder("minivgg", image_size=32, ...)``.

Each encoder maps normalized (B,3,S,S) images to (B,F) features and knows F
(``out_features``) for its input size, so 64/128/224 MedMNIST+ inputs work.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from ..errors import DownloadError, InputError
from .heads import xavier_init

log = logging.getLogger(__name__)


class Encoder(nn.Module):
    """Base: ``forward`` gives flat features; ``out_features`` is their size."""

    name: str
    out_features: int


class MiniVGG(Encoder):
    """The paper's h(.): three Conv3x3 -> BN -> ReLU -> MaxPool2 blocks, 16/32/64 channels.

    At 32x32 the flattened output has 64 * 4 * 4 = 1024 features.
    """

    name = "minivgg"

    def __init__(self, image_size: int = 32, channels=(16, 32, 64)):
        super().__init__()
        if image_size % 8:
            raise InputError(f"data.image_size: minivgg needs a multiple of 8, got {image_size}")
        blocks, width = [], 3
        for c in channels:
            blocks += [nn.Conv2d(width, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            width = c
        self.features = nn.Sequential(*blocks)
        self.out_features = width * (image_size // 2 ** len(channels)) ** 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).flatten(1)


class EfficientNetB0(Encoder):
    """EfficientNet-B0 (efficientnet-pytorch) without its ImageNet classifier: 1280 pooled features."""

    name = "efficientnet_b0"
    out_features = 1280

    def __init__(self, image_size: int = 32, weights: str = "none", frozen_tensors: int = 0, xavier: bool = True):
        super().__init__()
        from efficientnet_pytorch import EfficientNet

        if weights == "imagenet":
            try:
                self.net = EfficientNet.from_pretrained("efficientnet-b0")
            except Exception as exc:  # offline: urllib errors, no silent fallback
                raise DownloadError(
                    "could not download the ImageNet weights of efficientnet-b0 "
                    f"({type(exc).__name__}: {exc}). Download them where you have a network "
                    "(EfficientNet.from_pretrained('efficientnet-b0') caches them under ~/.cache/torch), "
                    "save the state dict with torch.save(model.state_dict(), 'efficientnet-b0.pt'), and set "
                    "`encoders.efficientnet_b0.weights: /path/to/efficientnet-b0.pt`; or use `weights: none`."
                ) from exc
        else:
            self.net = EfficientNet.from_name("efficientnet-b0")
            if weights != "none":
                self._load_local(weights)
            elif xavier:  # only layers without pretrained weights get Xavier
                xavier_init(self.net)
        self.net._fc = nn.Identity()  # the ImageNet classifier is replaced by our heads
        self.freeze_bottom(frozen_tensors)

    def _load_local(self, path: str) -> None:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"encoders.efficientnet_b0.weights: {path} not found (expected a state-dict file)")
        state = torch.load(path, map_location="cpu", weights_only=True)
        state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
        missing, unexpected = self.net.load_state_dict(state, strict=False)
        missing = [k for k in missing if not k.startswith("_fc.")]
        if missing or unexpected:
            raise InputError(f"{path}: not an efficientnet-b0 state dict (missing {missing[:3]}, unexpected {unexpected[:3]})")
        log.info("loaded efficientnet-b0 weights from %s", path)

    def freeze_bottom(self, n: int) -> None:
        """Freeze the first ``n`` parameter tensors (the paper's text: 80; the authors' code: 150)."""
        params = list(self.net.parameters())
        if not 0 <= n <= len(params):
            raise InputError(f"encoders.efficientnet_b0.frozen_tensors: {n} outside [0, {len(params)}]")
        for p in params[:n]:
            p.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net._avg_pooling(self.net.extract_features(x)).flatten(1)


def _minivgg(image_size: int, xavier: bool = True) -> Encoder:
    enc = MiniVGG(image_size)
    if xavier:
        xavier_init(enc)
    return enc


def _efficientnet_b0(image_size: int, weights: str = "none", frozen_tensors: int = 0, xavier: bool = True) -> Encoder:
    return EfficientNetB0(image_size, weights, frozen_tensors, xavier)


ENCODERS: dict[str, Callable[..., Encoder]] = {"minivgg": _minivgg, "efficientnet_b0": _efficientnet_b0}


def build_encoder(name: str, image_size: int = 32, **cfg) -> Encoder:
    if name not in ENCODERS:
        raise InputError(f"encoder: unknown name {name!r}; expected one of {sorted(ENCODERS)}")
    return ENCODERS[name](image_size, **cfg)


def encoder_from_config(name: str, encoder_cfg: dict, image_size: int, architecture_only: bool = False) -> Encoder:
    """Build from a config block (``encoders.<name>``), skipping its head and training keys.

    ``architecture_only``: no weight download or init (the weights come from a checkpoint).
    """
    cfg = {k: v for k, v in encoder_cfg.items() if k not in ("head", "train_overrides")}
    if architecture_only:
        cfg["xavier"] = False
        if "weights" in cfg:
            cfg["weights"] = "none"
    return build_encoder(name, image_size, **cfg)
