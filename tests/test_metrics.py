import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, confusion_matrix, roc_auc_score, top_k_accuracy_score

from cxrcontrast.evaluation.bootstrap import bootstrap, interval, paired_difference
from cxrcontrast.evaluation.metrics import classification_metrics, weighted_auc, weighted_metrics
from cxrcontrast.evaluation.paper_protocol import paper_protocol, paper_protocol_draws, paper_protocol_spread


def random_case(n=300, k=6, seed=0, skill=1.0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), labels] += skill
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return probs, labels


@pytest.mark.parametrize("seed", range(3))
def test_metrics_against_scikit_learn(seed):
    probs, labels = random_case(seed=seed, k=8)
    m = classification_metrics(probs, labels)
    pred = probs.argmax(1)
    assert m["accuracy"] == pytest.approx(np.mean(pred == labels))
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(labels, pred))
    assert m["accuracy"] == pytest.approx(top_k_accuracy_score(labels, probs, k=1, labels=range(8)))
    assert m["top5"] == pytest.approx(top_k_accuracy_score(labels, probs, k=5, labels=range(8)))
    for c, auc in enumerate(m["auc_per_class"]):
        assert auc == pytest.approx(roc_auc_score(labels == c, probs[:, c]))
    assert m["auc_macro"] == pytest.approx(roc_auc_score(labels, probs, multi_class="ovr", average="macro"))
    assert m["confusion"] == confusion_matrix(labels, pred, labels=range(8)).tolist()


def test_top5_by_hand():
    probs = np.array([[0.1, 0.5, 0.2, 0.05, 0.05, 0.04, 0.06], [0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1]])
    assert classification_metrics(probs, np.array([3, 6]))["top5"] == 0.5  # class 3 is 6th (ties by class order)
    assert classification_metrics(probs, np.array([2, 0]))["top5"] == 1.0
    assert classification_metrics(probs, np.array([1, 0]))["accuracy"] == 1.0


def test_class_absent_from_split_has_undefined_auc():
    probs, labels = random_case(k=6)
    labels[labels == 3] = 0
    m = classification_metrics(probs, labels)
    assert m["auc_per_class"][3] is None
    defined = [a for a in m["auc_per_class"] if a is not None]
    assert m["auc_macro"] == pytest.approx(np.mean(defined))
    assert classification_metrics(probs[:5], np.zeros(5, int))["auc_per_class"][0] is None  # alone: undefined too


def test_binary_dataset_top5_not_applicable():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 100)
    p1 = np.clip(labels * 0.3 + rng.random(100) * 0.7, 0, 1)
    probs = np.stack([1 - p1, p1], 1)
    m = classification_metrics(probs, labels)
    assert m["top5"] is None
    assert m["auc_per_class"][1] == pytest.approx(roc_auc_score(labels, p1))
    dist = bootstrap(probs, labels, resamples=1000, seed=0)
    assert dist["top5"] is None and interval(dist["top5"]) is None


def test_weighted_auc_equals_auc_of_the_expanded_resample():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 6, 120).astype(float)  # many ties
    positive = rng.random(120) < 0.4
    w = rng.integers(0, 3, (4, 120)).astype(float)
    for row, auc in zip(w, weighted_auc(scores, positive, w)):
        idx = np.repeat(np.arange(120), row.astype(int))
        assert auc == pytest.approx(roc_auc_score(positive[idx], scores[idx]))


def test_weighted_metrics_equal_metrics_of_the_resample():
    probs, labels = random_case(n=200, k=7, seed=2)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 200, 200)
    w = np.bincount(idx, minlength=200)[None].astype(float)
    under = weighted_metrics(probs, labels, w)
    direct = classification_metrics(probs[idx], labels[idx])
    for k in ("accuracy", "balanced_accuracy", "top5", "auc_macro"):
        assert under[k][0] == pytest.approx(direct[k])


def test_bootstrap_interval_contains_estimate_and_shrinks():
    small = random_case(n=200, seed=4)
    large = random_case(n=3000, seed=4)
    widths = []
    for probs, labels in (small, large):
        m = classification_metrics(probs, labels)
        dist = bootstrap(probs, labels, resamples=1000, seed=1)
        for k in ("accuracy", "balanced_accuracy", "top5", "auc_macro"):
            lo, hi = interval(dist[k])
            assert lo <= m[k] <= hi
        widths.append(np.subtract(*interval(dist["accuracy"])[::-1]))
    assert widths[1] < widths[0] / 2
    a = bootstrap(*small, resamples=1000, seed=7)["accuracy"]
    assert np.array_equal(a, bootstrap(*small, resamples=1000, seed=7)["accuracy"])


def test_paper_protocol_is_the_authors_weighted_sampler():
    """The authors drew the test set with WeightedRandomSampler(1/count(class), len(test)): so here."""
    import torch
    from torch.utils.data import WeightedRandomSampler

    probs, labels = random_case(n=600, k=6, seed=5)
    labels[:300] = 0  # a skewed split
    a, b = paper_protocol(probs, labels, seed=3), paper_protocol(probs, labels, seed=3)
    assert a == b and a["n"] == 600 and a["classes"] == 6
    assert paper_protocol(probs, labels, seed=4) != a  # another seed, another resample
    weights = 1.0 / torch.bincount(torch.as_tensor(labels))[labels].double()
    idx = np.array(list(WeightedRandomSampler(weights, len(labels), generator=torch.Generator().manual_seed(3))))
    np.testing.assert_allclose(np.bincount(labels[idx]) / len(idx), 1 / 6, atol=0.04)  # balanced: chance 1/6
    assert a["accuracy"] == pytest.approx(np.mean(probs[idx].argmax(1) == labels[idx]))
    top5 = np.argsort(-probs[idx], axis=1, kind="stable")[:, :5]
    assert a["top5"] == pytest.approx(np.mean((top5 == labels[idx, None]).any(1)))


def test_paired_difference_detects_a_real_gain():
    probs_b, labels = random_case(n=1500, k=6, seed=8, skill=0.5)
    better = probs_b.copy()
    better[np.arange(1500), labels] += 0.3
    better /= better.sum(1, keepdims=True)
    d = paired_difference([(better, probs_b, labels)], resamples=1000, seed=0)
    assert d["balanced_accuracy"]["difference"] > 0 and d["balanced_accuracy"]["ci"][0] > 0
    assert d["balanced_accuracy"]["p_value"] < 0.01
    same = paired_difference([(probs_b, probs_b, labels)], resamples=1000, seed=0)
    assert same["auc_macro"]["difference"] == 0 and same["auc_macro"]["p_value"] == 1.0


def test_paper_protocol_draws_are_the_authors_sampler_run_again():
    """Without image resampling, draw r is the r-th pass of one seeded WeightedRandomSampler: the spread of the
    paper's one-draw number over runs of its protocol on the same predictions."""
    import torch
    from torch.utils.data import WeightedRandomSampler

    probs, labels = random_case(n=400, k=6, seed=6)
    draws = paper_protocol_draws(probs, labels, seed=2, resamples=7, images=False, chunk=3)
    weights = 1.0 / torch.bincount(torch.as_tensor(labels))[labels].double()
    sampler = WeightedRandomSampler(weights, len(labels), generator=torch.Generator().manual_seed(2))
    for r in range(7):
        idx = np.array(list(sampler))
        assert draws["accuracy"][r] == pytest.approx(np.mean(probs[idx].argmax(1) == labels[idx]))
    assert draws["accuracy"][0] == pytest.approx(paper_protocol(probs, labels, seed=2)["accuracy"])


def test_paper_protocol_spread_closed_form():
    """A classifier right on class 0 only: a balanced draw of n images is right Binomial(n, 1/k) times, so one
    draw's accuracy has SD sqrt(p (1 - p) / n) with p = 1/k; its intervals hold the point value."""
    k, n = 5, 500
    labels = np.arange(n) % k
    probs = np.full((n, k), 0.1)
    probs[:, 0] = 0.6  # always predicts class 0
    spread = paper_protocol_spread(probs, labels, seed=0, resamples=2000)
    p = 1 / k
    assert spread["resample_sd"]["accuracy"] == pytest.approx(np.sqrt(p * (1 - p) / n), rel=0.1)
    lo, hi = spread["ci"]["accuracy"]
    assert lo < paper_protocol(probs, labels, seed=0)["accuracy"] < hi
    perfect = np.eye(k)[labels] * 0.9 + 0.02
    assert paper_protocol_spread(perfect, labels, seed=0, resamples=50)["ci"]["accuracy"] == [1.0, 1.0]
