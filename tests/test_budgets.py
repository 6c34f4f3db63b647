"""A label budget applies to validation too: the same fraction of each class of val, at least one image per
class, nested and seeded as the training subsets; a budgeted run selects its epoch and fits its temperature on
those rows only."""

import json

import numpy as np
import pytest
from conftest import pruned_demo
from training_helpers import classify, classify_params

from cxrcontrast.data.budgets import budget_rows, val_budget_rows
from cxrcontrast.stages import classify as classify_stage

FRACTIONS = (0.01, 0.05, 0.1, 0.5, 1.0)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return pruned_demo(tmp_path_factory.mktemp("data"), 600, 300, 90, 3)


def budgeted(fraction):
    """The baseline's slice at a label budget (one epoch)."""
    return {**classify_params(epochs=1), "labels": fraction}


def val_like_labels(seed=0):
    """An imbalanced validation split: 369 images, the smallest class of 2 (as a rare finding)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.repeat(np.arange(6), [200, 90, 45, 20, 12, 2]))


def test_val_budgets_are_stratified_nested_seeded_with_one_per_class():
    labels = val_like_labels()
    counts = np.bincount(labels)
    subsets = {f: val_budget_rows(labels, f, seed=3) for f in FRACTIONS}
    for f, rows in subsets.items():
        kept = np.bincount(labels[rows], minlength=6)
        assert np.array_equal(kept, np.ceil(f * counts).astype(int))  # the same fraction of every class
        assert kept.min() >= 1  # at least one image of each class present
        assert len(np.unique(rows)) == len(rows)
    assert len(subsets[0.01]) == 7  # 1% of 369 labels: 2 of the largest class, 1 of each other, not 369
    for small, large in zip(FRACTIONS, FRACTIONS[1:]):
        assert set(subsets[small]) <= set(subsets[large])  # nested
    assert np.array_equal(val_budget_rows(labels, 0.1, seed=3), subsets[0.1])  # seeded
    assert not np.array_equal(val_budget_rows(labels, 0.1, seed=4), subsets[0.1])
    assert np.array_equal(subsets[1.0], np.arange(len(labels)))


def test_val_draws_are_not_the_training_draws():
    """A stream of its own: the same labels give other rows for val than for train (drawn independently)."""
    labels = val_like_labels()
    assert not np.array_equal(val_budget_rows(labels, 0.5, seed=3), budget_rows(labels, 0.5, seed=3))


def test_a_budgeted_run_selects_its_epoch_on_the_val_rows_of_its_budget(data, tmp_path, monkeypatch):
    """The val images the training loop scores each epoch on are exactly the budget's rows, at 0.1 and at 1."""
    seen = {}
    real = classify_stage.feature_source

    def spy(model, train_data, val_data, *args, **kwargs):
        seen["val_index"] = val_data.index.numpy().copy()
        return real(model, train_data, val_data, *args, **kwargs)

    monkeypatch.setattr(classify_stage, "feature_source", spy)
    with np.load(data / "val.npz") as val:
        val_labels, val_index = val["labels"], val["index"]
    for fraction in (0.1, 1.0):
        classify(data, tmp_path / str(fraction), params=budgeted(fraction), seed=2)
        expected = val_index[val_budget_rows(val_labels, fraction, seed=2)]
        assert np.array_equal(seen["val_index"], expected)
    assert len(val_budget_rows(val_labels, 0.1, seed=2)) < len(val_labels)


def evaluate_budgeted(data, model_dir, out):
    """Rule evaluate of the classifier in ``model_dir`` (10% of the labels, seed 2), its files written to ``out``."""
    from cxrcontrast.stages.corrupt import run_corrupt
    from cxrcontrast.stages.evaluate import run_evaluate

    run_corrupt(str(data / "test.npz"), str(out / "c.npz"), {"corruptions": ["pixelate"], "severities": [1]}, 2)
    outputs = {k: str(out / f"{k}.{e}") for k, e in (("metrics", "json"), ("predictions", "npz"))}
    outputs.update({k: str(out / f"{k}.png") for k in ("confusion", "auc", "curves", "reliability")})
    experiment = {"encoder": "minivgg", "pretrain": "none", "trainset": "train", "labels": 0.1, "seed": 2}
    run_evaluate(
        str(model_dir / "model.pt"),
        str(data / "test.npz"),
        str(data / "val.npz"),
        str(out / "c.npz"),
        str(data / "classes.json"),
        str(model_dir / "history.csv"),
        outputs,
        experiment,
        params={"bootstrap": 20, "seed": 0, "paper_protocol_seed": 0},
        device="cpu",
    )
    return json.loads((out / "metrics.json").read_text())


@pytest.fixture(scope="module")
def budgeted_run(data, tmp_path_factory):
    """A run at 10% of the labels, evaluated: its folder (model.pt, metrics.json)."""
    out = tmp_path_factory.mktemp("budgeted")
    classify(data, out, params=budgeted(0.1), seed=2)
    evaluate_budgeted(data, out, out)
    return out


def val_predictions(data, out):
    """The run's classifier's probabilities on every val image, and their labels."""
    from cxrcontrast.data.images import load_images
    from cxrcontrast.evaluation.inference import predict_probs
    from cxrcontrast.models.build import load_classifier

    net, ckpt = load_classifier(str(out / "model.pt"))
    full = load_images([str(data / "val.npz")], ckpt.image_size)
    return predict_probs(net, full, "cpu").numpy(), full.labels.numpy()


def test_a_budgeted_runs_collapse_is_judged_on_every_val_row(data, budgeted_run):
    """Collapse is a diagnosis: the val balanced accuracy it compares with chance is that of the whole val split,
    not of the budget's rows (which fit the temperature only)."""
    from cxrcontrast.evaluation.collapse import collapse_of

    m = json.loads((budgeted_run / "metrics.json").read_text())
    probs, labels = val_predictions(data, budgeted_run)
    recalls = [np.mean(probs[labels == c].argmax(1) == c) for c in np.unique(labels)]  # by definition
    assert m["val_balanced_accuracy"] == pytest.approx(np.mean(recalls), abs=1e-12)
    rows = val_budget_rows(labels, 0.1, seed=2)
    assert m["n_val"] == len(rows) < len(labels)  # the budget still has its few rows
    names = json.loads((data / "classes.json").read_text())["class_names"]
    budget_only = collapse_of(probs, probs[rows], labels[rows], names)["val_balanced_accuracy"]
    assert budget_only != pytest.approx(m["val_balanced_accuracy"], abs=1e-9)  # the case tells the two apart


def test_the_temperature_of_a_budgeted_run_is_fitted_on_its_val_rows(data, budgeted_run):
    """metrics.json records the val subset's size and the outcome of the temperature fit on those rows'
    probabilities (this one-epoch model's outputs are near uniform: the fit fails at the search bound)."""
    from cxrcontrast.data.images import load_images
    from cxrcontrast.evaluation.calibration import fit_failure, fit_temperature
    from cxrcontrast.evaluation.inference import predict_probs
    from cxrcontrast.models.build import load_classifier

    m = json.loads((budgeted_run / "metrics.json").read_text())
    net, ckpt = load_classifier(str(budgeted_run / "model.pt"))
    full = load_images([str(data / "val.npz")], ckpt.image_size)
    rows = val_budget_rows(full.labels.numpy(), 0.1, seed=2)
    assert m["n_val"] == len(rows) < len(full)
    assert m["calibration"]["temperature_fitted_on"]["n"] == len(rows)
    subset = full.rows(rows)
    probs, labels = predict_probs(net, subset, "cpu").numpy(), subset.labels.numpy()
    fitted = fit_temperature(probs, labels)
    outcome = fit_failure(probs, labels, fitted) or "ok"
    assert m["temperature_fit"] == outcome  # whichever it is, it is the outcome of the fit on these rows
    assert m["temperature"] == (pytest.approx(fitted, rel=1e-6) if outcome == "ok" else None)


def overconfident(k: int):
    """A stand-in for predict_probs over ``k`` classes: probabilities that depend on each image's label and source
    row only (the same for a subset as for the whole split), right more often than not and too confident, so a
    temperature above 1 is fitted inside the searched range."""
    import torch

    def predict(net, images, device):
        index = images.index.double()[:, None]
        noise = 6 * torch.sin(index * torch.arange(1, k + 1, dtype=torch.float64))
        return torch.softmax(noise + 5 * torch.nn.functional.one_hot(images.labels.long(), k), 1).float()

    return predict


def test_a_successful_temperature_fit_is_that_of_the_budgets_val_rows(data, budgeted_run, tmp_path, monkeypatch):
    """The branch where the fit succeeds: ``temperature`` is the fit on the budget's val rows, not on all of them."""
    from cxrcontrast.data.images import load_images
    from cxrcontrast.evaluation.calibration import fit_failure, fit_temperature
    from cxrcontrast.stages import evaluate

    predict = overconfident(len(json.loads((data / "classes.json").read_text())["class_names"]))
    monkeypatch.setattr(evaluate, "predict_probs", predict)
    m = evaluate_budgeted(data, budgeted_run, tmp_path)
    full = load_images([str(data / "val.npz")], 28)
    subset = full.rows(val_budget_rows(full.labels.numpy(), 0.1, seed=2))
    probs, labels = predict(None, subset, "cpu").numpy(), subset.labels.numpy()
    fitted = fit_temperature(probs, labels)
    assert fit_failure(probs, labels, fitted) is None and m["temperature_fit"] == "ok"  # the fit succeeded
    assert m["temperature"] == pytest.approx(fitted, rel=1e-6)
    every = predict(None, full, "cpu").numpy()
    assert fit_temperature(every, full.labels.numpy()) != pytest.approx(fitted, rel=1e-3)  # the rows matter


def test_every_objective_of_the_demo_classifies_the_same_images_at_a_budget():
    """A budget's training and val rows depend on the labels, the fraction and the seed only: every experiment of
    the demo at 10% on chest (untrained, triplets, SupCon, SimCLR, the multi-label objectives) classifies the same
    images, those of a per-class ceil(f * count) draw (the brute-force reference below)."""
    from conftest import run_config

    from cxrcontrast.data.budgets import stratified_rows

    run = run_config("config.yaml", "demo.yaml").on("chest")
    budgeted_exps = [e for e in run.experiments if e.labels == 0.1 and e.trainset == "train"]
    assert {"none", "hard", "supcon", "simclr", "supcon_jaccard", "mulsupcon"} <= {e.pretrain for e in budgeted_exps}
    labels = val_like_labels(seed=1)
    for seed in (0, 1):
        rows = {
            e.pretrain: classify_stage.training_rows(1, run.classify_params(e), seed, labels)[0] for e in budgeted_exps
        }
        reference = rows["none"]
        for pretrain, kept in rows.items():
            assert np.array_equal(kept, reference), pretrain
        counts, kept_counts = np.bincount(labels), np.bincount(labels[reference], minlength=6)
        assert np.array_equal(kept_counts, np.ceil(0.1 * counts).astype(int))
        assert np.array_equal(reference, stratified_rows(labels, 0.1, seed, 0x1ABE15))
