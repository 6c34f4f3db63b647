"""Issue 34 items 8 and 9: Holm-adjusted p-values against their definition, and bootstrap p-values that are never 0."""

import itertools
import math

import numpy as np
import pytest

from cxrcontrast.evaluation.bootstrap import paired_difference, two_sided_p
from cxrcontrast.evaluation.multiplicity import holm


def brute_force_holm(p: list[float]) -> list[float]:
    """Holm's procedure by its closed-testing definition: the adjusted p of test i is the smallest level alpha at
    which the step-down procedure rejects it: reject in ascending order while p_(j) <= alpha / (m - j + 1)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    candidates = sorted({min(1.0, (m - j) * p[i]) for j, i in enumerate(order)} | {1.0})
    adjusted = [1.0] * m
    for i in range(m):
        for alpha in candidates:  # the smallest alpha that rejects i
            rejected = set()
            for j, k in enumerate(order):
                if p[k] * (m - j) > alpha:
                    break
                rejected.add(k)
            if i in rejected:
                adjusted[i] = alpha
                break
    return adjusted


@pytest.mark.parametrize("seed", range(5))
def test_holm_matches_the_step_down_definition(seed):
    rng = np.random.default_rng(seed)
    p = list(rng.uniform(0, 0.2, 12) ** 2)
    p[3] = p[7]  # a tie
    assert holm(p) == pytest.approx(brute_force_holm(p))


def test_holm_on_a_known_family_and_with_missing_tests():
    # m = 4: 0.01*4, 0.02*3, max(0.06, 0.03*2)=0.06, min(1, 0.5)=0.5
    assert holm([0.03, 0.01, 0.5, 0.02]) == pytest.approx([0.06, 0.04, 0.5, 0.06])
    adjusted = holm([0.01, None, math.nan, 0.04])  # two tests, not four
    assert adjusted[1] is None and adjusted[2] is None and adjusted[0] == pytest.approx(0.02)
    assert adjusted[3] == pytest.approx(0.04)
    assert holm([]) == []


def test_holm_never_below_the_raw_p_and_at_most_one():
    p = [0.001, 0.2, 0.9, 0.04, 0.5]
    for raw, adj in zip(p, holm(p)):
        assert raw <= adj <= 1.0


def test_a_difference_no_resample_crosses_has_p_two_over_b_plus_one():
    """1000 resamples all above 0 allow p = 2/1001 (two-sided), never 0.0."""
    assert two_sided_p(np.full(1000, 0.3)) == pytest.approx(2 / 1001)
    assert two_sided_p(np.full(1000, -0.3)) == pytest.approx(2 / 1001)
    assert two_sided_p(np.zeros(1000)) == 1.0
    d = np.array([-1.0] * 10 + [1.0] * 990)  # 10 of 1000 at or below 0: 2 * 11 / 1001
    assert two_sided_p(d) == pytest.approx(22 / 1001)


def test_paired_difference_of_a_clear_gain_reports_the_resolution_not_zero():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 200)
    worse = rng.dirichlet(np.ones(3), 600)
    better = worse.copy()
    better[np.arange(600), labels] += 2.0  # every image right
    better /= better.sum(1, keepdims=True)
    d = paired_difference([(better, worse, labels)], resamples=200, seed=0)
    assert d["balanced_accuracy"]["ci"][0] > 0  # no resample crosses 0
    assert d["balanced_accuracy"]["p_value"] == pytest.approx(2 / 201)


def test_brute_force_holm_agrees_with_bonferroni_bound():
    """The reference itself: Holm's adjusted p lies between the raw p and Bonferroni's m * p."""
    for p in itertools.permutations([0.01, 0.02, 0.2]):
        for raw, adj in zip(p, brute_force_holm(list(p))):
            assert raw <= adj <= min(1.0, 3 * raw) + 1e-12


def test_comparisons_csv_adjusts_over_its_dataset_and_datasets_csv_over_all_its_rows():
    from cxrcontrast.evaluation.datasets import dataset_rows
    from cxrcontrast.evaluation.tables import comparisons

    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(3), 40)

    def probs(skill):
        p = rng.dirichlet(np.ones(3), len(labels))
        p[np.arange(len(labels)), labels] += skill
        return p / p.sum(1, keepdims=True)

    def run(skill):
        return {s: {"probs": probs(skill), "labels": labels, "index": np.arange(len(labels))} for s in (0, 1)}

    preds = {("minivgg", p, "train", 1.0): run(k) for p, k in (("none", 0.2), ("normal", 0.5), ("simclr", 0.25))}
    comps = comparisons(preds, resamples=200, seed=0)
    assert len(comps) == 4  # 2 experiments x 2 metrics: one family
    assert [c["p_holm"] for c in comps] == pytest.approx(brute_force_holm([c["p_value"] for c in comps]))
    classes = {"class_names": ["a", "b", "c"]}
    data = {"source": "demo", "size": 28, "image_size": 28}
    both = {name: {"comparisons": comps, "classes": classes, "data": data} for name in ("chest", "small")}
    rows = dataset_rows(both)
    assert len(rows) == 8  # the family of datasets.csv: every row of both datasets
    assert [r["p_holm"] for r in rows] == pytest.approx(brute_force_holm([r["p_value"] for r in rows]))
    assert all(r["p_holm"] >= c["p_holm"] for r, c in zip(rows, comps))  # a larger family, no smaller p


def comparison_row(pretrain, p_value, p_holm, difference=0.05):
    return {
        "encoder": "minivgg",
        "pretrain": pretrain,
        "trainset": "train",
        "labels": 1.0,
        "baseline": "minivgg/none/train/labels1",
        "metric": "balanced_accuracy",
        "difference": difference,
        "ci_low": difference - 0.01,  # both intervals exclude 0: only Holm's p tells them apart
        "ci_high": difference + 0.01,
        "p_value": p_value,
        "p_holm": p_holm,
    }


def test_summary_shows_holm_p_and_marks_only_what_survives_it():
    from cxrcontrast.summary.markdown import comparison_section

    rows = [comparison_row("normal", 2 / 1001, 4 / 1001), comparison_row("simclr", 0.03, 0.06)]
    text = "\n".join(comparison_section(rows, 1000))
    assert "| p | p (Holm) |" in text and "over the 2 paired tests of this table (one family" in text
    normal = next(line for line in text.splitlines() if "normal" in line)
    simclr = next(line for line in text.splitlines() if "simclr" in line)
    assert "+5.0 * |" in normal and "| ≤ 0.002 | 0.004 |" in normal  # the floor of 1000 resamples, never 0.000
    assert "+5.0 |" in simclr and "*" not in simclr and "| 0.030 | 0.060 |" in simclr
    assert "0.000" not in text


def test_datasets_section_and_forest_plot_mark_by_holm_p(tmp_path):
    import matplotlib.pyplot as plt

    from cxrcontrast.evaluation.datasets import FAMILY, by_experiment
    from cxrcontrast.figures.datasets import _whiskers
    from cxrcontrast.summary.datasets import datasets_section

    common = {"dataset": "chest", "source": "demo", "size": 28, "image_size": 28, "classes": 3, "seeds": 2}
    cases = (("normal", 0.001, 0.004), ("simclr", 0.03, 0.06))
    rows = [{**common, **comparison_row(p, raw, adj)} for p, raw, adj in cases]
    text = datasets_section(rows, [])
    assert "+5.0 [+4.0, +6.0], p_Holm 0.004 *" in text and "p_Holm 0.060 |" in text and FAMILY in text
    fig, ax = plt.subplots()
    _whiskers(ax, by_experiment(rows), "balanced_accuracy", {"chest": "tab:blue"})
    points = [line for line in ax.lines if line.get_marker() == "o"]
    assert [line.get_markerfacecolor() != "white" for line in points] == [True, False]
    plt.close(fig)


@pytest.mark.parametrize("tests", [1, 2, 24, 25, 34, 100])
def test_resamples_for_a_mark_is_the_fewest_that_allow_one(tests):
    from cxrcontrast.evaluation.multiplicity import ALPHA, resamples_for_a_mark

    b = resamples_for_a_mark(tests)
    floor = [holm([two_sided_p(np.full(n, 1.0))] * tests)[0] for n in (b - 1, b)]  # every test at the floor
    assert floor[0] >= ALPHA > floor[1]


def test_summary_says_when_the_resamples_cannot_mark_anything():
    from cxrcontrast.summary.markdown import comparison_section

    rows = [comparison_row(f"p{i}", 2 / 1001, min(1.0, 34 * 2 / 1001)) for i in range(34)]
    text = "\n".join(comparison_section(rows, 1000))
    assert "nothing can be marked; evaluate.bootstrap: 1360 or more would allow it" in text
    assert "nothing can be marked" not in "\n".join(comparison_section(rows[:2], 1000))
