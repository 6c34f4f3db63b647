"""Issue 34 item 9: the official task's ACC beside the ACC of a constant prediction, and mAP over the findings,
against sklearn's average precision and its definition."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from cxrcontrast.evaluation.like_for_like import published_rows
from cxrcontrast.evaluation.official import mean_average_precision, reference_scores
from cxrcontrast.evaluation.tables import official_rows
from cxrcontrast.summary.encoder_states import official_section

MULTI_LABEL = "multi-label, binary-class"


def precision_at_positives(truth, score):
    """Average precision by its definition (no tied scores): the mean over positives of the precision among the
    images scored at least as high as that positive."""
    order = np.argsort(-score)
    hits = np.cumsum(truth[order])
    return np.mean([hits[r] / (r + 1) for r in range(len(order)) if truth[order][r]])


def chest_like(n=400, seed=0):
    """14 rare findings (about 5% positive each) and scores that rank positives a little higher."""
    rng = np.random.default_rng(seed)
    labels = (rng.random((n, 14)) < 0.05).astype(np.uint8)
    labels[:, 13] = 0  # a finding with no positive in the split
    score = 1 / (1 + np.exp(-(rng.normal(size=(n, 14)) + 1.5 * labels - 3)))
    return labels, score


def test_map_is_sklearns_average_precision_per_finding_over_those_present():
    labels, score = chest_like()
    expected = np.mean([average_precision_score(labels[:, i], score[:, i]) for i in range(13)])
    assert mean_average_precision(labels, score, MULTI_LABEL) == pytest.approx(expected)
    by_definition = np.mean([precision_at_positives(labels[:, i], score[:, i]) for i in range(13)])
    assert mean_average_precision(labels, score, MULTI_LABEL) == pytest.approx(by_definition)


def test_the_constant_predictions_acc_is_the_share_of_negatives_or_of_the_largest_class():
    labels, score = chest_like()
    ref = reference_scores(labels, score, MULTI_LABEL)
    assert ref["acc_constant"] == pytest.approx(1 - labels.mean()) and ref["acc_constant"] > 0.9
    classes = np.array([0] * 10 + [2] * 30 + [1] * 20)[:, None]
    probs = np.random.default_rng(1).dirichlet(np.ones(3), 60)
    ref = reference_scores(classes, probs, "multi-class")
    assert ref["acc_constant"] == pytest.approx(30 / 60)  # always class 2
    one_vs_rest = [average_precision_score(classes[:, 0] == c, probs[:, c]) for c in range(3)]
    assert ref["map"] == pytest.approx(np.mean(one_vs_rest))


def official_json(encoder, seed, test):
    return {
        "encoder": encoder,
        "pretrain": "none",
        "tuning": "end_to_end",
        "seed": seed,
        "flag": "chestmnist",
        "task": MULTI_LABEL,
        "test": test,
    }


def test_summary_shows_acc_beside_its_constant_reference_and_map():
    results = [
        official_json("minivgg", s, {"auc": 0.6, "acc": 0.95, "map": m, "acc_constant": 0.95})
        for s, m in ((0, 0.10), (1, 0.20))
    ]
    rows = official_rows(results + [official_json("older", 0, {"auc": 0.5, "acc": 0.9})])  # a file before mAP
    assert rows[0]["map"] == 0.10 and rows[0]["acc_constant"] == 0.95
    text = "\n".join(official_section(rows))
    assert "| model | seeds | AUC | mAP | ACC | ACC of every label negative |" in text
    assert "| minivgg, trained end to end | 2 | 0.600 | 0.150 | 0.950 | 0.950 |" in text
    assert "| older, trained end to end | 1 | 0.500 | – | 0.900 | – |" in text
    # no published row beside a model it is not of (MedMNIST v2's ResNet-18 once stood beside our mini-VGG)
    assert "published" not in text
    text = "\n".join(official_section(rows + published_rows(results, {})))
    assert "- minivgg, trained end to end: recorded by an earlier version" in text
    assert "ResNet" not in text and "0.768" not in text
    assert "predicting every label negative on the same test labels" in text
