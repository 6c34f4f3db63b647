"""Exact duplicate images across splits, against a brute-force comparison of every pair."""

import numpy as np
import pytest

from cxrcontrast.data.duplicates import cross_split_duplicates


def brute_force(images):
    names = [s for s in ("train", "val", "test") if s in images]
    counts = {}
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            counts[f"{first}-{second}"] = sum(
                any(b.shape == a.shape and np.array_equal(a, b) for a in images[first]) for b in images[second]
            )
    return counts


@pytest.mark.parametrize("shape", [(12, 12), (8, 8, 3)])
def test_planted_duplicates_are_counted_as_a_double_loop_counts_them(shape):
    rng = np.random.default_rng(0)
    # binary pixels; a copy one pixel apart from a train image is planted and must not count
    train = rng.integers(0, 2, (60, *shape), dtype=np.uint8)
    val = rng.integers(0, 2, (20, *shape), dtype=np.uint8)
    test = rng.integers(0, 2, (30, *shape), dtype=np.uint8)
    test[[0, 5, 9]] = train[[3, 3, 40]]  # two copies of one train image count twice
    val[2] = train[7]
    test[11] = val[4]
    near = train[50].copy()
    near.flat[0] ^= 1
    test[12] = near
    images = {"test": test, "train": train, "val": val}  # the keys' order does not matter
    expected = brute_force(images)
    assert expected["train-test"] >= 3 and expected["train-val"] >= 1 and expected["val-test"] >= 1
    assert cross_split_duplicates(images) == expected


def test_same_bytes_in_another_shape_are_no_duplicate():
    a = np.arange(32, dtype=np.uint8).reshape(2, 4, 4)
    assert cross_split_duplicates({"train": a, "test": a.reshape(2, 2, 8)}) == {"train-test": 0}
    assert cross_split_duplicates({"train": a, "test": a[::-1].copy()}) == {"train-test": 2}


def test_no_overlap_and_an_empty_split():
    rng = np.random.default_rng(1)
    train = rng.integers(0, 256, (50, 28, 28), dtype=np.uint8)
    empty = np.zeros((0, 28, 28), np.uint8)
    assert cross_split_duplicates({"train": train, "val": empty, "test": train[:, ::-1]}) == {
        "train-val": 0,
        "train-test": 0,
        "val-test": 0,
    }
