import numpy as np
import pytest

from cxrcontrast.data.medmnist_format import MULTI_LABEL
from cxrcontrast.data.prune import prune_labels
from cxrcontrast.data.synthetic import N_FINDINGS, synthesize


def test_same_seed_same_bytes_other_seed_differs():
    a = synthesize(300, 60, 60, seed=4)
    b = synthesize(300, 60, 60, seed=4)
    c = synthesize(300, 60, 60, seed=5)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["train_images"], c["train_images"])


def test_medmnist_layout_and_label_mix():
    d = synthesize(2000, 100, 100, size=28, seed=0)
    assert d["train_images"].shape == (2000, 28, 28) and d["train_images"].dtype == np.uint8
    assert d["train_labels"].shape == (2000, 14) and set(np.unique(d["train_labels"])) == {0, 1}
    positives = d["train_labels"].sum(1)
    assert 0.5 < np.mean(positives == 0) < 0.6  # about 55% Normal
    assert np.mean(positives > 1) > 0.05  # multi-label rows that pruning drops
    _, classes = prune_labels(d["train_labels"], MULTI_LABEL)
    assert np.bincount(classes, minlength=N_FINDINGS + 1).min() >= 2


def test_classes_differ_in_their_images():
    """Class-dependent structure: mean images of two findings differ beyond noise."""
    d = synthesize(3000, 100, 100, seed=1)
    keep, classes = prune_labels(d["train_labels"], MULTI_LABEL)
    imgs = d["train_images"][keep].astype(float)
    normal = imgs[classes == 0].mean(0)
    for k in (3, 5, 8):  # effusion, mass, pneumothorax
        assert np.abs(imgs[classes == k].mean(0) - normal).max() > 20


def test_too_small_rejected():
    with pytest.raises(ValueError, match="n_val=10"):
        synthesize(300, 10, 60)
