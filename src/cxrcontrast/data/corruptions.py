"""The chest X-ray corruptions of MedMNIST-C (Di Salvo et al. 2024), at its five severities.

Reimplemented, not imported: the ``medmnistc`` package (0.1.0) imports Wand, which needs ImageMagick's
shared library at import time, pins medmnist 3.0.1 and scikit-image 0.23.2, and draws its noise from the
global NumPy state. The names and severity parameters are those of its registry
(``medmnistc/corruptions/registry.py``, ``CORRUPTIONS_DS['chestmnist']``); each operation follows its
class (PIL's ``ImageEnhance``, torchvision's ``adjust_gamma`` and ``gaussian_blur``, PIL's box resize
and JPEG, the noise formulas of ``noise.py``), with a seeded generator per (seed, corruption, severity).

Gray images go through the benchmark's own pipeline (``medmnistc/dataset_manager.py``, lines 119-124): the
gray image is made RGB, corrupted, and made gray again by PIL's ``convert('L')`` (integer weights
19595/38470/7471 of 65536, rounded). For the deterministic corruptions the three channels are equal, so
this changes nothing; the noises draw each channel independently, so the gray result averages three draws:
about 0.67x the noise SD of one draw, and impulse noise reaches up to 1 - (1 - amount)^3 of the pixels,
with values between black and white. MedMNIST-C corrupts the 224 px images; here the images are corrupted
at the size the dataset stores them (28 or 64 px), where the same parameters weigh more (an 11 px blur
kernel, a pixelation to 10% of the side).
"""

from __future__ import annotations

from io import BytesIO

import numpy as np
from PIL import Image, ImageEnhance

SEVERITIES = 5


def _pil(img: np.ndarray) -> Image.Image:
    return Image.fromarray(img, mode="L")


def _to_uint8(unit: np.ndarray) -> np.ndarray:
    """[0, 1] floats to bytes as MedMNIST-C does: truncated, not rounded."""
    return (np.clip(unit, 0, 1) * 255).astype(np.uint8)


def pixelate(img, factor, rng):
    pil = _pil(img)
    w, h = pil.size
    small = pil.resize((int(w * factor), int(h * factor)), Image.BOX)
    return np.asarray(small.resize((w, h), Image.BOX))


def jpeg_compression(img, quality, rng):
    buffer = BytesIO()
    _pil(img).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer))


def gaussian_noise(img, scale, rng):
    return _to_uint8(img / 255.0 + rng.normal(size=img.shape, scale=scale))


def speckle_noise(img, scale, rng):
    x = img / 255.0
    return _to_uint8(x + x * rng.normal(size=img.shape, scale=scale))


def impulse_noise(img, amount, rng):
    """Salt and pepper (scikit-image's ``random_noise(mode='s&p')``: half salt, half pepper)."""
    x = img / 255.0
    flip = rng.random(img.shape) < amount
    salt = rng.random(img.shape) < 0.5
    return _to_uint8(np.where(flip, salt.astype(float), x))


def shot_noise(img, photons, rng):
    return _to_uint8(rng.poisson(img / 255.0 * photons) / photons)


def through_rgb(noise):
    """``noise`` as the benchmark applies it to a gray image: on its RGB copy, each channel with its own draws,
    then back to gray with PIL's ``convert('L')`` (``dataset_manager.py``, lines 119-124)."""

    def on_gray(img, param, rng):
        rgb = np.repeat(img[..., None], 3, axis=2)
        return np.asarray(Image.fromarray(noise(rgb, param, rng)).convert("L"))

    on_gray.__name__ = noise.__name__
    return on_gray


def gaussian_blur(img, kernel, rng):
    import torch
    from torchvision.transforms.functional import gaussian_blur as blur

    return blur(torch.from_numpy(img)[None], kernel_size=kernel)[0].numpy()


def brightness(img, factor, rng):
    return np.asarray(ImageEnhance.Brightness(_pil(img)).enhance(factor))


def contrast(img, factor, rng):
    return np.asarray(ImageEnhance.Contrast(_pil(img)).enhance(factor))


def gamma(img, factor, rng):
    import torch
    from torchvision.transforms.functional import adjust_gamma

    return adjust_gamma(torch.from_numpy(img)[None], factor, gain=1)[0].numpy()


# name -> (operation, its parameter at severities 1..5), from MedMNIST-C's chestmnist registry
CORRUPTIONS = {
    "pixelate": (pixelate, (0.30, 0.25, 0.20, 0.15, 0.10)),
    "jpeg_compression": (jpeg_compression, (50, 30, 15, 10, 7)),
    "gaussian_noise": (through_rgb(gaussian_noise), (0.04, 0.08, 0.12, 0.18, 0.26)),
    "speckle_noise": (through_rgb(speckle_noise), (0.05, 0.15, 0.2, 0.35, 0.45)),
    "impulse_noise": (through_rgb(impulse_noise), (0.01, 0.03, 0.06, 0.09, 0.17)),
    "shot_noise": (through_rgb(shot_noise), (60, 25, 18, 10, 5)),
    "gaussian_blur": (gaussian_blur, (3, 5, 7, 9, 11)),
    "brightness_up": (brightness, (1.1, 1.2, 1.3, 1.4, 1.5)),
    "brightness_down": (brightness, (0.9, 0.8, 0.7, 0.6, 0.5)),
    "contrast_up": (contrast, (1.1, 1.2, 1.3, 1.4, 1.6)),
    "contrast_down": (contrast, (0.9, 0.8, 0.7, 0.6, 0.4)),
    "gamma_corr_up": (gamma, (1.1, 1.2, 1.3, 1.4, 1.6)),
    "gamma_corr_down": (gamma, (0.9, 0.8, 0.7, 0.6, 0.4)),
}


def corrupt(images: np.ndarray, name: str, severity: int, seed: int) -> np.ndarray:
    """uint8 (N,1,S,S) or (N,S,S) gray images corrupted by ``name`` at ``severity`` (1..5), image by image,
    the noise drawn from a generator of (seed, corruption, severity)."""
    operation, params = CORRUPTIONS[name]
    rng = np.random.default_rng([seed, list(CORRUPTIONS).index(name), severity])
    gray = images[:, 0] if images.ndim == 4 else images
    if images.ndim == 4 and images.shape[1] != 1:
        raise ValueError(f"corruptions of gray images only; got {images.shape[1]} channels")
    out = np.stack([operation(np.ascontiguousarray(img), params[severity - 1], rng) for img in gray])
    return out.astype(np.uint8).reshape(images.shape)
