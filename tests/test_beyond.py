"""Beyond the paper: label budgets, kNN and linear probes, the official MedMNIST task, label-free pretraining."""

import json

import numpy as np
import pytest
import torch
from conftest import config, npz_entry, pruned_demo, write_medmnist

from cxrcontrast.data.budgets import budget_rows
from cxrcontrast.errors import InputError
from cxrcontrast.evaluation.official import evaluate_official, medmnist_metrics, scores
from cxrcontrast.evaluation.probes import knn_probs, linear_probs
from cxrcontrast.vocabulary.experiments import Experiment


def imbalanced_labels(seed=0):
    rng = np.random.default_rng(seed)
    return rng.permutation(np.repeat(np.arange(6), [500, 120, 60, 25, 9, 3]))


def test_label_budgets_are_stratified_nested_seeded():
    labels = imbalanced_labels()
    counts = np.bincount(labels)
    subsets = {f: budget_rows(labels, f, seed=3) for f in (0.01, 0.05, 0.1, 0.5, 1.0)}
    for f, rows in subsets.items():
        assert np.array_equal(np.bincount(labels[rows], minlength=6), np.ceil(f * counts).astype(int))  # stratified
        assert len(set(rows.tolist())) == len(rows)
    for small, large in ((0.01, 0.05), (0.05, 0.1), (0.1, 0.5), (0.5, 1.0)):
        assert set(subsets[small]) <= set(subsets[large])  # nested
    assert np.array_equal(budget_rows(labels, 0.1, seed=3), subsets[0.1])  # seeded
    assert not np.array_equal(budget_rows(labels, 0.1, seed=4), subsets[0.1])
    assert np.array_equal(subsets[1.0], np.arange(len(labels)))


def test_label_budgets_are_the_same_for_every_experiment_with_the_seed():
    """The subset depends on the labels and the seed only: the baseline and every pretraining see the same images."""
    from cxrcontrast.stages.classify import training_rows

    labels = imbalanced_labels()
    cfg = config(
        experiments=[
            {"encoder": "minivgg", "pretrain": p, "trainset": "train", "labels": [1.0, 0.1]}
            for p in ("none", "normal", "simclr")
        ]
    )
    rows = {
        p: training_rows(1, cfg.classify_params(Experiment("minivgg", p, "train", 0.1)), 5, labels)[0]
        for p in ("none", "normal", "simclr")
    }
    assert np.array_equal(rows["none"], rows["normal"]) and np.array_equal(rows["none"], rows["simclr"])
    doubled = training_rows(
        2, cfg.classify_params(Experiment("minivgg", "none", "train", 0.1)), 5, np.concatenate([labels, labels])
    )[0]
    assert np.array_equal(doubled, np.concatenate([rows["none"], rows["none"] + len(labels)]))  # both halves alike


def clustered(n, k=5, d=12, seed=0):
    """Samples of k fixed clusters (the same centres for every seed), overlapping a little."""
    centres = np.random.default_rng(99).normal(size=(k, d)) * 1.2
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    return (centres[labels] + rng.normal(size=(n, d))).astype(np.float32), labels


def test_knn_probe_against_scikit_learn():
    from sklearn.neighbors import KNeighborsClassifier

    x, y = clustered(400)
    q, _ = clustered(150, seed=1)
    ours = knn_probs(x, y, q, n_classes=5, k=20, temperature=0.07, chunk=64)
    weights = lambda distance: np.exp((1 - distance) / 0.07)  # cosine distance = 1 - similarity
    ref = KNeighborsClassifier(n_neighbors=20, metric="cosine", algorithm="brute", weights=weights)
    np.testing.assert_allclose(ours, ref.fit(x, y).predict_proba(q), atol=1e-5)


def test_linear_probe_against_scikit_learn():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = clustered(600, d=20)
    v, vy = clustered(200, d=20, seed=1)
    q, _ = clustered(200, d=20, seed=2)
    cs = (0.001, 0.1, 10.0)
    probs, c, val_score = linear_probs(x, y, v, vy, q, n_classes=5, cs=cs, max_iter=2000)
    fits = {c: make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000)).fit(x, y) for c in cs}
    scores_ = {c: balanced_accuracy_score(vy, f.predict(v)) for c, f in fits.items()}
    best = max(cs, key=lambda c: (scores_[c], -cs.index(c)))
    assert c == best and val_score == pytest.approx(scores_[best], abs=0.01)
    assert 0.6 < val_score < 1  # a separable problem, well above chance (0.2)
    np.testing.assert_allclose(probs, fits[best].predict_proba(q), atol=5e-3)


def test_linear_probe_on_more_rows_than_it_selects_on():
    """Full size: C is chosen on a seeded subsample of the training rows (scaler fitted on every row),
    then refitted on every row; with enough iterations that is scikit-learn's fit with that C."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.preprocessing import StandardScaler

    x, y = clustered(900, d=20)
    v, vy = clustered(200, d=20, seed=1)
    q, _ = clustered(200, d=20, seed=2)
    cs = (0.001, 0.1, 10.0)
    probs, c, val_score = linear_probs(
        x, y, v, vy, q, n_classes=5, cs=cs, max_iter=2000, select_rows=300, refit_iter=2000, seed=3
    )
    scaler = StandardScaler().fit(x)
    rows = np.sort(np.random.default_rng(3).choice(len(x), 300, replace=False))
    sub = {c: LogisticRegression(C=c, max_iter=2000).fit(scaler.transform(x[rows]), y[rows]) for c in cs}
    scores_ = {c: balanced_accuracy_score(vy, f.predict(scaler.transform(v))) for c, f in sub.items()}
    best = max(cs, key=lambda c: (scores_[c], -cs.index(c)))
    assert c == best and val_score == pytest.approx(scores_[best], abs=0.01)
    full = LogisticRegression(C=best, max_iter=2000).fit(scaler.transform(x), y)
    np.testing.assert_allclose(probs, full.predict_proba(scaler.transform(q)), atol=5e-3)
    assert not np.allclose(probs, sub[best].predict_proba(scaler.transform(q)), atol=5e-3)  # refitted on every row


def test_official_scores_are_medmnists(tmp_path):
    """Our reading of the official task's test split gives what medmnist's Evaluator and its definition give."""
    from sklearn.metrics import roc_auc_score

    arrays = write_medmnist(tmp_path / "raw.npz", n=(30, 20, 200), seed=4)
    labels = arrays["test_labels"]
    labels[:14] = np.eye(14, dtype=np.uint8)  # every label present
    np.savez(tmp_path / "raw.npz", **arrays)
    logits = np.random.default_rng(0).normal(size=labels.shape) + 2 * labels
    y_score = scores(logits, "multi-label, binary-class")
    ours = evaluate_official(str(tmp_path / "raw.npz"), "chestmnist", 28, "test", y_score, labels)
    assert ours == pytest.approx(medmnist_metrics(labels, y_score, "multi-label, binary-class"))
    auc = np.mean([roc_auc_score(labels[:, i], y_score[:, i]) for i in range(14)])
    acc = np.mean((y_score > 0.5) == labels)
    assert ours == pytest.approx({"auc": auc, "acc": acc})


def test_published_figures_of_every_2d_flag():
    """MedMNIST v2's ResNet rows for each 2D flag medmnist knows, each naming its encoder and input size."""
    import medmnist

    from cxrcontrast.evaluation.published import V2_ROWS

    flags = [f for f in medmnist.INFO if not f.endswith("3d")]
    assert sorted({r["flag"] for r in V2_ROWS}) == sorted(flags) and len(flags) == 12
    for flag in flags:
        rows = [(r["encoder"], r["size"]) for r in V2_ROWS if r["flag"] == flag]
        assert rows == [("resnet18", 28), ("resnet18", 224), ("resnet50", 28), ("resnet50", 224)]
    assert all(0.5 <= r["auc"] <= 1 and 0 < r["acc"] <= 1 for r in V2_ROWS)


def test_official_rules_score_their_own_model(tmp_path):
    """A tiny run of the official task's two rules: the metrics are medmnist's Evaluator on the kept model's
    test scores; test labels that are not the raw file's test split are refused."""
    from sklearn.metrics import average_precision_score

    from cxrcontrast.data.images import load_images
    from cxrcontrast.data.synthetic import synthesize
    from cxrcontrast.files import load_npz, save_npz
    from cxrcontrast.models.build import load_classifier
    from cxrcontrast.models.checkpoints import OfficialCheckpoint
    from cxrcontrast.stages.official import run_official
    from cxrcontrast.stages.official_evaluate import run_official_evaluate
    from cxrcontrast.stages.unpruned import run_unpruned

    save_npz(tmp_path / "raw.npz", **synthesize(300, 100, 150, seed=2))
    splits = {s: str(tmp_path / f"{s}.npz") for s in ("train", "val", "test")}
    run_unpruned(raw=str(tmp_path / "raw.npz"), data=npz_entry(), outputs=splits)
    cfg = config(
        encoders={"minivgg": {"head": {"hidden": [32]}}}, official={"end_to_end": {"epochs": 2, "batch_size": 32}}
    )
    params = cfg.official_params("minivgg", "end_to_end")
    model, metrics = str(tmp_path / "out/model.pt"), tmp_path / "out/metrics.json"
    run_official(
        splits["train"], splits["val"], model, str(tmp_path / "out/history.csv"), params, "end_to_end", 0, device="cpu"
    )

    def score(official, test=splits["test"]):
        (tmp_path / "classes.json").write_text(json.dumps({"official": official}))
        raw, classes = str(tmp_path / "raw.npz"), str(tmp_path / "classes.json")
        run_official_evaluate(model, test, raw, classes, str(metrics), pretrain="none", device="cpu")
        return json.loads(metrics.read_text())

    result = score(official=None)
    assert result["task"] == "multi-label, binary-class" and result["n"] == {"train": 300, "val": 100, "test": 150}
    net, ckpt = load_classifier(model, OfficialCheckpoint)
    assert (ckpt.tuning, ckpt.encoder, result["kept_epoch"]) == ("end_to_end", "minivgg", ckpt.epoch)
    test = load_images([splits["test"]], 32)
    with torch.no_grad():
        y_score = scores(net(test.batch(torch.arange(len(test)))).numpy(), result["task"])
    labels = test.labels.numpy()
    evaluator = evaluate_official(str(tmp_path / "raw.npz"), "chestmnist", 28, "test", y_score, labels)
    assert {k: result["test"][k] for k in evaluator} == pytest.approx(evaluator, abs=1e-6)
    found = [i for i in range(labels.shape[1]) if labels[:, i].any()]  # average precision needs a positive
    expected_map = np.mean([average_precision_score(labels[:, i], y_score[:, i]) for i in found])
    assert result["test"]["map"] == pytest.approx(expected_map, abs=1e-6)
    assert result["test"]["acc_constant"] == pytest.approx(1 - labels.mean())  # every label negative
    # the data it ran on, which a published row must share (evaluation/like_for_like.py): synthetic, then as the
    # pruning records the official file
    assert (result["size"], result["image_size"], result["official_file"]) == (28, 32, None)
    assert score(official=28)["official_file"] == 28 and result["provenance"]["params"]["params"] == ckpt.params
    arrays = load_npz(splits["test"])
    save_npz(
        tmp_path / "shuffled.npz", images=arrays["images"], labels=arrays["labels"][::-1].copy(), index=arrays["index"]
    )
    with pytest.raises(InputError, match="labels of its test split are not those of the 150 rows scored"):
        score(official=None, test=str(tmp_path / "shuffled.npz"))


def test_simclr_pretrains_on_every_training_image_without_labels(tmp_path):
    """images: all reads the unpruned split (multi-label rows too); the labels play no part in the loss."""
    from cxrcontrast.files import load_checkpoint, save_npz
    from cxrcontrast.stages.pretrain import run_pretrain
    from cxrcontrast.stages.unpruned import run_unpruned

    pruned_demo(tmp_path, 400, 100, 60, 3)
    run_unpruned(
        raw=str(tmp_path / "raw.npz"),
        data=npz_entry(),
        outputs={s: str(tmp_path / f"all_{s}.npz") for s in ("train", "val", "test")},
    )
    params = config(pretrain={"simclr": {"epochs": 1, "batch_size": 64}}).pretrain_params("minivgg", "simclr")
    runs = {}
    for name, labels_seed in (("a", 0), ("b", 1)):  # the same images, other labels: the same result
        with np.load(tmp_path / "all_train.npz") as f:
            arrays = {k: f[k] for k in ("images", "labels", "index")}
        arrays["labels"] = np.random.default_rng(labels_seed).integers(0, 2, arrays["labels"].shape)
        save_npz(tmp_path / f"train_{name}.npz", **arrays)
        run_pretrain(
            train=str(tmp_path / f"train_{name}.npz"),
            val=str(tmp_path / "val.npz"),
            classes=str(tmp_path / "classes.json"),
            out_encoder=str(tmp_path / name / "encoder.pt"),
            out_history=str(tmp_path / name / "history.csv"),
            params=params,
            seed=0,
            device="cpu",
        )
        runs[name] = load_checkpoint(tmp_path / name / "encoder.pt")["state_dict"]
    for key, value in runs["a"].items():
        assert torch.equal(value, runs["b"][key]), key
    assert "images_per_class" not in params["block"] and params["block"]["images"] == "all"


def test_official_scores_where_a_label_has_no_positive():
    """medmnist's AUC fails for a split with a label never present (small or demo data): the mean over the
    defined labels is reported instead, and says so."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    labels = (rng.random((80, 14)) < 0.2).astype(int)
    labels[:, 13] = 0
    y_score = rng.random((80, 14))
    m = medmnist_metrics(labels, y_score, "multi-label, binary-class")
    assert m["auc"] == pytest.approx(np.mean([roc_auc_score(labels[:, i], y_score[:, i]) for i in range(13)]))
    assert "undefined" in m["note"] and 0 <= m["acc"] <= 1


def test_medmnist_plus_knn_is_scikit_learns_uniform_euclidean_majority():
    """The MedMNIST+ protocol (k=11, Euclidean, one vote each): the same predictions as scikit-learn's
    KNeighborsClassifier, whose ties also go to the smaller class."""
    from sklearn.neighbors import KNeighborsClassifier

    from cxrcontrast.evaluation.probes import majority_knn

    rng = np.random.default_rng(0)
    train, query = rng.normal(size=(300, 8)) * 3, rng.normal(size=(120, 8)) * 3
    train_labels = rng.integers(0, 5, 300)
    train[:, 0] += train_labels  # some structure, so that votes are not all ties
    ours = majority_knn(train, train_labels, query, n_classes=6, k=11, chunk=50)
    ref = KNeighborsClassifier(n_neighbors=11, metric="euclidean", algorithm="brute").fit(train, train_labels)
    assert np.array_equal(ours, ref.predict(query))
    tie = majority_knn(np.array([[0.0], [1.0]]), np.array([3, 1]), np.array([[0.5]]), n_classes=4, k=2)
    assert tie.tolist() == [1]  # one vote each: the smaller class
