"""The field's encoders from torchvision: ResNet-18/50, DenseNet-121, ViT-B/16 (no new dependency).

How each takes MedMNIST's 28-224 px inputs:

- ResNets, as MedMNIST's own experiments (MedMNIST/experiments, MedMNIST2D/models.py and
  train_and_eval_pytorch.py): below 64 px the 28-px stem of their ``ResNet18``/``ResNet50``
  (a 3x3 stride-1 first convolution, no max-pool; the blocks are torchvision's, the same shapes);
  at 64 px and up torchvision's own 7x7 stride-2 stem and max-pool. Global average pooling
  makes the features independent of the input size. With ``pad_to: 224`` (config/medmnist_plus.yaml)
  as MedMNIST+ takes every backbone: torchvision's stem at every size, inputs zero-padded to 224 px.
- DenseNet-121 and ViT-B/16, as MedMNIST+ (Doerrich et al. 2024, sdoerrich97/
  rethinking-model-prototyping-MedMNISTPlus @ b34dfc5, train.py lines 285-293 and evaluate.py lines 221-229:
  ``transforms.Pad`` after ``Normalize``, fill 0, for every architecture they train):
  inputs smaller than 224 px are zero-padded, centred, to 224 px. DenseNet-121's four stride-2 stages
  cannot take 28 px (the map reaches 0 px) and ViT-B/16's position embeddings are for 224 px.

ImageNet weights are torchvision's official IMAGENET1K_V1 files, fetched and checked by weights.py
(SHA-256 prefix of the file name, ``weights_only`` load), never through torchvision's own loader.
"""

from __future__ import annotations

import logging
import re

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import InputError
from .encoder_base import Encoder
from .init import xavier_init
from .weights import cached_imagenet_file, load_state_dict

log = logging.getLogger(__name__)

MEDMNIST_STEM_BELOW = 64  # MedMNIST's 28-px stem below this side, torchvision's from it up
PAD_TO = 224  # MedMNIST+'s input side for DenseNet-121 and ViT-B/16

# torchvision's DenseNet files predate its module names: "norm.1" there is "norm1" here (torchvision renames
# them the same way when it loads them)
DENSENET_OLD_KEY = re.compile(
    r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var|num_batches_tracked))$"
)


class TorchvisionEncoder(Encoder):
    """A torchvision backbone without its ImageNet classifier; ``weights: none | imagenet | <path>``."""

    name: str
    out_features: int
    pad_to: int = 0  # 0: the input as it is; else zero-padded (centred) to this side

    def __init__(self, image_size: int = 32, weights: str = "none", xavier: bool = True, pad_to: int | None = None):
        super().__init__()
        self.image_size = image_size
        if pad_to is not None:  # the config's encoders.<name>.pad_to (ResNets); else the class's own
            self.pad_to = pad_to
        self.net = self.make(image_size)
        if weights == "imagenet":
            self._load(cached_imagenet_file(self.name))
        elif weights != "none":
            self._load(weights)
        elif xavier:  # only layers without pretrained weights get Xavier (the paper's text)
            xavier_init(self.net)
        self.drop_classifier()

    def make(self, image_size: int) -> nn.Module:
        raise NotImplementedError

    def drop_classifier(self) -> None:
        raise NotImplementedError

    def rename(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return state

    def _load(self, path) -> None:
        state = self.rename(load_state_dict(path, self.name))
        own = self.net.state_dict()
        # files older than BatchNorm's counter lack it (torchvision's own DenseNet file): it starts at 0
        missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")]
        unexpected = [k for k in state if k not in own]
        if missing or unexpected:
            raise InputError(
                f"{path}: not a {self.name} state dict (missing {missing[:3]}, unexpected {unexpected[:3]}); "
                "give the right file"
            )
        for key, tensor in state.items():
            if tensor.shape != own[key].shape:
                raise InputError(
                    f"{path}: {key} has shape {tuple(tensor.shape)}, the {self.image_size} px {self.name} expects "
                    f"{tuple(own[key].shape)}{self.shape_hint()}"
                )
        self.net.load_state_dict(state, strict=False)  # strict above, counters apart
        log.info("loaded %s weights from %s", self.name, path)

    def shape_hint(self) -> str:
        return ""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        side = x.shape[-1]
        if self.pad_to and side < self.pad_to:
            # zero after normalisation, as MedMNIST+ pads: the image centred, the odd pixel right and bottom
            low = (self.pad_to - side) // 2
            high = self.pad_to - side - low
            x = F.pad(x, (low, high, low, high))
        return self.net(x)


class ResNet(TorchvisionEncoder):
    """torchvision's ResNet; below 64 px with MedMNIST's 28-px stem (3x3 stride-1 conv, no max-pool), unless
    its inputs are padded to 224 px (``pad_to``, MedMNIST+'s way), where torchvision's stem takes them."""

    def make(self, image_size: int) -> nn.Module:
        net = self.build()
        if image_size < MEDMNIST_STEM_BELOW and not self.pad_to:
            net.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
            net.maxpool = nn.Identity()
        return net

    def drop_classifier(self) -> None:
        self.net.fc = nn.Identity()  # our heads replace the ImageNet classifier

    def shape_hint(self) -> str:
        return (
            f"; ImageNet weights fit torchvision's 7x7 stem, used from {MEDMNIST_STEM_BELOW} px; below it the "
            f"stem is MedMNIST's 3x3: use weights: none there, or pad_to: {PAD_TO} (MedMNIST+'s way)"
        )


class ResNet18(ResNet):
    name, out_features = "resnet18", 512

    def build(self) -> nn.Module:
        from torchvision.models import resnet18  # torchvision loads only when a model is built

        return resnet18()


class ResNet50(ResNet):
    name, out_features = "resnet50", 2048

    def build(self) -> nn.Module:
        from torchvision.models import resnet50

        return resnet50()


class DenseNet121(TorchvisionEncoder):
    name, out_features, pad_to = "densenet121", 1024, PAD_TO

    def make(self, image_size: int) -> nn.Module:
        from torchvision.models import densenet121

        return densenet121()

    def drop_classifier(self) -> None:
        self.net.classifier = nn.Identity()

    def rename(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {DENSENET_OLD_KEY.sub(r"\1\2", k): v for k, v in state.items()}


class ViTB16(TorchvisionEncoder):
    """ViT-B/16 at 224 px; its features are the class token's (768)."""

    name, out_features, pad_to = "vit_b_16", 768, PAD_TO

    def make(self, image_size: int) -> nn.Module:
        if image_size > PAD_TO:
            raise InputError(f"data.image_size: vit_b_16 takes at most {PAD_TO} px, got {image_size}")
        from torchvision.models import vit_b_16

        return vit_b_16()

    def drop_classifier(self) -> None:
        self.net.heads = nn.Identity()


TORCHVISION_ENCODERS: dict[str, type[Encoder]] = {cls.name: cls for cls in (ResNet18, ResNet50, DenseNet121, ViTB16)}
