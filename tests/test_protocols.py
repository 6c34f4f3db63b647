"""Protocol sensitivity: the states each protocol scores, and Kendall's tau against counted pairs."""

import itertools

import numpy as np
import pytest

from cxrcontrast.evaluation.protocol_sensitivity import kendall_rows, protocol_scores


def brute_force_tau(x, y):
    """(concordant - discordant) / pairs, for scores without ties."""
    signs = [np.sign(x[i] - x[j]) * np.sign(y[i] - y[j]) for i, j in itertools.combinations(range(len(x)), 2)]
    return sum(signs) / len(signs)


def test_tau_matches_counted_pairs():
    rng = np.random.default_rng(0)
    states = [("minivgg", p) for p in ("none", "normal", "hard", "simclr", "supcon")]
    a, b = rng.permutation(5).astype(float), rng.permutation(5).astype(float)
    scores = {"natural": dict(zip(states, a)), "linear": dict(zip(states, b)), "knn": dict(zip(states[:2], a[:2]))}
    rows = {(r["protocol"], r["against"]): r for r in kendall_rows(scores)}
    assert rows["natural", "linear"]["tau"] == pytest.approx(brute_force_tau(a, b))
    assert rows["natural", "natural"]["tau"] == pytest.approx(1.0) and rows["natural", "linear"]["states"] == 5
    assert rows["natural", "knn"]["tau"] is None and rows["natural", "knn"]["states"] == 2  # too few states


def test_scores_come_from_each_protocols_own_rows():
    exp = [
        {
            "encoder": "minivgg",
            "pretrain": "none",
            "trainset": "train",
            "labels": 1.0,
            "balanced_accuracy_mean": 0.3,
            "paper_accuracy_mean": 0.31,
        },
        {
            "encoder": "minivgg",
            "pretrain": "none",
            "trainset": "train",
            "labels": 0.1,  # a budget: not a protocol's
            "balanced_accuracy_mean": 0.9,
            "paper_accuracy_mean": 0.9,
        },
        {
            "encoder": "minivgg",
            "pretrain": "normal",
            "trainset": "train_aug",
            "labels": 1.0,  # the doubled set: no
            "balanced_accuracy_mean": 0.9,
            "paper_accuracy_mean": 0.9,
        },
    ]
    embedding = [
        {
            "encoder": "minivgg",
            "pretrain": "normal",
            "seed": s,
            "knn_balanced_accuracy": v,
            "knn_medmnist_plus_accuracy": None,
            "linear_balanced_accuracy": 0.5,
        }
        for s, v in ((0, 0.2), (1, 0.4))
    ]
    official = [
        {"source": "ours", "encoder": "minivgg", "pretrain": "none", "tuning": "frozen", "auc": 0.6},
        {"source": "ours", "encoder": "minivgg", "pretrain": "none", "tuning": "end_to_end", "auc": 0.9},
        {"source": "published", "encoder": "ResNet-18 (28)", "pretrain": None, "tuning": "end_to_end", "auc": 0.77},
    ]
    scores = protocol_scores(exp, embedding, official)
    assert scores["natural"] == {("minivgg", "none"): 0.3} and scores["paper"] == {("minivgg", "none"): 0.31}
    assert scores["knn"] == {("minivgg", "normal"): pytest.approx(0.3)}  # the mean over seeds
    assert scores["official"] == {("minivgg", "none"): 0.6}
    assert "knn_medmnist_plus" not in scores  # probes of an older version: no score, not a zero
