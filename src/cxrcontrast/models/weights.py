"""Pretrained ImageNet weights, fetched and loaded by this project's code, never unpickled.

efficientnet-pytorch's ``from_pretrained`` loads its cache with ``torch.load`` (pickle), so a
file planted in the torch hub cache under the official name would run code. Here the file is
checked against the SHA-256 prefix in its official name (as torch hub checks downloads) and then
read with ``weights_only=True``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import torch

from ..errors import DownloadError, InputError
from ..files import file_digest, safe_torch_load

log = logging.getLogger(__name__)

# torchvision's: the IMAGENET1K_V1 urls of its weight enums (ResNet18_Weights, ResNet50_Weights, ...)
TORCHVISION = "https://download.pytorch.org/models/"
IMAGENET_URLS = {
    "efficientnet-b0": "https://github.com/lukemelas/EfficientNet-PyTorch/releases/download/1.0/efficientnet-b0-355c32eb.pth",
    "resnet18": TORCHVISION + "resnet18-f37072fd.pth",
    "resnet50": TORCHVISION + "resnet50-0676ba61.pth",
    "densenet121": TORCHVISION + "densenet121-a639ec97.pth",
    "vit_b_16": TORCHVISION + "vit_b_16-c867db91.pth",
}


def how_to(name: str) -> str:
    """What to do without a network (the config key of ``name``'s weights)."""
    file, key = IMAGENET_URLS[name].rsplit("/", 1)[-1], name.replace("-", "_")
    return (
        f"Download it where you have a network, check its SHA-256, and set "
        f"`encoders.{key}.weights: /path/to/{file}`; or use `weights: none`."
    )


def hash_prefix(url: str) -> str:
    """The SHA-256 prefix torch hub puts in a file name: ``name-<hex>.pth``."""
    return re.search(r"-([0-9a-f]{8,})\.", url.rsplit("/", 1)[-1]).group(1)


def cached_imagenet_file(name: str) -> Path:
    """The official weights file in the torch hub cache, downloaded if missing, its hash checked."""
    url = IMAGENET_URLS[name]
    expected = hash_prefix(url)
    target = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        log.info("downloading the ImageNet weights of %s from %s", name, url)
        try:  # torch hub checks the hash prefix before moving the file into place
            torch.hub.download_url_to_file(url, str(target), hash_prefix=expected, progress=False)
        except Exception as exc:  # offline: URLError; no silent fallback
            raise DownloadError(
                f"could not download the ImageNet weights of {name} from {url} ({type(exc).__name__}: {exc}). "
                f"{how_to(name)}"
            ) from exc
    if not file_digest(target).startswith(expected):
        raise InputError(
            f"{target}: its SHA-256 does not start with {expected}, the hash in the official file "
            f"name: not the official {name} weights (corrupt or planted); refused, nothing loaded. "
            f"Delete it to download it again. {how_to(name)}"
        )
    return target


def load_state_dict(path: str | Path, name: str) -> dict[str, torch.Tensor]:
    """A state dict of tensors from ``path`` (``weights_only``), or one clear error naming the file."""
    article = "an" if name[0] in "aeiou" else "a"
    what = f"not {article} {name} state dict (corrupt, truncated or another kind of file); give the right file"
    state = safe_torch_load(path, what)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError(f"{path}: {what}")
    return state
