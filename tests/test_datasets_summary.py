"""The cross-dataset summary on two small datasets whose comparisons are made from planted predictions (the sign
of each difference known), on hand-written rows, and on no comparisons at all."""

import csv
import math
import re

import numpy as np
import pytest
from PIL import Image

from cxrcontrast.errors import InputError
from cxrcontrast.evaluation.datasets import COLUMNS, EMPTY, dataset_rows, duplicate_warnings
from cxrcontrast.evaluation.tables import comparisons
from cxrcontrast.figures.datasets import forest_plot
from cxrcontrast.files import save_csv, save_json
from cxrcontrast.stages.datasets import run_datasets
from cxrcontrast.summary.datasets import datasets_section, points

DATA = {
    "chest": {"source": "demo", "flag": "chestmnist", "size": 28, "image_size": 28},
    "small": {"source": "demo", "flag": "chestmnist", "size": 64, "image_size": 64},
}


def planted(k: int, skills: dict[tuple, float], n: int = 240, seeds=(0, 1)) -> dict:
    """Predictions per experiment and seed: the true class's logit raised by the experiment's skill."""
    labels = np.arange(n) % k
    out = {}
    for key, skill in skills.items():
        out[key] = {}
        for s in seeds:
            rng = np.random.default_rng(1000 * s + len(out))
            logits = rng.normal(size=(n, k))
            logits[np.arange(n), labels] += skill
            probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
            out[key][s] = {"probs": probs, "labels": labels, "index": np.arange(n)}
    return out


BASE = ("minivgg", "none", "train", 1.0)
NORMAL = ("minivgg", "normal", "train", 1.0)
SUPCON = ("minivgg", "supcon", "train", 1.0)


@pytest.fixture(scope="module")
def planted_comparisons():
    # chest: normal pretraining far better than its baseline, supcon far worse; small: normal far worse
    chest = comparisons(planted(4, {BASE: 1.0, NORMAL: 3.0, SUPCON: -0.5}), resamples=200, seed=0)
    small = comparisons(planted(3, {NORMAL: 0.0, BASE: 2.0}), resamples=200, seed=0)
    return {"chest": chest, "small": small}


def classes_json(k: int, duplicates=None) -> dict:
    info = {"flag": "chestmnist", "class_names": [f"c{i}" for i in range(k)], "warnings": []}
    if duplicates is not None:
        info["duplicates"] = duplicates
    return info


def write_inputs(tmp_path, comps: dict[str, list[dict]], classes: dict[str, dict]):
    paths_c, paths_k = {}, {}
    for name in comps:
        paths_c[name] = str(tmp_path / name / "summary/comparisons.csv")
        paths_k[name] = str(tmp_path / name / "data/pruned/classes.json")
        save_csv(paths_c[name], comps[name])
        save_json(paths_k[name], classes[name])
    return paths_c, paths_k


def run_stage(tmp_path, comps, classes, summaries=None):
    paths_c, paths_k = write_inputs(tmp_path, comps, classes)
    out = {k: str(tmp_path / f"out/datasets.{k}") for k in ("csv", "png", "md")}
    data = {n: DATA[n] for n in comps}
    run_datasets(paths_c, paths_k, data, out["csv"], out["png"], out["md"], summaries=summaries)
    with open(out["csv"], newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader), reader.fieldnames, out


def test_rows_field_by_field(tmp_path, planted_comparisons):
    classes = {"chest": classes_json(4, {"train-test": 12, "val": 0}), "small": classes_json(3)}
    rows, header, _ = run_stage(tmp_path, planted_comparisons, classes)
    assert tuple(header) == COLUMNS
    # chest first (name order), its experiments in the order comparisons gave them, then small
    expected = [
        ("chest", "normal", "balanced_accuracy"),
        ("chest", "normal", "auc_macro"),
        ("chest", "supcon", "balanced_accuracy"),
        ("chest", "supcon", "auc_macro"),
        ("small", "normal", "balanced_accuracy"),
        ("small", "normal", "auc_macro"),
    ]
    assert [(r["dataset"], r["pretrain"], r["metric"]) for r in rows] == expected
    source = {(n, c["pretrain"], c["metric"]): c for n, comp in planted_comparisons.items() for c in comp}
    for r in rows:
        c = source[(r["dataset"], r["pretrain"], r["metric"])]
        assert (r["encoder"], r["trainset"], float(r["labels"])) == ("minivgg", "train", 1.0)
        assert (r["source"], int(r["size"]), int(r["image_size"])) == (
            "demo",
            DATA[r["dataset"]]["size"],
            DATA[r["dataset"]]["image_size"],
        )
        assert int(r["classes"]) == {"chest": 4, "small": 3}[r["dataset"]]
        assert int(r["duplicates"]) == {"chest": 12, "small": 0}[r["dataset"]]
        assert int(r["seeds"]) == 2
        for key in ("difference", "ci_low", "ci_high", "p_value"):
            assert float(r[key]) == c[key]  # the per-dataset comparison, unchanged
        assert float(r["ci_low"]) <= float(r["difference"]) <= float(r["ci_high"])
        sign = 1 if (r["dataset"], r["pretrain"]) == ("chest", "normal") else -1
        assert sign * float(r["difference"]) > 0.05  # the planted direction
        assert sign * float(r["ci_low" if sign > 0 else "ci_high"]) > 0  # and clear of 0


def test_hand_written_rows_keep_order_and_leave_other_metrics_out():
    text = {"baseline": "x", "seeds": "3", "difference": "0.02", "ci_low": "-0.01", "ci_high": "0.05", "p_value": "0.2"}
    comps = [
        {"encoder": "minivgg", "pretrain": "simclr", "trainset": "train", "labels": "0.1", "metric": m, **text}
        for m in ("auc_macro", "accuracy", "balanced_accuracy")
    ] + [
        {"encoder": "minivgg", "pretrain": "hard", "trainset": "train", "labels": "1.0", "metric": "auc_macro", **text}
    ]
    rows = dataset_rows(
        {
            "zeta": {"comparisons": comps, "classes": classes_json(2), "data": {"source": "npz", "size": 64}},
            "alpha": {"comparisons": [], "classes": classes_json(5), "data": DATA["chest"]},
        }
    )
    assert [(r["dataset"], r["pretrain"], r["labels"], r["metric"]) for r in rows] == [
        ("zeta", "simclr", 0.1, "balanced_accuracy"),
        ("zeta", "simclr", 0.1, "auc_macro"),
        ("zeta", "hard", 1.0, "auc_macro"),
    ]
    assert rows[0] == HAND_ROW


HAND_ROW = {
    "dataset": "zeta",
    "source": "npz",
    "size": 64,
    "image_size": None,
    "classes": 2,
    "encoder": "minivgg",
    "pretrain": "simclr",
    "trainset": "train",
    "labels": 0.1,
    "metric": "balanced_accuracy",
    "difference": 0.02,
    "ci_low": -0.01,
    "ci_high": 0.05,
    "p_value": 0.2,
    "seeds": 3,
    "p_holm": 3 * 0.2,  # three tests of 0.2 in the family of datasets.csv
    "duplicates": 0,
    "collapsed": False,  # a comparisons.csv of an earlier version, without the column: not marked
    "collapsed_reason": None,
}


def test_a_row_without_a_column_is_named():
    comps = [{"encoder": "minivgg", "pretrain": "normal", "trainset": "train", "labels": "1", "metric": "auc_macro"}]
    with pytest.raises(InputError, match="dataset 'chest'.*difference"):
        dataset_rows({"chest": {"comparisons": comps, "classes": classes_json(2), "data": DATA["chest"]}})


def test_figure_has_one_row_per_dataset_and_experiment(tmp_path, planted_comparisons):
    rows = dataset_rows(
        {n: {"comparisons": c, "classes": classes_json(4), "data": DATA[n]} for n, c in planted_comparisons.items()}
    )
    labels = forest_plot(rows, str(tmp_path / "three.png"))
    assert labels == [
        "chest 28 px · VGG normal pretrain",
        "chest 28 px · VGG supcon pretrain",
        "small 64 px · VGG normal pretrain",
    ]
    one = forest_plot(rows[:2], str(tmp_path / "one.png"))
    assert one == labels[:1]
    many = [{**r, "dataset": f"{r['dataset']}{i}"} for i in range(6) for r in rows]
    assert len(forest_plot(many, str(tmp_path / "many.png"))) == 18
    heights = [Image.open(tmp_path / f"{n}.png").size[1] for n in ("one", "three", "many")]
    assert heights[0] <= heights[1] < heights[2]  # the figure grows with its rows


def test_markdown_warns_of_duplicates_and_shows_both_datasets(tmp_path, planted_comparisons):
    classes = {"chest": classes_json(4, {"train-test": 12}), "small": classes_json(3, {"val": 0})}
    csv_rows, _, out = run_stage(tmp_path, planted_comparisons, classes)
    text = open(out["md"]).read()
    assert text.startswith("# Summary of 2 dataset(s): chest, small\n\n## Across datasets\n")
    assert "> **Data warning:** chest: 12 test images are exact copies of train images" in text
    assert "small:" not in text.split("|")[0]  # no warning for a count of 0
    table = [line for line in text.splitlines() if line.startswith("| ") and "dataset" not in line]
    assert [line.split(" | ")[0:4] for line in table] == [
        ["| chest", "28 px", "4", "VGG normal pretrain"],
        ["| chest", "28 px", "4", "VGG supcon pretrain"],
        ["| small", "64 px", "3", "VGG normal pretrain"],
    ]
    chest_normal = {c["metric"]: c for c in planted_comparisons["chest"] if c["pretrain"] == "normal"}
    ba = chest_normal["balanced_accuracy"]
    p_holm = float(csv_rows[0]["p_holm"])  # chest, normal, balanced accuracy
    assert table[0].split(" | ")[4] == (
        f"{100 * ba['difference']:+.1f} [{100 * ba['ci_low']:+.1f}, {100 * ba['ci_high']:+.1f}], p_Holm {p_holm:.3f}"
    )
    assert Image.open(out["png"]).size[1] > 0


def test_duplicate_warnings_name_the_split():
    assert duplicate_warnings(
        {
            "b": classes_json(2, {"train-test": 3, "train-val": 1}),
            "a": classes_json(2, {"val-test": 2}),
            "c": classes_json(2, {"train-test": 0}),
        }
    ) == [
        "a: 2 test images are exact copies of val images",
        "b: 3 test images are exact copies of train images",
        "b: 1 val images are exact copies of train images",
    ]


def test_no_comparisons(tmp_path):
    only_baselines = {"chest": [], "small": []}
    rows, header, out = run_stage(tmp_path, only_baselines, {"chest": classes_json(4), "small": classes_json(3)})
    assert rows == [] and tuple(header) == COLUMNS
    assert EMPTY in open(out["md"]).read()
    assert forest_plot([], str(tmp_path / "empty.png")) == []
    assert (tmp_path / "empty.png").stat().st_size > 0
    assert datasets_section([], []).startswith("## Across datasets")


def test_datasets_must_match_across_inputs(tmp_path):
    with pytest.raises(InputError, match="datasets differ"):
        run_datasets({"a": "x"}, {}, {"a": {}}, *(str(tmp_path / f"o.{e}") for e in ("csv", "png", "md")))


def test_a_missing_comparisons_file_is_named(tmp_path):
    save_json(tmp_path / "classes.json", classes_json(2))
    with pytest.raises(InputError, match="nowhere.csv: file not found"):
        run_datasets(
            {"a": str(tmp_path / "nowhere.csv")},
            {"a": str(tmp_path / "classes.json")},
            {"a": DATA["chest"]},
            *(str(tmp_path / f"o.{e}") for e in ("csv", "png", "md")),
        )


def test_an_undefined_difference_is_neither_plotted_nor_printed(tmp_path):
    row = {**HAND_ROW, "metric": "auc_macro", "difference": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    assert points(row) == "n/a"
    assert forest_plot([HAND_ROW, row], str(tmp_path / "nan.png")) == ["zeta 64 px · VGG simclr pretrain, 10% labels"]


def test_each_datasets_summary_follows_under_its_own_heading(tmp_path, planted_comparisons):
    summaries = {}
    for name in planted_comparisons:
        summaries[name] = tmp_path / f"{name}.md"
        summaries[name].write_text(f"# Summary of all experiments\n\n## Against the baseline\n\nrows of {name}\n")
    classes = {"chest": classes_json(4), "small": classes_json(3)}
    _, _, out = run_stage(tmp_path, planted_comparisons, classes, {n: str(p) for n, p in summaries.items()})
    text = open(out["md"]).read()
    chest = text.index("# Dataset chest (")
    small = text.index("# Dataset small (")
    assert text.index("## Across datasets") < chest < text.index("rows of chest") < small < text.index("rows of small")
    assert text.count("\n## Summary of all experiments\n") == 2 and text.count("\n### Against the baseline\n") == 2


def test_a_warning_and_a_dataset_name_reach_the_markdown_as_text():
    """A duplicates warning quoting a user's file name and a dataset name with markup (the schema admits only
    [a-z0-9_] names; the section escapes what it is given all the same): shown as written, no raw HTML or link."""
    row = {**HAND_ROW, "dataset": "<b>x</b>|y"}
    text = datasets_section([row], ["own/<img src=x onerror=alert(1)>.png: 2 test images are exact copies"])
    assert r"> **Data warning:** own/\<img src=x onerror=alert\(1\)\>.png: 2 test images are exact copies" in text
    assert r"| \<b\>x\</b\>\|y | 64 px | 2 | VGG simclr pretrain, 10% labels |" in text
    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", text)  # no raw HTML: every < a tag could start is escaped
