"""Encoders h(.) by name: ``build_encoder("minivgg", image_size=32, xavier=True)``.

Each encoder maps normalized (B,3,S,S) images to (B,F) features and knows F
(``out_features``) for its input size, so 28 px and the 64/128/224 MedMNIST+ inputs work.
The keyword arguments of each builder are exactly the keys of its
``encoders.<name>`` block that shape the encoder (its "architecture" slice).
"""

from __future__ import annotations

import logging

import torch
from torch import nn

from ..errors import InputError
from .encoder_base import Encoder
from .init import xavier_init
from .torchvision_encoders import TORCHVISION_ENCODERS
from .weights import cached_imagenet_file, load_state_dict

log = logging.getLogger(__name__)


class MiniVGG(Encoder):
    """The paper's h(.): three Conv3x3 -> BN -> ReLU -> MaxPool2 blocks, 16/32/64 channels.

    At 32x32 the flattened output has 64 * 4 * 4 = 1024 features. The pools round up (``ceil_mode``) so that
    an odd map keeps its last row and column (28 px: 28 -> 14 -> 7 -> 4, also 1024 features) instead of
    dropping the image's border; on even maps (32, 64, 128 px) that is the same pooling as rounding down.
    """

    name = "minivgg"
    channels = (16, 32, 64)

    def __init__(self, image_size: int = 32, xavier: bool = True):
        super().__init__()
        if image_size < 2 ** len(self.channels):
            raise InputError(f"data.image_size: minivgg needs at least {2 ** len(self.channels)} px, got {image_size}")
        blocks, width, side = [], 3, image_size
        for c in self.channels:
            pool = nn.MaxPool2d(2, ceil_mode=True)
            blocks += [nn.Conv2d(width, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(inplace=True), pool]
            width, side = c, -(-side // 2)
        self.features = nn.Sequential(*blocks)
        self.out_features = width * side**2
        if xavier:
            xavier_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).flatten(1)


class EfficientNetB0(Encoder):
    """EfficientNet-B0 (efficientnet-pytorch).

    ``features: pooled`` gives the 1280 pooled features (the ImageNet classifier removed);
    ``features: imagenet_logits`` keeps the ImageNet classifier and gives its 1000 logits,
    which is what the authors' heads read (``h = self.backbone(x)``).
    """

    name = "efficientnet_b0"

    def __init__(
        self,
        image_size: int = 32,
        weights: str = "none",
        frozen_tensors: int = 0,
        xavier: bool = True,
        features: str = "pooled",
    ):
        super().__init__()
        from efficientnet_pytorch import EfficientNet

        # architecture only (weights below, never unpickled). The "same" padding of each strided convolution
        # is fixed for the input size given. The library's default, 224 px, pads every strided map as an even
        # one: right for 32/64/128 px inputs (even down to the last stride, so their numerics are the same
        # either way), but a 28 px input reaches an odd 7 px map, is under-padded there and shrinks to 1 px
        # before the last strided 5x5 kernel, which then does not fit.
        self.net = EfficientNet.from_name("efficientnet-b0", image_size=image_size)
        if weights == "imagenet":
            self._load(cached_imagenet_file("efficientnet-b0"))
        elif weights != "none":
            self._load(weights)
        elif xavier:  # only layers without pretrained weights get Xavier
            xavier_init(self.net)
        self.pooled = features == "pooled"
        if self.pooled:
            self.net._fc = nn.Identity()  # the ImageNet classifier is replaced by our heads
        self.out_features = 1280 if self.pooled else 1000
        self.freeze_bottom(frozen_tensors)

    def _load(self, path) -> None:
        state = load_state_dict(path, "efficientnet-b0")
        missing, unexpected = self.net.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise InputError(
                f"{path}: not an efficientnet-b0 state dict (missing {missing[:3]}, unexpected "
                f"{unexpected[:3]}); give the right file"
            )
        log.info("loaded efficientnet-b0 weights from %s", path)

    def freeze_bottom(self, n: int) -> None:
        """Freeze the first ``n`` parameter tensors (the paper's text: 80; the authors' code: 150)."""
        params = list(self.net.parameters())
        if not 0 <= n <= len(params):
            raise InputError(f"encoders.efficientnet_b0.frozen_tensors: {n} outside [0, {len(params)}]")
        for p in params[:n]:
            p.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pooled:
            return self.net._avg_pooling(self.net.extract_features(x)).flatten(1)
        return self.net(x)


ENCODERS: dict[str, type[Encoder]] = {"minivgg": MiniVGG, "efficientnet_b0": EfficientNetB0, **TORCHVISION_ENCODERS}


def build_encoder(name: str, image_size: int = 32, **architecture) -> Encoder:
    if name not in ENCODERS:
        raise InputError(f"encoder: unknown name {name!r}; expected one of {sorted(ENCODERS)}")
    return ENCODERS[name](image_size, **architecture)


def build_architecture(name: str, image_size: int, architecture: dict) -> Encoder:
    """The encoder's layers only, for weights that a checkpoint then supplies: no download, no init."""
    shape = {**architecture, "xavier": False}
    if "weights" in shape:
        shape["weights"] = "none"
    return build_encoder(name, image_size, **shape)
