import dataclasses
import math

import numpy as np
import pytest
import torch
from conftest import config

from cxrcontrast.data.augment import AugmentParams, affine_matrices, augment_batch, augment_uint8, sample_affine, warp

PAPER = AugmentParams.from_config(config("config.yaml").augment())  # the schema's values: the paper's


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def images(n=16, size=32, channels=1, seed=0):
    return torch.randint(0, 256, (n, channels, size, size), generator=gen(seed), dtype=torch.uint8)


def test_shape_dtype_and_range():
    x = images(channels=3).float() / 255
    y = augment_batch(x, PAPER, gen())
    assert y.shape == x.shape and y.dtype == torch.float32
    assert y.min() >= 0 and y.max() <= 1
    assert augment_batch(x, PAPER, gen(), out_size=24).shape == (16, 3, 24, 24)
    u8 = augment_uint8(images(), PAPER, seed=1, chunk=5)
    assert u8.shape == (16, 1, 32, 32) and u8.dtype == torch.uint8


def test_same_seed_same_output_other_seed_differs():
    x = images()
    a, b = augment_uint8(x, PAPER, seed=3), augment_uint8(x, PAPER, seed=3)
    assert torch.equal(a, b)
    assert not torch.equal(a, augment_uint8(x, PAPER, seed=4))


def test_chunking_does_not_change_result():
    x = images(n=20)
    assert torch.equal(augment_uint8(x, PAPER, seed=7, chunk=6), augment_uint8(x, PAPER, seed=7, chunk=64))


def test_zero_magnitudes_give_identity():
    none = dataclasses.replace(PAPER, upscale=300, crop=300, rotation_deg=0, translate=0)
    x = images(channels=3)
    assert torch.equal(augment_uint8(x, none, seed=0), x)


def test_parameter_bounds():
    p = sample_affine(20000, PAPER, gen())
    s = PAPER.crop / PAPER.upscale
    assert torch.all(p["scale"] == s)
    assert p["centre"].abs().max() <= 1 - s + 1e-12
    assert p["angle"].abs().max() <= math.radians(5) + 1e-12
    assert p["angle"].abs().max() > math.radians(4.9)  # the whole range is used
    assert p["shift"].abs().max() <= 0.2 + 1e-12  # 10% of the size = 0.2 normalized units


def brute_force_theta(scale, centre, angle, shift):
    """Forward chain crop -> rotate -> shift as 3x3 matrices, inverted numerically."""
    crop = np.array([[1 / scale[0], 0, -centre[0] / scale[0]], [0, 1 / scale[1], -centre[1] / scale[1]], [0, 0, 1]])
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    move = np.array([[1, 0, shift[0]], [0, 1, shift[1]], [0, 0, 1]])
    return np.linalg.inv(move @ rot @ crop)[:2]


@pytest.mark.parametrize("authors", [False, True])
def test_matrices_match_brute_force_composition(authors):
    p = sample_affine(50, dataclasses.replace(PAPER, authors_resized_crop=authors), gen(5))
    theta = affine_matrices(p).numpy()
    for i in range(50):
        ref = brute_force_theta(
            p["scale"][i].numpy(), p["centre"][i].numpy(), float(p["angle"][i]), p["shift"][i].numpy()
        )
        np.testing.assert_allclose(theta[i], ref, atol=1e-10)


def test_authors_resized_crop_stays_inside_the_crop():
    p = sample_affine(5000, dataclasses.replace(PAPER, authors_resized_crop=True), gen(2))
    s = 250 / 300
    assert torch.all(p["scale"] <= s + 1e-12) and p["scale"].min() < 0.4 * s
    # the sampled window never leaves the 250 crop's window
    assert torch.all(p["centre"].abs() + p["scale"] <= 1 + 1e-9)


def test_rotation_bound_measured_on_an_image():
    """A bright dot off the centre moves by at most 5 degrees around it."""
    size = 64
    x = torch.zeros(1, 1, size, size)
    x[0, 0, 32, 52] = 1.0  # on the horizontal axis, right of centre
    rotate_only = dataclasses.replace(PAPER, upscale=300, crop=300, rotation_deg=5, translate=0)
    p = sample_affine(400, rotate_only, gen(9))
    out = warp(x.expand(400, 1, size, size).contiguous(), affine_matrices(p))
    coords = (torch.arange(size) + 0.5) / size * 2 - 1
    mass = out[:, 0].sum((1, 2))
    cy = (out[:, 0].sum(2) * coords).sum(1) / mass
    cx = (out[:, 0].sum(1) * coords).sum(1) / mass
    measured = torch.rad2deg(torch.atan2(cy, cx) - math.atan2(coords[32], coords[52]))
    assert measured.abs().max() <= 5.2
    assert measured.abs().max() >= 4.0
    np.testing.assert_allclose(measured.abs().numpy(), np.degrees(p["angle"].abs().numpy()), atol=0.6)


def test_invalid_parameters_rejected():
    with pytest.raises(ValueError, match="augment.crop"):
        dataclasses.replace(PAPER, crop=400)
    with pytest.raises(ValueError, match="augment.translate"):
        dataclasses.replace(PAPER, translate=1.5)


def test_sampling_grid_equals_affine_grid():
    import torch.nn.functional as F

    from cxrcontrast.data.augment import sampling_grid

    theta = affine_matrices(sample_affine(7, dataclasses.replace(PAPER, authors_resized_crop=True), gen(1))).float()
    ref = F.affine_grid(theta, [7, 1, 32, 32], align_corners=False)
    torch.testing.assert_close(sampling_grid(theta, 32), ref, atol=1e-6, rtol=0)


def test_identity_warp_to_another_size_is_a_bilinear_resize():
    import torch.nn.functional as F

    x = images(n=3, size=28).float() / 255
    identity = torch.eye(2, 3).expand(3, 2, 3)
    ref = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
    # interior only: on the outermost ring, resize replicates the border, the warp fills black
    torch.testing.assert_close(warp(x, identity, 32)[..., 1:-1, 1:-1], ref[..., 1:-1, 1:-1], atol=1e-5, rtol=0)
