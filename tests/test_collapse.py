"""A collapsed classifier (a single predicted class, or validation balanced accuracy not above chance) is
marked in metrics.json and every table of the summary, and no effect, robustness or rank is claimed of it."""

import numpy as np
import pytest

from cxrcontrast.evaluation.collapse import collapse_of

NAMES = [f"c{i}" for i in range(4)]


def reference(test_probs, val_probs, val_labels):
    """The criterion image by image, with no NumPy shortcut: (single class on test, val at or below chance)."""
    test_top = [max(range(len(p)), key=lambda c: (p[c], -c)) for p in test_probs.tolist()]
    val_top = [max(range(len(p)), key=lambda c: (p[c], -c)) for p in val_probs.tolist()]
    present = sorted(set(val_labels.tolist()))
    recalls = []
    for c in present:
        mine = [i for i, y in enumerate(val_labels.tolist()) if y == c]
        recalls.append(sum(val_top[i] == c for i in mine) / len(mine))
    return len(set(test_top)) == 1, sum(recalls) / len(recalls) <= 1 / len(present) + 1e-12


def probs_predicting(top: np.ndarray, k: int = 4) -> np.ndarray:
    p = np.full((len(top), k), 0.1)
    p[np.arange(len(top)), top] = 0.7
    return p / p.sum(1, keepdims=True)


@pytest.mark.parametrize("case", range(40))
def test_the_criterion_against_a_brute_force_reference(case):
    rng = np.random.default_rng(case)
    n, k = 30, 4
    val_labels = rng.integers(0, k - case % 2, n)  # every other case lacks a class in val: chance is 1/3
    skill = rng.uniform(0, 1)  # the share of val images predicted right, the rest at random
    val_top = np.where(rng.random(n) < skill, val_labels, rng.integers(0, k, n))
    if case % 5 == 0:
        val_top[:] = rng.integers(0, k)  # a constant predictor: exactly at chance
    test_top = rng.integers(0, k, n) if case % 3 else np.full(n, rng.integers(0, k))
    test_probs, val_probs = probs_predicting(test_top), probs_predicting(val_top)
    single, at_chance = reference(test_probs, val_probs, val_labels)
    got = collapse_of(test_probs, val_probs, val_labels, NAMES)
    assert got["collapsed"] == (single or at_chance)
    assert ("predicts one class" in (got["collapsed_reason"] or "")) == single
    assert ("not above chance" in (got["collapsed_reason"] or "")) == at_chance


def test_a_constant_predictor_is_collapsed_and_named():
    labels = np.arange(40) % 4
    got = collapse_of(probs_predicting(np.full(40, 2)), probs_predicting(np.full(40, 2)), labels, NAMES)
    assert got["collapsed"] and got["val_chance"] == 0.25 and got["val_balanced_accuracy"] == 0.25
    assert got["collapsed_reason"] == (
        "predicts one class (c2) for every test image; val balanced accuracy 25.0% is not above chance (25.0%)"
    )


def test_a_classifier_above_chance_predicting_every_class_is_not_collapsed():
    labels = np.arange(40) % 4
    right = probs_predicting(labels)
    got = collapse_of(right, right, labels, NAMES)
    assert not got["collapsed"] and got["collapsed_reason"] is None and got["val_balanced_accuracy"] == 1.0
