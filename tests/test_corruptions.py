"""MedMNIST-C's chest X-ray corruptions, each against the definition of its parameter or medmnistc's own output."""

import numpy as np
import pytest
from PIL import Image

from cxrcontrast.data.corruptions import CORRUPTIONS, SEVERITIES, corrupt

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (6, 1, 28, 28)).astype(np.uint8)
GREY = np.full((4, 1, 64, 64), 128, np.uint8)


def test_the_registry_is_medmnist_cs_chest_registry():
    assert len(CORRUPTIONS) == 13 and all(len(p) == SEVERITIES for _, p in CORRUPTIONS.values())
    assert CORRUPTIONS["gaussian_blur"][1] == (3, 5, 7, 9, 11) and CORRUPTIONS["shot_noise"][1][-1] == 5


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_every_corruption_keeps_shape_and_is_seeded(name):
    a, b = corrupt(IMAGES, name, 3, seed=1), corrupt(IMAGES, name, 3, seed=1)
    assert a.shape == IMAGES.shape and a.dtype == np.uint8 and np.array_equal(a, b)
    if name.endswith("noise"):
        assert not np.array_equal(a, corrupt(IMAGES, name, 3, seed=2))


def test_pixelate_is_the_box_mean_of_blocks():
    """factor 0.25 of 28 px: 7 px, so every 4x4 block becomes its (rounded) mean."""
    out = corrupt(IMAGES, "pixelate", 2, seed=0)[:, 0]
    blocks = IMAGES[:, 0].reshape(6, 7, 4, 7, 4).astype(float).mean((2, 4))
    assert np.abs(out - np.repeat(np.repeat(blocks, 4, 1), 4, 2)).max() <= 1


def test_jpeg_loses_more_at_lower_quality():
    errors = [np.abs(corrupt(IMAGES, "jpeg_compression", s, 0).astype(int) - IMAGES).mean() for s in (1, 3, 5)]
    assert 0 < errors[0] < errors[1] < errors[2]


# MedMNIST-C's four noises, written here from the formulas of medmnistc 0.1.0 (medmnistc/corruptions/noise.py:
# the ``apply`` of GaussianNoise, ImpulseNoise, SpeckleNoise and ShotNoise, severity given, no augmentation),
# not copied: on x = image / 255, gaussian clip(x + N(0, c)), speckle clip(x + x N(0, c)), shot
# clip(Poisson(x c) / c), impulse scikit-image's salt-and-pepper of amount c; back to bytes by truncation.
# medmnistc draws from the global ``np.random`` that ``seed_everything`` seeds (utils/utils.py): here a
# ``RandomState``; impulse noise takes the generator ``dataset_manager.py`` hands it.
def _to_bytes(unit):
    return (np.clip(unit, 0, 1) * 255).astype(np.uint8)


def medmnistc_gaussian(img, c, random):
    x = np.asarray(img, float) / 255
    return _to_bytes(x + random.normal(scale=c, size=x.shape))


def medmnistc_impulse(img, c, rng):
    from skimage.util import random_noise

    return _to_bytes(random_noise(np.asarray(img, float) / 255, mode="s&p", amount=c, rng=rng))


def medmnistc_speckle(img, c, random):
    x = np.asarray(img, float) / 255
    return _to_bytes(x * (1 + random.normal(scale=c, size=x.shape)))


def medmnistc_shot(img, photons, random):
    x = np.asarray(img, float) / 255
    return _to_bytes(random.poisson(x * photons) / photons)


MEDMNISTC_NOISES = {
    "gaussian_noise": (medmnistc_gaussian, "GaussianNoise"),
    "impulse_noise": (medmnistc_impulse, "ImpulseNoise"),
    "speckle_noise": (medmnistc_speckle, "SpeckleNoise"),
    "shot_noise": (medmnistc_shot, "ShotNoise"),
}


def medmnistc_pipeline(images, apply):
    """dataset_manager.py lines 116-126 for a gray dataset (DATASET_RGB['chestmnist'] is False): each image
    made RGB, corrupted, made gray again by PIL."""
    return np.stack(
        [np.array(Image.fromarray(apply(Image.fromarray(img).convert("RGB"))).convert("L")) for img in images]
    )


def medmnistc_noisy(name, images, severity, seed):
    noise, _ = MEDMNISTC_NOISES[name]
    param = CORRUPTIONS[name][1][severity - 1]
    random = np.random.default_rng(seed) if name == "impulse_noise" else np.random.RandomState(seed)
    return medmnistc_pipeline(images, lambda img: noise(img, param, random))


def differ_beyond_sampling(a: np.ndarray, b: np.ndarray, standard_errors: float = 5.0) -> list[str]:
    """The statistics of two independent samples of pixels (mean, variance, share changed from mid-grey) that
    differ by more than ``standard_errors`` standard errors of their difference, each error estimated from
    its sample's size and moments: the tolerance follows the sample, not a machine."""
    out = []
    for stat, value, se2 in (
        ("mean", lambda x: x.mean(), lambda x: x.var() / x.size),
        ("variance", lambda x: x.var(), lambda x: (((x - x.mean()) ** 4).mean() - x.var() ** 2) / x.size),
        ("changed", lambda x: (x != 128).mean(), lambda x: (x != 128).mean() * (x == 128).mean() / x.size),
    ):
        x, y = a.astype(float).ravel(), b.astype(float).ravel()
        if abs(value(x) - value(y)) > standard_errors * np.sqrt(se2(x) + se2(y)):
            out.append(f"{stat}: {value(x):.4g} vs medmnistc's {value(y):.4g}")
    return out


MID_GREY = np.full((16, 64, 64), 128, np.uint8)  # 65,536 pixels, each noised independently


@pytest.mark.parametrize("severity", [1, 3, 5])
@pytest.mark.parametrize("name", sorted(MEDMNISTC_NOISES))
def test_noise_of_a_grey_image_is_distributed_as_medmnistcs(name, severity):
    """The benchmark corrupts a gray image's three RGB channels independently and converts back: its gray
    noise averages three draws (gaussian SD at severity 5: 42, where one draw gives 63)."""
    ours = corrupt(MID_GREY, name, severity, seed=0)
    theirs = medmnistc_noisy(name, MID_GREY, severity, seed=1)
    assert differ_beyond_sampling(ours, theirs) == []


def test_the_reference_is_medmnistcs_own_code(monkeypatch):
    """The copies above against the classes of the medmnistc wheel (``pip download --no-deps medmnistc==0.1.0``;
    path in MEDMNISTC_WHEEL), its ``noise.py`` loaded without the package (whose import needs Wand): the same
    seed gives the same bytes."""
    import os
    import sys
    import types
    import zipfile

    wheel = os.environ.get("MEDMNISTC_WHEEL")
    if not wheel:
        pytest.skip("set MEDMNISTC_WHEEL to medmnistc-0.1.0-py3-none-any.whl to compare with its own code")
    base = types.ModuleType("medmnistc_noise_only.base")
    base.BaseCorruption = type("BaseCorruption", (), {"__init__": lambda self, p: setattr(self, "severity_params", p)})
    package = types.ModuleType("medmnistc_noise_only")
    package.__path__ = []
    monkeypatch.setitem(sys.modules, "medmnistc_noise_only", package)
    monkeypatch.setitem(sys.modules, "medmnistc_noise_only.base", base)
    noise = types.ModuleType("medmnistc_noise_only.noise")
    noise.__package__ = "medmnistc_noise_only"
    exec(zipfile.ZipFile(wheel).read("medmnistc/corruptions/noise.py"), noise.__dict__)
    for name, (_, cls) in MEDMNISTC_NOISES.items():
        corruptor = getattr(noise, cls)(list(CORRUPTIONS[name][1]))
        for severity in (1, 3, 5):
            np.random.seed(7)  # the global state medmnistc draws from
            corruptor.rng = np.random.default_rng(7)
            theirs = medmnistc_pipeline(MID_GREY[:2], lambda img, c=corruptor, s=severity: c.apply(img, s - 1))
            assert np.array_equal(theirs, medmnistc_noisy(name, MID_GREY[:2], severity, seed=7)), (name, severity)


def test_gaussian_blur_is_torchvisions_kernel_of_that_size():
    """An impulse blurred with kernel k: the outer product of the normalized Gaussian of sigma
    0.3 ((k - 1) / 2 - 1) + 0.8 (torchvision's default for a kernel size)."""
    impulse = np.zeros((1, 1, 31, 31), np.uint8)
    impulse[0, 0, 15, 15] = 255
    for severity, k in enumerate(CORRUPTIONS["gaussian_blur"][1], start=1):
        sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8
        g = np.exp(-0.5 * (np.arange(k) - k // 2) ** 2 / sigma**2)
        g /= g.sum()
        expected = np.zeros((31, 31))
        expected[15 - k // 2 : 16 + k // 2, 15 - k // 2 : 16 + k // 2] = 255 * np.outer(g, g)
        assert np.abs(corrupt(impulse, "gaussian_blur", severity, 0)[0, 0] - expected).max() <= 1


def test_brightness_contrast_and_gamma_follow_their_formulas():
    """PIL's Brightness scales, its Contrast scales around the image's rounded mean, gamma maps x to x^g."""
    x = IMAGES[:1].astype(float)
    mean = int(x.mean() + 0.5)
    formulas = {
        "brightness_up": lambda f: x * f,
        "brightness_down": lambda f: x * f,
        "contrast_up": lambda f: mean + f * (x - mean),
        "contrast_down": lambda f: mean + f * (x - mean),
        "gamma_corr_up": lambda f: 255 * (x / 255) ** f,
        "gamma_corr_down": lambda f: 255 * (x / 255) ** f,
    }
    for name, formula in formulas.items():
        expected = np.clip(formula(CORRUPTIONS[name][1][4]), 0, 255)
        assert np.abs(corrupt(IMAGES[:1], name, 5, 0) - expected).max() <= 1, name


def test_the_corrupt_stage_writes_every_copy_and_none_of_rgb(tmp_path):
    from cxrcontrast.files import load_npz, save_npz
    from cxrcontrast.stages.corrupt import run_corrupt

    params = {"corruptions": ["pixelate", "shot_noise"], "severities": [5, 1]}
    save_npz(tmp_path / "gray.npz", images=IMAGES[:, 0], labels=np.arange(6) % 2, index=np.arange(6) + 10)
    run_corrupt(str(tmp_path / "gray.npz"), str(tmp_path / "out.npz"), params, seed=3)
    out = load_npz(tmp_path / "out.npz")
    assert out["images"].shape == (4, 6, 1, 28, 28) and out["index"].tolist() == list(range(10, 16))
    assert out["corruption"].tolist() == ["pixelate", "pixelate", "shot_noise", "shot_noise"]
    assert out["severity"].tolist() == [1, 5, 1, 5]
    assert np.array_equal(out["images"][3], corrupt(IMAGES, "shot_noise", 5, seed=3))
    rgb = np.repeat(IMAGES[:, 0, :, :, None], 3, axis=3)
    save_npz(tmp_path / "rgb.npz", images=rgb, labels=np.arange(6) % 2, index=np.arange(6))
    run_corrupt(str(tmp_path / "rgb.npz"), str(tmp_path / "none.npz"), params, seed=3)
    assert len(load_npz(tmp_path / "none.npz")["corruption"]) == 0


def test_relative_drops_and_their_means():
    from sklearn.metrics import balanced_accuracy_score

    from cxrcontrast.evaluation.robustness import corruption_scores

    rng = np.random.default_rng(1)
    labels = np.arange(200) % 4
    clean_probs = np.eye(4)[labels] * 0.6 + 0.1
    copies = {1: clean_probs, 2: np.eye(4)[rng.integers(0, 4, 200)] * 0.6 + 0.1}  # severity 2: guessing
    corrupted = {
        "images": np.array([[1], [2]]),
        "corruption": np.array(["a", "a"]),
        "severity": np.array([1, 2]),
        "labels": labels,
    }
    clean = {"auc_macro": 1.0, "balanced_accuracy": 1.0}
    out = corruption_scores(lambda copy: copies[int(copy[0])], corrupted, clean)
    guess = balanced_accuracy_score(labels, copies[2].argmax(1))
    assert out["scores"][0]["drop_balanced_accuracy"] == 0
    assert out["scores"][1]["drop_balanced_accuracy"] == pytest.approx(1 - guess)
    assert out["corruption_drop_balanced_accuracy"] == pytest.approx((1 - guess) / 2)
    assert out["by_severity"]["2"]["balanced_accuracy"] == pytest.approx(1 - guess)


def test_an_unknown_corruption_is_refused_by_the_config_check():
    from conftest import config

    from cxrcontrast.errors import InputError

    with pytest.raises(InputError, match=r"evaluate.corruptions\[1\]: 'fog' is not one of \['pixelate'"):
        config(evaluate={"corruptions": ["pixelate", "fog"]})


def test_copies_of_another_test_split_are_refused(tmp_path):
    import torch

    from cxrcontrast.data.images import InMemoryImages
    from cxrcontrast.errors import InputError
    from cxrcontrast.files import save_npz
    from cxrcontrast.stages.evaluate import scores_under_corruption

    save_npz(
        tmp_path / "c.npz",
        images=IMAGES[None],
        corruption=np.array(["pixelate"]),
        severity=np.array([1]),
        labels=np.zeros(6, int),
        index=np.arange(6),
    )
    test = InMemoryImages(torch.from_numpy(IMAGES), torch.zeros(6, dtype=torch.long), torch.arange(6) + 100)
    with pytest.raises(InputError, match=r"c.npz: not the corrupted copies of this test split"):
        scores_under_corruption(None, str(tmp_path / "c.npz"), test, 28, "cpu", {})
