"""A collapsed classifier (a single predicted class, or validation balanced accuracy not above chance) is
marked in metrics.json and every table of the summary, and no effect, robustness or rank is claimed of it."""

import re

import numpy as np
import pytest

from cxrcontrast.evaluation.collapse import collapse_of

NAMES = [f"c{i}" for i in range(4)]


def reference(test_probs, val_probs, val_labels):
    """The criterion image by image, with no NumPy shortcut: (single class on test, val at or below chance)."""
    test_top = [max(range(len(p)), key=lambda c: (p[c], -c)) for p in test_probs.tolist()]
    val_top = [max(range(len(p)), key=lambda c: (p[c], -c)) for p in val_probs.tolist()]
    present = sorted(set(val_labels.tolist()))
    recalls = []
    for c in present:
        mine = [i for i, y in enumerate(val_labels.tolist()) if y == c]
        recalls.append(sum(val_top[i] == c for i in mine) / len(mine))
    return len(set(test_top)) == 1, sum(recalls) / len(recalls) <= 1 / len(present) + 1e-12


def probs_predicting(top: np.ndarray, k: int = 4) -> np.ndarray:
    p = np.full((len(top), k), 0.1)
    p[np.arange(len(top)), top] = 0.7
    return p / p.sum(1, keepdims=True)


@pytest.mark.parametrize("case", range(40))
def test_the_criterion_against_a_brute_force_reference(case):
    rng = np.random.default_rng(case)
    n, k = 30, 4
    val_labels = rng.integers(0, k - case % 2, n)  # every other case lacks a class in val: chance is 1/3
    skill = rng.uniform(0, 1)  # the share of val images predicted right, the rest at random
    val_top = np.where(rng.random(n) < skill, val_labels, rng.integers(0, k, n))
    if case % 5 == 0:
        val_top[:] = rng.integers(0, k)  # a constant predictor: exactly at chance
    test_top = rng.integers(0, k, n) if case % 3 else np.full(n, rng.integers(0, k))
    test_probs, val_probs = probs_predicting(test_top), probs_predicting(val_top)
    single, at_chance = reference(test_probs, val_probs, val_labels)
    got = collapse_of(test_probs, val_probs, val_labels, NAMES)
    assert got["collapsed"] == (single or at_chance)
    assert ("predicts one class" in (got["collapsed_reason"] or "")) == single
    assert ("not above chance" in (got["collapsed_reason"] or "")) == at_chance


def test_a_constant_predictor_is_collapsed_and_named():
    labels = np.arange(40) % 4
    got = collapse_of(probs_predicting(np.full(40, 2)), probs_predicting(np.full(40, 2)), labels, NAMES)
    assert got["collapsed"] and got["val_chance"] == 0.25 and got["val_balanced_accuracy"] == 0.25
    assert got["collapsed_reason"] == (
        "predicts one class (c2) for every test image; val balanced accuracy 25.0% is not above chance (25.0%)"
    )


def test_a_classifier_above_chance_predicting_every_class_is_not_collapsed():
    labels = np.arange(40) % 4
    right = probs_predicting(labels)
    got = collapse_of(right, right, labels, NAMES)
    assert not got["collapsed"] and got["collapsed_reason"] is None and got["val_balanced_accuracy"] == 1.0


# --- the summary of a grid where one experiment collapsed (EfficientNet-B0's baseline, as in issue 34) ---

RUNS = [
    ("minivgg", "none", "train", 0.5, 0.1),
    ("minivgg", "normal", "train", 1.5, 0.01),
    ("efficientnet_b0", "none", "train", 0.0, 0.1),
    ("efficientnet_b0", "normal", "train", 0.0, 0.01),
]
REASON = "predicts one class (c0) for every test image"


def mark_collapsed(metrics_path: str) -> None:
    from cxrcontrast.files import load_json, save_json

    m = load_json(metrics_path)
    save_json(metrics_path, {**m, "collapsed": True, "collapsed_reason": REASON})


@pytest.fixture(scope="module")
def collapsed_summary(tmp_path_factory):
    """The summary of RUNS, 2 seeds each, with every seed of the EfficientNet baseline collapsed."""
    from test_summary import fake_result, summarise_files

    tmp = tmp_path_factory.mktemp("summary")
    metrics, preds = [], []
    for enc, pre, ts, skill, lr in RUNS:
        for seed in (0, 1):
            a, b = fake_result(tmp, enc, pre, ts, seed, skill, lr)
            if (enc, pre) == ("efficientnet_b0", "none"):
                mark_collapsed(a)
            metrics.append(a)
            preds.append(b)
    return summarise_files(tmp, metrics, preds)


def read_csv(path) -> list[dict]:
    import csv

    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_collapsed_experiment_is_marked_in_metrics_and_summary_csv(collapsed_summary):
    for r in read_csv(collapsed_summary["metrics"]):
        gone = (r["encoder"], r["pretrain"]) == ("efficientnet_b0", "none")
        assert r["collapsed"] == str(gone) and r["collapsed_reason"] == (REASON if gone else "")
    seeds = {(r["encoder"], r["pretrain"]): r["collapsed_seeds"] for r in read_csv(collapsed_summary["summary"])}
    assert seeds == {("minivgg", "none"): "0", ("minivgg", "normal"): "0"} | {
        ("efficientnet_b0", "none"): "2",
        ("efficientnet_b0", "normal"): "0",
    }


def test_a_comparison_of_a_collapsed_pair_is_marked_and_claims_no_effect(collapsed_summary):
    rows = read_csv(collapsed_summary["comparisons"])
    marks = {(r["encoder"], r["collapsed"], r["collapsed_reason"]) for r in rows}
    assert marks == {("minivgg", "False", ""), ("efficientnet_b0", "True", "collapsed: the baseline's seeds 0, 1")}
    text = open(collapsed_summary["markdown"]).read()
    section = text.split("## Against the baseline")[1].split("\n## ")[0]
    lines = [line for line in section.splitlines() if line.startswith("| EffNet-B0 normal pretrain | ")]
    assert len(lines) == 2  # both metrics of the pair (balanced accuracy, macro AUC)
    for line in lines:
        assert "no effect claimed (collapsed: the baseline's seeds 0, 1) | – | – |" in line
        assert not re.search(r"[+-]\d+\.\d", line.split("no effect")[0])  # no difference shown before the mark
    assert any(
        line.startswith("| VGG normal pretrain | ") and re.search(r"\| [+-]\d+\.\d( \*)? \|", line)
        for line in text.splitlines()
    )


def test_summary_md_marks_the_collapsed_experiment_in_every_experiment_table(collapsed_summary):
    text = open(collapsed_summary["markdown"]).read()
    marked = [
        line for line in text.splitlines() if line.startswith("| EffNet-B0 baseline **collapsed** (2 of 2 seeds) |")
    ]
    assert len(marked) == 2  # the main table and calibration (robustness leaves it out)
    assert not any(line.startswith("| EffNet-B0 baseline |") for line in text.splitlines())


def test_robustness_leaves_the_collapsed_models_out_and_names_them(collapsed_summary):
    rows = read_csv(collapsed_summary["robustness"])
    assert {(r["encoder"], r["pretrain"]) for r in rows} == {
        ("minivgg", "none"),
        ("minivgg", "normal"),
        ("efficientnet_b0", "normal"),
    }
    section = open(collapsed_summary["markdown"]).read().split("## Robustness")[1].split("\n## ")[0]
    assert "| EffNet-B0 baseline" not in section
    named = r"EffNet-B0 baseline, seed 0 \(predicts one class \(c0\) for every test image\); EffNet-B0 baseline, seed 1"
    assert f"Left out as collapsed (no drop to measure): {named}" in section  # as Markdown text: ( escaped


def test_protocol_rankings_leave_the_collapsed_state_out_and_name_it(collapsed_summary):
    rows = read_csv(collapsed_summary["protocols"])
    natural = next(r for r in rows if r["protocol"] == "natural" and r["against"] == "paper")
    assert natural["states"] == "3"
    assert natural["left_out_collapsed"] == "efficientnet_b0/none (end to end) (classifier collapsed in 2 of 2 seeds)"
    section = open(collapsed_summary["markdown"]).read().split("## Protocol sensitivity")[1]
    assert "| efficientnet_b0 | none (end to end) | collapsed | collapsed |" in section
    assert (
        "Left out of the rankings as collapsed: efficientnet_b0/none (end to end) "
        "(classifier collapsed in 2 of 2 seeds)" in section
    )


def drawn_texts(monkeypatch, module) -> list[str]:
    """The texts of the figures ``module`` saves (titles, labels, annotations), collected as they are saved."""
    texts: list[str] = []

    def keep(fig, path, **kwargs):
        texts.extend(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_text()))

    monkeypatch.setattr(module, "save_figure", keep)
    return texts


def dataset_comparisons(collapsed_summary) -> list[dict]:
    from cxrcontrast.evaluation.datasets import dataset_rows

    comps = read_csv(collapsed_summary["comparisons"])
    return dataset_rows({"chest": {"comparisons": comps, "classes": {"class_names": ["a", "b"]}, "data": {"size": 28}}})


def test_datasets_csv_rows_and_section_carry_the_mark(collapsed_summary):
    from cxrcontrast.summary.datasets import datasets_section

    rows = dataset_comparisons(collapsed_summary)
    assert {(r["encoder"], r["collapsed"]) for r in rows} == {("minivgg", False), ("efficientnet_b0", True)}
    text = datasets_section(rows, [])
    effnet = next(line for line in text.splitlines() if "EffNet-B0" in line)
    mark = "**collapsed**: no effect claimed (collapsed: the baseline's seeds 0, 1)"
    assert effnet.count(mark) == 2
    vgg = next(line for line in text.splitlines() if "VGG normal" in line)
    assert "collapsed" not in vgg and re.search(r"[+-]\d+\.\d \[", vgg)


def test_the_forest_plot_draws_the_collapsed_row_with_its_mark(collapsed_summary, monkeypatch, tmp_path):
    from cxrcontrast.figures import datasets as figure

    texts = drawn_texts(monkeypatch, figure)
    labels = figure.forest_plot(dataset_comparisons(collapsed_summary), str(tmp_path / "f.png"))
    assert labels == ["chest 28 px · VGG normal pretrain", "chest 28 px · EffNet-B0 normal pretrain (collapsed)"]
    assert texts.count("collapsed: no effect") == 2  # one per panel
    assert "chest 28 px · EffNet-B0 normal pretrain (collapsed)" in texts


def test_the_robustness_figure_names_the_collapsed_models_it_leaves_out(monkeypatch, tmp_path):
    from cxrcontrast.figures import robustness as figure

    row = {"encoder": "minivgg", "pretrain": "none", "trainset": "train", "labels": 1.0, "corruption": "pixelate"}
    rows = [{**row, "severity": s, "drop_auc_macro": 0.1 * s, "drop_balanced_accuracy": 0.05 * s} for s in (1, 5)]
    texts = drawn_texts(monkeypatch, figure)
    figure.robustness_figure(rows, str(tmp_path / "r.png"), ["EffNet-B0 baseline, seed 0 (predicts one class)"])
    assert "left out as collapsed (no drop to measure): EffNet-B0 baseline, seed 0 (predicts one class)" in texts
    assert not any("EffNet" in t for t in texts if not t.startswith("left out"))


def test_collapsed_probe_features_show_why_in_the_embedding_table():
    from cxrcontrast.evaluation.tables import embedding_rows
    from cxrcontrast.summary.encoder_states import embedding_section

    scores = {"balanced_accuracy": None, "auc_macro": None, "accuracy": None}
    probe = {"encoder": "minivgg", "pretrain": "normal", "seed": 0, "knn": {**scores, "k": None}}
    probe |= {"linear": {**scores, "c": None}, "collapsed": True, "collapsed_reason": "every feature is constant"}
    lines = embedding_section(embedding_rows([], [probe]))
    row = next(line for line in lines if line.startswith("| minivgg | normal |"))
    probe_cells = row.strip("| ").split(" | ")[-4:]  # kNN and linear: balanced accuracy, AUC
    assert probe_cells == ["collapsed (every feature is constant)"] * 4


def test_evaluate_records_the_mark_in_metrics_json(tmp_path, monkeypatch):
    """The evaluate stage of a classifier whose every output is the same (its head zeroed): collapsed, with why."""
    import json

    import torch
    from conftest import pruned_demo
    from training_helpers import classify, classify_params

    from cxrcontrast.stages import evaluate
    from cxrcontrast.stages.corrupt import run_corrupt

    data = pruned_demo(tmp_path / "data", 120, 40, 40, 3)
    classify(data, tmp_path / "m", params=classify_params(epochs=1))
    real = evaluate.predict_probs

    def constant(net, images, device):  # every image scored as the first: what a dead head outputs
        probs = real(net, images, device)
        return torch.softmax(torch.zeros_like(probs) + torch.arange(probs.shape[1], 0, -1), 1)

    monkeypatch.setattr(evaluate, "predict_probs", constant)
    run_corrupt(str(data / "test.npz"), str(tmp_path / "c.npz"), {"corruptions": [], "severities": [1]}, 0)
    outputs = {k: str(tmp_path / f"{k}.{ext}") for k, ext in (("metrics", "json"), ("predictions", "npz"))}
    outputs |= {k: str(tmp_path / f"{k}.png") for k in ("confusion", "auc", "curves", "reliability")}
    evaluate.run_evaluate(
        model=str(tmp_path / "m/model.pt"),
        test=str(data / "test.npz"),
        val=str(data / "val.npz"),
        corrupted=str(tmp_path / "c.npz"),
        classes=str(data / "classes.json"),
        history=str(tmp_path / "m/history.csv"),
        outputs=outputs,
        experiment={"encoder": "minivgg", "pretrain": "none", "trainset": "train", "labels": 1.0, "seed": 0},
        params={"bootstrap": 100, "seed": 0, "paper_protocol_seed": 0},
        device="cpu",
    )
    m = json.loads((tmp_path / "metrics.json").read_text())
    first = json.loads((data / "classes.json").read_text())["class_names"][0]
    assert m["collapsed"] is True
    assert m["collapsed_reason"].startswith(f"predicts one class ({first}) for every test image; val balanced accuracy")


# --- label equivalence claims nothing of a collapsed classifier ---

PRETRAINED = ("minivgg", "simclr", "train", 0.1)


def baseline(budget: float) -> tuple:
    return ("minivgg", "none", "train", budget)


def test_a_collapsed_pretrained_experiment_claims_no_equivalence():
    from test_label_equivalence import grid

    from cxrcontrast.evaluation.label_equivalence import label_equivalence

    rows = label_equivalence(grid(pretrained_skill=1.5), resamples=20, seed=0, collapsed={PRETRAINED})
    assert [(r["metric"], r["equivalent_budget"], r["ci_low"], r["collapsed"]) for r in rows] == [
        ("auc_macro", None, None, True),
        ("balanced_accuracy", None, None, True),
    ]


def test_a_collapsed_baseline_budget_is_left_out_of_the_curve():
    """The curve without the collapsed 10% budget is the curve of a grid that never had it."""
    from test_label_equivalence import grid

    from cxrcontrast.evaluation.label_equivalence import label_equivalence

    preds = grid(pretrained_skill=1.5)
    got = label_equivalence(preds, resamples=30, seed=0, collapsed={baseline(0.1)})
    del preds[baseline(0.1)]
    expected = label_equivalence(preds, resamples=30, seed=0)
    assert got == expected and got[0]["baseline_budgets"] == "0.01;1" and not got[0]["collapsed"]
    one_left = label_equivalence(grid(1.5), resamples=20, seed=0, collapsed={baseline(0.1), baseline(1.0)})
    assert [r["equivalent_budget"] for r in one_left] == [None, None]  # one budget is no curve: no claim


def test_the_summary_says_no_claim_for_a_collapsed_experiment(tmp_path):
    """summary.md and the report's landing sentences: "no claim (collapsed)", no budget, for the collapsed
    pretrained experiment (its predictions would otherwise give one)."""
    from test_summary import fake_result, summarise_files

    from cxrcontrast.summary.label_equivalence import findings

    metrics, preds = [], []
    for pre, budget, skill in [("none", 0.01, 0.2), ("none", 0.1, 0.8), ("none", 1.0, 2.0), ("simclr", 0.1, 1.4)]:
        for seed in (0, 1):
            a, b = fake_result(tmp_path, "minivgg", pre, "train", seed, skill, 0.1, labels_fraction=budget)
            if pre == "simclr" and seed == 1:
                mark_collapsed(a)
            metrics.append(a)
            preds.append(b)
    out = summarise_files(tmp_path, metrics, preds, flag="demo", k=6)
    md = open(out["markdown"]).read()
    section = md.split("## Label equivalence")[1].split("\n## ")[0]
    marked = "VGG simclr pretrain **collapsed** (1 of 2 seeds) with 10% of the labels"  # as the other tables
    assert f"- {marked}: no claim (collapsed) (macro AUC)." in section
    assert "matches the baseline" not in section
    simclr = next(r for r in read_csv(out["summary"]) if r["pretrain"] == "simclr")
    assert simclr["auc_macro_baseline_labels"] == "" and simclr["baseline_budgets"] == "0.01;0.1;1"
    assert findings({"demo": out["summary"]}) == [
        "demo: VGG simclr pretrain (collapsed in 1 of 2 seeds) with 10% of the labels: no claim (collapsed) (macro AUC)"
    ]


def experiment_row(encoder, pretrain, labels, collapsed=0, seeds=2, value=0.6) -> dict:
    """An experiment row as tables.experiment_rows gives it: every mean and interval the figures read."""
    row = {"encoder": encoder, "pretrain": pretrain, "trainset": "train", "labels": labels, "n_seeds": seeds}
    for metric in ("accuracy", "top5", "balanced_accuracy", "auc_macro"):
        for name in (metric, f"paper_{metric}"):
            row |= {f"{name}_mean": value, f"{name}_ci_low": value - 0.05, f"{name}_ci_high": value + 0.05}
    return row | {"collapsed_seeds": collapsed}


BUDGETS = [
    experiment_row("minivgg", "none", 1.0),
    experiment_row("minivgg", "none", 0.1),
    experiment_row("minivgg", "normal", 1.0),
    experiment_row("minivgg", "normal", 0.1, collapsed=1),
    experiment_row("efficientnet_b0", "none", 1.0, collapsed=2),
]


def test_figure13_marks_the_collapsed_experiment_under_its_bars(monkeypatch, tmp_path):
    from cxrcontrast.figures import comparison

    texts = drawn_texts(monkeypatch, comparison)
    comparison.figure13(BUDGETS, {}, {"classes": 15, "flag": "demo", "official": False}, tmp_path / "f.png")
    assert "EffNet-B0 baseline\nCOLLAPSED (2 of 2 seeds)" in texts and "EffNet-B0 baseline" not in texts
    assert "VGG baseline" in texts and not any("VGG" in t and "COLLAPSED" in t for t in texts)


def test_the_label_efficiency_figure_marks_each_collapsed_budget(monkeypatch, tmp_path):
    from cxrcontrast.figures import budgets

    figures = []
    monkeypatch.setattr(budgets, "save_figure", lambda fig, path, **kw: figures.append(fig))
    budgets.label_efficiency(BUDGETS, tmp_path / "f.png")
    (fig,) = figures
    for ax in fig.axes:
        marks = [line for line in ax.get_lines() if line.get_marker() == "x"]
        assert [list(m.get_xdata()) for m in marks] == [[0.1]]  # VGG normal at 10%, the one collapsed point
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert legend.count(budgets.COLLAPSED) == 1


def test_the_label_equivalence_section_marks_the_collapsed_experiment():
    from cxrcontrast.summary.sections import equivalence_section

    row = experiment_row("minivgg", "normal", 0.1, collapsed=1) | {"baseline_budgets": "0.1;1.0"}
    for metric in ("balanced_accuracy", "auc_macro"):
        row |= {f"{metric}_baseline_labels": None}
    clean = experiment_row("minivgg", "supcon", 0.1) | {"baseline_budgets": "0.1;1.0"}
    for metric in ("balanced_accuracy", "auc_macro"):
        clean |= {f"{metric}_baseline_labels": 0.3, f"{metric}_baseline_labels_ci_low": 0.2}
        clean |= {f"{metric}_baseline_labels_ci_high": 0.5}
    lines = [line for line in equivalence_section([row, clean]) if line.startswith("- ")]
    marked = "- VGG normal pretrain **collapsed** (1 of 2 seeds) with 10% of the labels: no claim (collapsed)"
    assert sum(line.startswith(marked) for line in lines) == 2
    assert sum(line.startswith("- VGG supcon pretrain with 10% of the labels matches") for line in lines) == 2
