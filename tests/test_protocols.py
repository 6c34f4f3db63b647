"""Protocol sensitivity: the states each protocol scores, and Kendall's tau against counted pairs."""

import itertools
import math

import numpy as np
import pytest

from cxrcontrast.evaluation.protocol_sensitivity import (
    END_TO_END,
    RANDOM_ENCODER,
    kendall_rows,
    protocol_scores,
    ranks,
)
from cxrcontrast.summary.sections import protocols_section


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
    assert scores["natural"] == {("minivgg", END_TO_END): 0.3} and scores["paper"] == {("minivgg", END_TO_END): 0.31}
    assert scores["knn"] == {("minivgg", "normal"): pytest.approx(0.3)}  # the mean over seeds
    assert scores["official"] == {("minivgg", RANDOM_ENCODER): 0.6}  # the head on the untrained encoder's features
    assert "knn_medmnist_plus" not in scores  # probes of an older version: no score, not a zero


def brute_force_tau_b(x, y):
    """(concordant - discordant) / sqrt((pairs - ties in x) (pairs - ties in y)): Kendall's tau-b by its pairs."""
    pairs = list(itertools.combinations(range(len(x)), 2))
    signs = [np.sign(x[i] - x[j]) * np.sign(y[i] - y[j]) for i, j in pairs]
    untied_x = sum(x[i] != x[j] for i, j in pairs)
    untied_y = sum(y[i] != y[j] for i, j in pairs)
    return sum(signs) / np.sqrt(untied_x * untied_y)


def exact_p(x, y):
    """Two-sided p of tau by every permutation of y (no ties): the share of orders at least as far from 0."""
    observed = abs(brute_force_tau(x, y))
    taus = [abs(brute_force_tau(x, list(p))) for p in itertools.permutations(y)]
    return np.mean([t >= observed - 1e-12 for t in taus])


def tied_normal_p(x, y):
    """Two-sided p of Kendall's S = concordant - discordant by the normal approximation with the variance of S
    under ties (Kendall 1970, eq. 4.4), counted from the pairs and the tie groups: what scipy's kendalltau uses."""
    n = len(x)
    s = sum(np.sign(x[i] - x[j]) * np.sign(y[i] - y[j]) for i, j in itertools.combinations(range(n), 2))
    tx, ty = (np.unique(v, return_counts=True)[1] for v in (x, y))

    def total(t, f):
        return float(sum(f(c) for c in t))

    var = (
        n * (n - 1) * (2 * n + 5)
        - total(tx, lambda t: t * (t - 1) * (2 * t + 5))
        - total(ty, lambda t: t * (t - 1) * (2 * t + 5))
    ) / 18
    var += total(tx, lambda t: t * (t - 1)) * total(ty, lambda t: t * (t - 1)) / (2 * n * (n - 1))
    var += (
        total(tx, lambda t: t * (t - 1) * (t - 2))
        * total(ty, lambda t: t * (t - 1) * (t - 2))
        / (9 * n * (n - 1) * (n - 2))
    )
    return float(math.erfc(abs(s) / math.sqrt(var) / math.sqrt(2)))


STATES = [("minivgg", p) for p in ("normal", "hard", "simclr", "supcon", "block", "augmented")]


def test_tau_b_with_ties_and_its_p_value_against_counted_pairs_and_permutations():
    a = [0.9, 0.8, 0.8, 0.5, 0.4, 0.1]  # a tie
    b = [0.7, 0.9, 0.6, 0.6, 0.2, 0.3]  # another
    c = [0.3, 0.9, 0.1, 0.5, 0.7, 0.2]  # no tie, unrelated
    scores = {name: dict(zip(STATES, v)) for name, v in (("natural", a), ("linear", b), ("knn", c))}
    rows = {(r["protocol"], r["against"]): r for r in kendall_rows(scores)}
    assert rows["natural", "linear"]["tau"] == pytest.approx(brute_force_tau_b(a, b))
    assert rows["natural", "linear"]["states"] == 6
    assert rows["natural", "linear"]["p_value"] == pytest.approx(tied_normal_p(a, b))
    no_ties = [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    rows = {
        (r["protocol"], r["against"]): r
        for r in kendall_rows({"paper": dict(zip(STATES, no_ties)), "knn": scores["knn"]})
    }
    assert rows["paper", "knn"]["p_value"] == pytest.approx(exact_p(no_ties, c))  # 720 orders of 6 states
    assert rows["paper", "knn"]["p_value"] >= 0.05


def test_tied_scores_share_their_average_rank():
    by_state = dict(zip(STATES[:5], [0.7, 0.9, 0.7, 0.7, 0.2]))
    expected = {}  # brute force: 1 + the states strictly better + half the others tied with it
    for s, v in by_state.items():
        better = sum(w > v for w in by_state.values())
        tied = sum(w == v for w in by_state.values()) - 1
        expected[s] = 1 + better + tied / 2
    assert ranks(by_state) == expected and ranks(by_state)[STATES[0]] == 3.0


def test_the_two_nones_are_two_states_and_the_markdown_says_what_is_not_significant():
    exp = [
        {"encoder": "minivgg", "pretrain": p, "trainset": "train", "labels": 1.0, "balanced_accuracy_mean": v}
        | {"paper_accuracy_mean": v}
        for p, v in (("none", 0.5), ("normal", 0.6), ("hard", 0.6), ("simclr", 0.4))
    ]
    embedding = [
        {"encoder": "minivgg", "pretrain": p, "seed": 0, "knn_balanced_accuracy": v, "linear_balanced_accuracy": v}
        for p, v in (("none", 0.3), ("normal", 0.7), ("hard", 0.5), ("simclr", 0.6))
    ]
    scores = protocol_scores(exp, embedding, [])
    assert set(scores["natural"]) & set(scores["knn"]) == {("minivgg", p) for p in ("normal", "hard", "simclr")}
    assert ("minivgg", END_TO_END) in scores["natural"] and ("minivgg", RANDOM_ENCODER) in scores["knn"]
    text = "\n".join(protocols_section(scores))
    assert f"| minivgg | {END_TO_END} | 3 | 3 | – | – |" in text  # ranked only by the classifier protocols
    assert f"| minivgg | {RANDOM_ENCODER} | – | – | 4 | 4 |" in text  # only by the probes
    assert "| minivgg | normal | 1.5 | 1.5 | 1 | 1 |" in text  # a tie shares its average rank
    row = next(r for r in kendall_rows(scores) if (r["protocol"], r["against"]) == ("natural", "knn"))
    assert row["states"] == 3  # normal, hard, simclr: not the two nones
    assert f"| natural vs knn | 3 | {row['tau']:+.2f} | not significant (p = {row['p_value']:.3f}) |" in text
    assert "| knn vs natural |" not in text  # each pair once
