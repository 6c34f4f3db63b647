import numpy as np
import torch

from cxrcontrast.data.balance import balanced_indices, class_balanced_weights
from cxrcontrast.data.tensors import model_input, resize_uint8, to_nchw


def skewed_labels():
    return np.repeat(np.arange(5), [500, 100, 40, 10, 2])


def test_weights_are_inverse_class_counts():
    w = class_balanced_weights(skewed_labels())
    assert w[0] == 1 / 500 and w[-1] == 1 / 2
    # each class carries the same total weight
    sums = torch.bincount(torch.as_tensor(skewed_labels()), weights=w)
    np.testing.assert_allclose(sums.numpy(), 1.0)


def test_balanced_indices_draw_classes_equally():
    labels = skewed_labels()
    idx = balanced_indices(labels, 50000, torch.Generator().manual_seed(0))
    freq = np.bincount(labels[idx.numpy()], minlength=5) / 50000
    np.testing.assert_allclose(freq, 0.2, atol=0.01)


def test_balanced_indices_seeded():
    labels = skewed_labels()
    a = balanced_indices(labels, 100, torch.Generator().manual_seed(1))
    b = balanced_indices(labels, 100, torch.Generator().manual_seed(1))
    c = balanced_indices(labels, 100, torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_balanced_indices_are_the_papers_weighted_random_sampler():
    """The paper's code drew with WeightedRandomSampler(1/count(class), n): the same indices for the same
    seed, which are also torch.multinomial's (the draw this module made before it used the sampler)."""
    from torch.utils.data import WeightedRandomSampler

    labels = skewed_labels()
    weights = 1.0 / torch.bincount(torch.as_tensor(labels))[labels].double()
    for seed, n in ((0, len(labels)), (7, 50), (3, 2000)):
        drawn = balanced_indices(labels, n, torch.Generator().manual_seed(seed))
        sampler = WeightedRandomSampler(weights, n, generator=torch.Generator().manual_seed(seed))
        assert drawn.dtype == torch.long and drawn.tolist() == list(sampler)
        assert torch.equal(drawn, torch.multinomial(weights, n, True, generator=torch.Generator().manual_seed(seed)))


def test_balanced_indices_continue_the_generator_as_the_sampler_does():
    """Successive draws from one generator (an epoch after another) are the sampler's successive passes."""
    from torch.utils.data import WeightedRandomSampler

    labels = skewed_labels()
    g = torch.Generator().manual_seed(5)
    epochs = [balanced_indices(labels, 100, g).tolist() for _ in range(3)]
    sampler = WeightedRandomSampler(class_balanced_weights(labels), 100, generator=torch.Generator().manual_seed(5))
    assert epochs == [list(sampler) for _ in range(3)]


def test_model_input_is_normalized_rgb():
    gray = np.array([[[0, 255], [128, 64]]], dtype=np.uint8)
    x = model_input(to_nchw(gray))
    assert x.shape == (1, 3, 2, 2) and x.dtype == torch.float32
    assert x[0, :, 0, 0].tolist() == [-1.0] * 3 and x[0, :, 0, 1].tolist() == [1.0] * 3
    assert torch.equal(x[0, 0], x[0, 2])


def test_resize_uint8():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    assert torch.equal(resize_uint8(img, 28)[:, 0], torch.from_numpy(img))
    up = resize_uint8(img, 32)
    assert up.shape == (3, 1, 32, 32) and up.dtype == torch.uint8
    flat = np.full((2, 64, 64, 3), 77, dtype=np.uint8)
    assert torch.all(resize_uint8(flat, 32) == 77) and resize_uint8(flat, 32).shape == (2, 3, 32, 32)
