"""Published rows beside ours like for like: the rows' one format, MedMNIST v2's recipe layer as the source of
their settings, and a run's official result matched only where flag, official file, encoder, size, protocol
and every setting the recipe sets agree (hand-built records of runs the real config resolves)."""

import sys

import numpy as np
import pytest
from conftest import REPO, run_config
from scipy import stats

from cxrcontrast.config import recipe_layers
from cxrcontrast.evaluation import published
from cxrcontrast.evaluation.like_for_like import beside, like_for_like, published_rows
from cxrcontrast.evaluation.tables import official_rows
from cxrcontrast.summary.encoder_states import official_section

RECIPES = recipe_layers(["medmnist_v2", "medmnist_plus"], REPO)
PNEUMONIA = {
    "p28": {"source": "medmnist", "flag": "pneumoniamnist", "size": 28, "image_size": 28},
    "p224": {"source": "medmnist", "flag": "pneumoniamnist", "size": 28, "image_size": 224},
    "p64": {"source": "medmnist", "flag": "pneumoniamnist", "size": 64, "image_size": 64},
}


def record(dataset="p28", encoder="resnet18", tuning="end_to_end", pretrain="none", seed=0, auc=0.9, acc=0.85,
           official_file="file", recipe="medmnist_v2", **overrides):  # fmt: skip
    """An official_evaluate record (metrics.json) of a run the recipe layer (and ``overrides``) resolve."""
    run = run_config("config.yaml", f"{recipe}.yaml", datasets=PNEUMONIA, **overrides).on(dataset)
    params = run.official_params(encoder, tuning)
    return {
        "encoder": encoder, "pretrain": pretrain, "tuning": tuning, "seed": seed, "flag": run.flag,
        "size": run.data["size"], "image_size": run.data["image_size"], "task": "binary-class",
        "official_file": run.data["size"] if official_file == "file" else official_file,
        "test": {"auc": auc, "acc": acc, "map": 0.5, "acc_constant": 0.6},
        "provenance": {"params": {"params": params}},
    }  # fmt: skip


def test_published_rows_are_in_one_format_and_keep_v2s_transcription():
    keys = {"source", "flag", "encoder", "size", "data_size", "protocol", "recipe", "auc", "acc"}
    assert len(published.V2_ROWS) == 12 * 4 and all(set(r) == keys for r in published.V2_ROWS)
    chest = [(r["encoder"], r["size"], r["auc"], r["acc"]) for r in published.V2_ROWS if r["flag"] == "chestmnist"]
    assert chest == [("resnet18", 28, 0.768, 0.947), ("resnet18", 224, 0.773, 0.947),
                     ("resnet50", 28, 0.769, 0.947), ("resnet50", 224, 0.773, 0.948)]  # fmt: skip
    assert {r["data_size"] for r in published.V2_ROWS} == {28}  # v2's 224 px: the 28 px images resized
    assert all(r["source"].startswith("MedMNIST v2") and r["recipe"] == "medmnist_v2" for r in published.V2_ROWS)


def test_medmnist_plus_rows_plug_in_where_their_module_is(monkeypatch):
    name = "cxrcontrast.evaluation.published_medmnist_plus"
    plus = type(sys)(name)
    plus.ROWS = [dict(published.V2_ROWS[0], source="MedMNIST+", recipe="medmnist_plus")]
    monkeypatch.setitem(sys.modules, name, plus)
    assert published._medmnist_plus_rows() == plus.ROWS
    monkeypatch.setitem(sys.modules, name, None)  # the module absent: no rows, no error
    assert published._medmnist_plus_rows() == []


def test_a_run_of_the_recipe_on_the_official_file_matches_its_published_row():
    for dataset, size in (("p28", 28), ("p224", 224)):
        for encoder, auc in (("resnet18", {28: 0.944, 224: 0.956}), ("resnet50", {28: 0.948, 224: 0.962})):
            match = like_for_like(record(dataset, encoder), published.ROWS, RECIPES)
            assert match.reason is None and [r["auc"] for r in match.rows] == [auc[size]]


MINIVGG = {"official": {"end_to_end_encoders": ["minivgg"]},
           "experiments": [{"encoder": "minivgg", "pretrain": "none", "trainset": "train"}]}  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"dataset": "p64"}, "published at 224 px, 28 px; this run at 64 px from the 64 px file"),
        ({"official_file": None}, "this run's data is not the official 28 px pneumoniamnist file (MD5)"),
        (
            {"official": {"end_to_end": {"epochs": 4}}},
            "settings other than config/medmnist_v2.yaml's: official.end_to_end.epochs 100 in the recipe, 4 here",
        ),
        ({"official": {"select_on": "last"}}, "official.select_on auc in the recipe, last here"),
        (
            {"encoders": {"resnet18": {"head": {"hidden": [64]}}}},
            "encoders.resnet18.head.hidden [] in the recipe, [64]",
        ),
        ({"encoders": {"resnet18": {"weights": "imagenet"}}}, "encoders.resnet18.weights none in the recipe, imagenet"),
        ({"tuning": "frozen"}, "no published linear row of resnet18 on pneumoniamnist"),
        ({"encoder": "minivgg", **MINIVGG}, "no published end_to_end row of minivgg on pneumoniamnist"),
    ],
    ids=["size", "not-official", "epochs", "select_on", "head", "weights", "frozen", "other-encoder"],
)
def test_a_run_unlike_the_published_one_is_not_matched_and_says_why(kwargs, reason):
    match = like_for_like(record(**kwargs), published.V2_ROWS, RECIPES)  # v2's rows: MedMNIST+ has 64 px and linear
    assert match.rows == () and reason in match.reason


def test_a_recipe_without_its_layer_file_matches_nothing():
    row = dict(published.V2_ROWS[16], recipe="nowhere")  # pneumoniamnist, resnet18, 28 px
    assert row["flag"] == "pneumoniamnist" and row["size"] == 28
    match = like_for_like(record(), [row], RECIPES)
    assert match.rows == () and "config/nowhere.yaml (the recipe of the published row) is not" in match.reason


def test_ours_beside_published_is_the_t_interval_over_seeds():
    values = [0.90, 0.92, 0.95]
    half = stats.t.ppf(0.975, 2) * np.std(values, ddof=1) / np.sqrt(3)
    inside, outside = beside(values, 0.944), beside(values, 0.99)
    assert inside["ci_low"] == pytest.approx(np.mean(values) - half) and inside["inside"] is True
    assert inside["difference"] == pytest.approx(np.mean(values) - 0.944)
    assert outside["inside"] is False
    assert beside([0.9], 0.944)["inside"] is None and beside(values, None)["difference"] is None


def test_the_summary_prints_the_published_value_beside_ours_or_why_not():
    results = [record("p28", seed=s, auc=a, acc=0.85) for s, a in enumerate((0.90, 0.92, 0.95))]
    results += [record("p28", "resnet50", seed=0, official_file=None)]  # one seed, data not the official file
    results += [record("p28", "resnet18", tuning="frozen")]  # the recipe's head: one linear layer
    rows = official_rows(results) + published_rows(results, RECIPES)
    text = "\n".join(official_section(rows))
    mean, half = np.mean([0.90, 0.92, 0.95]), stats.t.ppf(0.975, 2) * np.std([0.90, 0.92, 0.95], ddof=1) / 3**0.5
    line = (
        f"| resnet18, trained end to end | 28 | {published.V2_SOURCE} (medmnist_v2) | {mean:.3f} "
        f"[{mean - half:.3f}, {mean + half:.3f}] | 0.944 | {mean - 0.944:+.3f} | yes |"
    )
    assert line in text
    assert "- resnet50, trained end to end: this run's data is not the official 28 px pneumoniamnist file" in text
    assert (  # MedMNIST+ publishes a linear probe of ResNet-18 at 28 px, under its own recipe
        "- resnet18, head on frozen untrained features: settings other than config/medmnist_plus.yaml's: "
        "official.frozen.epochs 100 in the recipe, 30 here" in text
    )
    assert "published (" not in text  # no row of another model (v2's ResNet beside a mini-VGG)


def test_every_reason_is_given_where_data_and_settings_both_differ():
    run = record(official_file=None, official={"end_to_end": {"epochs": 4}})
    match = like_for_like(run, published.V2_ROWS, RECIPES)
    assert match.rows == () and match.reason == (
        "this run's data is not the official 28 px pneumoniamnist file (MD5); settings other than "
        "config/medmnist_v2.yaml's: official.end_to_end.epochs 100 in the recipe, 4 here"
    )


def test_a_run_of_medmnist_plus_matches_its_row_per_protocol():
    """MedMNIST+'s layer at 64 px from the 64 px file: end to end and the linear probe each meet their row."""
    rows = {(r["encoder"], r["protocol"], r["size"]): r for r in published.ROWS if r["flag"] == "pneumoniamnist"}
    for tuning, protocol in (("end_to_end", "end_to_end"), ("frozen", "linear")):
        match = like_for_like(record("p64", tuning=tuning, recipe="medmnist_plus"), published.ROWS, RECIPES)
        assert match.reason is None and list(match.rows) == [rows["resnet18", protocol, 64]]
