"""The probes of a multi-label official task score each finding's AUC (and their mean), against scikit-learn:
KNeighborsClassifier and LogisticRegression one-vs-rest, roc_auc_score per column."""

import json

import numpy as np
import pytest
import torch

from cxrcontrast.evaluation.multilabel_probes import finding_aucs, knn_finding_scores, linear_finding_scores

FINDINGS = 5


def features_and_findings(n, seed=0, dim=12):
    """Features that carry the findings (each finding shifts the features along its own direction), multi-hot."""
    rng = np.random.default_rng(seed)
    labels = (rng.random((n, FINDINGS)) < 0.3).astype(int)
    labels[:FINDINGS] = np.eye(FINDINGS, dtype=int)  # every finding present...
    labels[FINDINGS : 2 * FINDINGS] = 0  # ...and absent
    directions = np.random.default_rng(99).normal(size=(FINDINGS, dim))
    x = rng.normal(size=(n, dim)) + labels @ directions
    return x.astype(np.float32), labels


def test_knn_finding_scores_are_sklearns_multi_output_knn():
    from sklearn.neighbors import KNeighborsClassifier

    train, y = features_and_findings(300)
    query, _ = features_and_findings(80, seed=1)
    k, temperature = 15, 0.07
    ours = knn_finding_scores(train, y, query, k, temperature)
    knn = KNeighborsClassifier(k, metric="cosine", algorithm="brute", weights=lambda d: np.exp((1 - d) / temperature))
    reference = np.stack([p[:, 1] for p in knn.fit(train, y).predict_proba(query)], axis=1)
    np.testing.assert_allclose(ours, reference, atol=1e-5)


def test_linear_finding_scores_are_one_vs_rest_logistic_regressions():
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import StandardScaler

    (train, y), (val, yv), (query, _) = (features_and_findings(n, seed=s) for s, n in enumerate((300, 100, 80)))
    scores, c, val_auc = linear_finding_scores(train, y, val, yv, query, cs=(0.1,))
    scaler = StandardScaler().fit(train)
    ovr = OneVsRestClassifier(LogisticRegression(C=0.1, max_iter=100)).fit(scaler.transform(train), y)
    np.testing.assert_allclose(scores, ovr.predict_proba(scaler.transform(query)), atol=1e-6)
    assert c == 0.1
    assert val_auc == pytest.approx(finding_aucs(yv, ovr.predict_proba(scaler.transform(val)), range(5))["auc_mean"])


def test_c_is_chosen_by_the_val_mean_auc():
    (train, y), (val, yv), (query, _) = (features_and_findings(n, seed=s) for s, n in enumerate((300, 100, 80)))
    grid = (1e-4, 0.1, 10.0)
    by_c = {c: linear_finding_scores(train, y, val, yv, query, cs=(c,))[2] for c in grid}
    assert linear_finding_scores(train, y, val, yv, query, cs=grid)[1] == max(by_c, key=by_c.get)


def test_finding_aucs_are_roc_auc_per_column_and_skip_a_finding_of_one_class():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    labels = (rng.random((60, 4)) < 0.4).astype(int)
    labels[:, 2] = 0  # no positive of the third finding in this split
    scores = rng.random((60, 4))
    out = finding_aucs(labels, scores, ["a", "b", "c", "d"])
    expected = {n: roc_auc_score(labels[:, i], scores[:, i]) for i, n in enumerate("abcd") if n != "c"}
    assert out["auc_per_finding"] == {**{n: pytest.approx(v) for n, v in expected.items()}, "c": None}
    assert out["auc_mean"] == pytest.approx(np.mean(list(expected.values())))


def write_multi_hot(path, x_rows, labels):
    from cxrcontrast.files import save_npz

    images = np.zeros((len(labels), 28, 28), np.uint8)
    save_npz(path, images=images, labels=labels, index=np.arange(len(labels)))


def test_the_probe_stage_scores_the_official_findings(tmp_path, monkeypatch):
    """probes.json of a multi-label official task: the single-label probes as before, and an ``official`` block of
    per-finding test AUCs whose kNN and linear entries are those of the functions above on the same features."""
    import cxrcontrast.stages.probe as stage

    sizes = {"train": 200, "val": 60, "test": 80}
    data = {s: features_and_findings(n + 1, seed=i) for i, (s, n) in enumerate(sizes.items())}  # +1: other lengths
    pruned = {s: features_and_findings(n, seed=10 + i) for i, (s, n) in enumerate(sizes.items())}
    feats = {len(f): f for f, _ in [*data.values(), *pruned.values()]}
    paths, official = [], {}
    for split in sizes:
        x, y = pruned[split]
        write_multi_hot(tmp_path / f"{split}.npz", x, y.argmax(1))  # one class per image
        paths.append(str(tmp_path / f"{split}.npz"))
        write_multi_hot(tmp_path / f"u_{split}.npz", *data[split])
        official[split] = str(tmp_path / f"u_{split}.npz")
    (tmp_path / "classes.json").write_text(json.dumps({"class_names": list("abcde"), "flag": "chestmnist"}))
    monkeypatch.setattr(stage, "load_embedder", lambda *args: None)
    monkeypatch.setattr(stage, "embed", lambda model, d, dev: (torch.from_numpy(feats[len(d)]), None))
    monkeypatch.setattr(stage, "flag_info", lambda flag: type("Info", (), {"label_names": tuple("VWXYZ")}))
    probes = {"knn_k": 20, "knn_temperature": 0.07, "medmnist_plus_k": 11, "linear_c": [0.1, 1.0]}
    params = {"encoder": "minivgg", "image_size": 28, "probes": probes}
    out_json = str(tmp_path / "p.json")
    stage.run_probe(None, *paths, str(tmp_path / "classes.json"), out_json, params, "none", 0, "cpu", official=official)
    out = json.loads((tmp_path / "p.json").read_text())
    assert out["knn"]["balanced_accuracy"] is not None  # the single-label path kept
    block = out["official"]
    assert block["findings"] == list("VWXYZ") and block["n"] == {"train": 201, "val": 61, "test": 81}
    (x, y), (xv, yv), (xt, yt) = data.values()
    knn = finding_aucs(yt, knn_finding_scores(x, y, xt, 20, 0.07), "VWXYZ")
    assert block["knn"]["auc_per_finding"] == pytest.approx(knn["auc_per_finding"])
    linear = finding_aucs(yt, linear_finding_scores(x, y, xv, yv, xt, (0.1, 1.0))[0], "VWXYZ")
    assert block["linear"]["auc_mean"] == pytest.approx(linear["auc_mean"])
    assert block["linear"]["auc_mean"] > 0.8  # the features carry the findings


def test_a_finding_no_training_row_holds_scores_zero_and_the_rest_as_before():
    """No logistic regression can be fitted on one state: that finding scores 0 everywhere (its AUC, where the test
    split holds it, is 0.5), the other findings exactly as without it."""
    (train, y), (val, yv), (query, yq) = (features_and_findings(n, seed=s) for s, n in enumerate((300, 100, 80)))
    absent = y.copy()
    absent[:, 2] = 0
    scores, _, _ = linear_finding_scores(train, absent, val, yv, query, cs=(0.1,))
    full, _, _ = linear_finding_scores(train, y, val, yv, query, cs=(0.1,))
    assert (scores[:, 2] == 0).all()
    np.testing.assert_allclose(scores[:, [0, 1, 3, 4]], full[:, [0, 1, 3, 4]])
    assert finding_aucs(yq, scores, "abcde")["auc_per_finding"]["c"] == 0.5


def test_collapsed_features_of_the_official_splits_are_marked_not_scored(tmp_path, monkeypatch):
    import cxrcontrast.stages.probe as stage

    paths = {}
    for split, n in (("train", 40), ("val", 20), ("test", 30)):
        write_multi_hot(tmp_path / f"{split}.npz", None, features_and_findings(n)[1])
        paths[split] = str(tmp_path / f"{split}.npz")
    monkeypatch.setattr(stage, "embed", lambda model, d, dev: (torch.zeros(len(d), 8), None))
    cfg = {"knn_k": 5, "knn_temperature": 0.07, "linear_c": [1.0]}
    out = stage.official_probes(None, paths, tuple("VWXYZ"), 28, "cpu", cfg)
    assert out["collapsed"] and out["collapsed_reason"] == "train: every feature is zero"
    assert out["knn"]["auc_mean"] is None and out["linear"]["auc_per_finding"] == dict.fromkeys("VWXYZ")
