"""MedMNIST-C's chest X-ray corruptions, each against the definition of its parameter."""

import numpy as np
import pytest

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


@pytest.mark.parametrize("severity", [1, 5])
def test_gaussian_and_speckle_noise_have_the_stated_scale(severity):
    for name, sd in (("gaussian_noise", 1.0), ("speckle_noise", 128 / 255)):
        scale = CORRUPTIONS[name][1][severity - 1]
        residual = corrupt(GREY, name, severity, 0).astype(float) - 128
        assert np.std(residual) == pytest.approx(255 * scale * sd, rel=0.05)


def test_impulse_noise_flips_the_stated_share_to_black_or_white():
    out = corrupt(GREY, "impulse_noise", 5, 0)
    flipped = out != 128
    assert flipped.mean() == pytest.approx(0.17, abs=0.01)
    assert set(np.unique(out[flipped])) == {0, 255} and (out[flipped] == 255).mean() == pytest.approx(0.5, abs=0.03)


def test_shot_noise_is_poisson_with_the_stated_photon_count():
    photons = CORRUPTIONS["shot_noise"][1][2]
    out = corrupt(GREY, "shot_noise", 3, 0).astype(float) / 255
    x = 128 / 255
    assert out.mean() == pytest.approx(x, abs=0.01)  # truncation to bytes costs at most 1/255
    assert out.var() == pytest.approx(x / photons, rel=0.05)


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
