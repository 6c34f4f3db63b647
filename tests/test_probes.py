"""The kNN probe's cosine at any scale of the features, and collapsed features marked, not scored."""

import json

import numpy as np
import pytest
import torch

from cxrcontrast.evaluation.probes import collapse, knn_probs
from cxrcontrast.evaluation.protocol_sensitivity import protocol_scores
from cxrcontrast.evaluation.tables import embedding_rows


def clustered(n, k=5, d=12, seed=0):
    """Samples of k fixed clusters (the same centres for every seed), overlapping a little."""
    centres = np.random.default_rng(99).normal(size=(k, d)) * 1.2
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    return (centres[labels] + rng.normal(size=(n, d))).astype(np.float32), labels


def brute_force_knn(train, train_labels, query, n_classes, k, temperature):
    """The weighted kNN in float64, one query at a time: cosine = dot product of rows divided by their norms."""
    x, q = np.asarray(train, np.float64), np.asarray(query, np.float64)
    x, q = x / np.linalg.norm(x, axis=1, keepdims=True), q / np.linalg.norm(q, axis=1, keepdims=True)
    out = np.zeros((len(q), n_classes))
    for i, row in enumerate(q):
        sims = x @ row
        nearest = np.argsort(-sims)[:k]
        np.add.at(out[i], train_labels[nearest], np.exp(sims[nearest] / temperature))
    return out / out.sum(1, keepdims=True)


@pytest.mark.parametrize("scale", [1.0, 1e-16, 1e-30, 1e30])
def test_knn_cosine_is_the_float64_brute_force_at_any_scale(scale):
    """Features of norm ~1e-16 (the demo's untrained EfficientNet-B0) were floored by F.normalize's eps of
    1e-12: their kNN ranked by dot product and voted unweighted."""
    x, y = clustered(400)
    q, _ = clustered(150, seed=1)
    x, q = (x * np.float32(scale)).astype(np.float32), (q * np.float32(scale)).astype(np.float32)
    ours = knn_probs(x, y, q, n_classes=5, k=20, temperature=0.07, chunk=64)
    np.testing.assert_allclose(ours, brute_force_knn(x, y, q, 5, 20, 0.07), atol=1e-5)


def test_collapse_is_scale_free_and_names_its_reason():
    x, _ = clustered(300)
    for scale in (1.0, 1e-16, 1e-35):  # any scale float32 holds: not collapsed
        assert collapse((x * scale).astype(np.float32)) is None
    v = np.random.default_rng(2).normal(size=12).astype(np.float32)
    same_way = (np.random.default_rng(3).uniform(0.1, 10, (300, 1)) * v).astype(np.float32)  # only the length varies
    assert "within float32 resolution of their mean" in collapse(same_way)
    assert "within float32 resolution" in collapse(np.tile(v * np.float32(1e-18), (300, 1)))
    ulp_apart = np.tile(v, (300, 1))
    ulp_apart[::2] = np.nextafter(ulp_apart[::2], np.float32(np.inf))  # one float32 step: rounding, no signal
    assert "within float32 resolution" in collapse(ulp_apart)
    thousandth = np.tile(v, (300, 1)) * (1 + 1e-3 * np.random.default_rng(4).normal(size=(300, 12)))
    assert collapse(thousandth.astype(np.float32)) is None  # small but real differences
    assert collapse(np.zeros((10, 4), np.float32)) == "every feature is zero"
    assert "not finite" in collapse(np.where(np.eye(4, dtype=bool), np.nan, 1.0))


def write_split(path, n, rng):
    from cxrcontrast.files import save_npz

    images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    save_npz(path, images=images, labels=np.arange(n) % 5, index=np.arange(n))


@pytest.mark.parametrize("collapsed", [False, True])
def test_the_probe_stage_marks_collapsed_features_and_scores_the_rest(tmp_path, monkeypatch, collapsed):
    """probes.json: features of norm ~1e-16 scored as a float64 cosine kNN; features of one direction
    marked collapsed with the split and reason, every probe score null."""
    import cxrcontrast.stages.probe as stage

    sizes = {"train": 200, "val": 60, "test": 80}
    rng = np.random.default_rng(0)
    feats = {n: clustered(n, seed=i)[0] * np.float32(1e-16) for i, n in enumerate(sizes.values())}
    if collapsed:
        feats[sizes["train"]] = np.tile(feats[sizes["train"]][:1] * 0 + np.float32(3e-17), (sizes["train"], 1))
    for split, n in sizes.items():
        write_split(tmp_path / f"{split}.npz", n, rng)
    (tmp_path / "classes.json").write_text(json.dumps({"class_names": list("abcde")}))
    monkeypatch.setattr(stage, "load_embedder", lambda *args: None)
    monkeypatch.setattr(stage, "embed", lambda model, data, dev: (torch.from_numpy(feats[len(data)]), None))
    params = {
        "encoder": "minivgg",
        "image_size": 28,
        "probes": {"knn_k": 20, "knn_temperature": 0.07, "medmnist_plus_k": 11, "linear_c": [1.0]},
    }
    paths = [str(tmp_path / f"{s}.npz") for s in sizes]
    stage.run_probe(None, *paths, str(tmp_path / "classes.json"), str(tmp_path / "p.json"), params, "none", 0, "cpu")
    out = json.loads((tmp_path / "p.json").read_text())
    assert out["collapsed"] is collapsed
    if collapsed:
        assert out["collapsed_reason"].startswith("train: every image's feature direction lies within float32")
        assert out["knn"] == {"k": 20, "balanced_accuracy": None, "auc_macro": None, "accuracy": None}
        assert out["linear"]["balanced_accuracy"] is None and out["knn_medmnist_plus"]["accuracy"] is None
        return
    from cxrcontrast.evaluation.probes import probe_scores

    labels = {n: np.arange(n) % 5 for n in sizes.values()}
    ref = brute_force_knn(feats[200], labels[200], feats[80], 5, 20, 0.07)
    assert out["collapsed_reason"] is None
    assert out["knn"]["balanced_accuracy"] == pytest.approx(probe_scores(ref, labels[80])["balanced_accuracy"])


def probes_json(pretrain, seed, collapsed):
    none_or = (lambda v: None) if collapsed else (lambda v: v)
    scores = {m: none_or(0.4) for m in ("balanced_accuracy", "auc_macro", "accuracy")}
    return {
        "encoder": "efficientnet_b0",
        "pretrain": pretrain,
        "seed": seed,
        "collapsed": collapsed,
        "collapsed_reason": "train: every feature is zero" if collapsed else None,
        "knn": {"k": 20, **scores},
        "linear": {**scores, "c": none_or(1.0), "val_balanced_accuracy": none_or(0.4)},
        "knn_medmnist_plus": {"k": 11, "accuracy": none_or(0.5), "balanced_accuracy": none_or(0.3)},
    }


def test_collapsed_states_carry_the_mark_and_leave_the_probe_rankings():
    """A state collapsed in one seed of two is out of the kNN and linear rankings (its other seed's mean would
    stand for it); the other states rank as before."""
    probes = [
        probes_json("none", 0, collapsed=True),
        probes_json("none", 1, collapsed=False),
        probes_json("normal", 0, collapsed=False),
    ]
    rows = embedding_rows([], probes)
    marks = {(r["pretrain"], r["seed"]): (r["collapsed"], r["collapsed_reason"]) for r in rows}
    assert marks == {
        ("none", 0): (True, "train: every feature is zero"),
        ("none", 1): (False, None),
        ("normal", 0): (False, None),
    }
    assert rows[0]["knn_balanced_accuracy"] is None and rows[0]["linear_c"] is None
    scores = protocol_scores([], rows, [])
    for protocol in ("knn", "linear", "knn_medmnist_plus"):
        assert scores[protocol] == {("efficientnet_b0", "normal"): pytest.approx(0.5 if "plus" in protocol else 0.4)}
    older = [{k: v for k, v in p.items() if not k.startswith("collapsed")} for p in probes[1:]]
    assert "collapsed" in embedding_rows([], older)[0] and not embedding_rows([], older)[0]["collapsed"]
