"""Label equivalence: the baseline budget that matches a pretrained experiment, against hand-made curves and
scikit-learn's metrics with numpy's interpolation."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from cxrcontrast.evaluation.label_equivalence import equivalent_budget, label_equivalence
from cxrcontrast.summary.label_equivalence import budget_text

N, K = 400, 4
LABELS = np.arange(N) % K


def predictions(skill, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(N, K))
    z[np.arange(N), LABELS] += skill
    probs = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    return {"probs": probs, "labels": LABELS, "index": np.arange(N)}


def grid(pretrained_skill, seeds=(0, 1, 2)):
    """A baseline at 1%, 10% and 100% of the labels (skill rising with the budget) and one pretrained run."""
    preds = {}
    for budget, skill in ((0.01, 0.3), (0.1, 1.0), (1.0, 2.0)):
        preds[("minivgg", "none", "train", budget)] = {s: predictions(skill, 10 * s + int(budget * 100)) for s in seeds}
    preds[("minivgg", "simclr", "train", 0.1)] = {s: predictions(pretrained_skill, 100 + s) for s in seeds}
    return preds


def test_equivalent_budget_closed_forms():
    budgets = [0.01, 0.1, 1.0]
    assert equivalent_budget(budgets, [0.6, 0.7, 0.8], 0.75) == pytest.approx(np.sqrt(0.1))  # halfway in log
    assert equivalent_budget(budgets, [0.6, 0.7, 0.8], 0.7) == pytest.approx(0.1)
    assert equivalent_budget(budgets, [0.6, 0.7, 0.8], 0.55) == 0  # the smallest budget already does
    assert equivalent_budget(budgets, [0.6, 0.7, 0.8], 0.85) == float("inf")  # no budget does
    assert equivalent_budget(budgets, [0.6, 0.8, 0.7], 0.75) == pytest.approx(10**-1.25)  # the first crossing


def test_point_estimate_is_the_interpolated_crossing_of_the_seed_means():
    preds = grid(pretrained_skill=1.5)
    rows = {r["metric"]: r for r in label_equivalence(preds, resamples=100, seed=0)}
    budgets = [0.01, 0.1, 1.0]

    def auc(p):
        return np.mean([roc_auc_score(p["labels"] == c, p["probs"][:, c]) for c in range(K)])

    curve = [np.mean([auc(p) for p in preds[("minivgg", "none", "train", b)].values()]) for b in budgets]
    target = np.mean([auc(p) for p in preds[("minivgg", "simclr", "train", 0.1)].values()])
    assert curve[1] < target < curve[2]  # the case is the one meant: between 10% and 100%
    expected = np.exp(np.interp(target, curve, np.log(budgets)))
    row = rows["auc_macro"]
    assert row["equivalent_budget"] == pytest.approx(expected)
    assert row["ci_low"] <= row["equivalent_budget"] <= row["ci_high"] and row["seeds"] == 3
    assert row["baseline_budgets"] == "0.01;0.1;1"


def test_a_copy_of_the_baseline_is_equivalent_to_its_own_budget_in_every_resample():
    preds = grid(pretrained_skill=0.0)
    preds[("minivgg", "simclr", "train", 0.1)] = preds[("minivgg", "none", "train", 0.1)]
    for row in label_equivalence(preds, resamples=60, seed=1):
        assert row["equivalent_budget"] == row["ci_low"] == row["ci_high"] == pytest.approx(0.1)


def test_outside_the_measured_budgets():
    better = {r["metric"]: r for r in label_equivalence(grid(pretrained_skill=4.0), resamples=50, seed=0)}
    worse = {r["metric"]: r for r in label_equivalence(grid(pretrained_skill=-1.0), resamples=50, seed=0)}
    assert better["auc_macro"]["equivalent_budget"] == float("inf") and worse["auc_macro"]["equivalent_budget"] == 0
    assert budget_text(float("inf"), "0.01;0.1;1") == "more than 100%"
    assert budget_text(0.0, "0.01;0.1;1") == "at most 1%"
    assert budget_text(0.3742, "0.01;0.1;1") == "37.4%"


def test_no_rows_without_a_baseline_curve():
    preds = grid(pretrained_skill=1.0)
    del preds[("minivgg", "none", "train", 0.01)], preds[("minivgg", "none", "train", 0.1)]
    assert label_equivalence(preds, resamples=20, seed=0) == []
