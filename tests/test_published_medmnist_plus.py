"""MedMNIST+'s published rows (evaluation/published_medmnist_plus.py): their shape, and spot values as read
from the source tables (sdoerrich97/rethinking-model-prototyping-MedMNISTPlus, assets/benchmark_results_*.png
at commit e5e53bee3372278bf45ee8840cfbee7175f79e70)."""

from __future__ import annotations

import math

import pytest

from cxrcontrast.evaluation.published_medmnist_plus import ROWS, SIZES, parse
from cxrcontrast.models.encoders import ENCODERS
from cxrcontrast.vocabulary.flags import flags_2d

KEYS = {"source", "flag", "encoder", "size", "protocol", "recipe", "auc", "acc"}


def key(row: dict) -> tuple:
    return row["flag"], row["encoder"], row["size"], row["protocol"], row["recipe"]


def test_every_row_has_every_key_values_in_range_and_no_duplicate():
    assert ROWS, "no published rows"
    for row in ROWS:
        assert set(row) == KEYS, row
        assert row["flag"] in flags_2d()
        assert row["encoder"] in ENCODERS
        assert row["size"] in SIZES
        assert row["protocol"] in ("end_to_end", "linear", "knn")
        assert row["recipe"] == "medmnist_plus"
        assert row["flag"] in row["source"] and "e5e53bee3372278bf45ee8840cfbee7175f79e70" in row["source"]
        assert 0 < row["acc"] <= 1 and math.isfinite(row["acc"])
        # their kNN gives ACC only ("-" under AUC); every trained protocol gives both
        if row["protocol"] == "knn":
            assert row["auc"] is None
        else:
            assert 0.5 <= row["auc"] <= 1, row  # a published AUC below chance would be a misread digit
    keys = [key(r) for r in ROWS]
    assert len(keys) == len(set(keys))


def test_the_grid_is_complete():
    """Every 2D flag they table x our three backbones x four sizes x three protocols: 12 x 3 x 4 x 3 rows."""
    assert {r["flag"] for r in ROWS} == set(flags_2d())
    assert {r["encoder"] for r in ROWS} == {"resnet18", "densenet121", "vit_b_16"}
    assert len(ROWS) == len(flags_2d()) * 3 * 4 * 3


@pytest.mark.parametrize(
    "flag, encoder, size, protocol, acc, auc",
    [
        # benchmark_results_chestmnist.png, END-TO-END, "DenseNet-121 94.77±0.02 94.79±0.02 94.80±0.03
        # 94.84±0.03 | 75.93±0.09 78.70±0.38 81.21±0.10 82.22±0.14"
        ("chestmnist", "densenet121", 224, "end_to_end", 0.9484, 0.8222),
        ("chestmnist", "densenet121", 28, "end_to_end", 0.9477, 0.7593),
        # benchmark_results_pneumoniamnist.png, LINEAR PROBING, "ResNet-18 74.36±0.26 78.90±0.20 80.40±0.20
        # 83.17±0.13 | 87.69±0.08 94.21±0.02 94.40±0.05 96.91±0.01"
        ("pneumoniamnist", "resnet18", 64, "linear", 0.7890, 0.9421),
        # benchmark_results_bloodmnist.png, k-NN (k = 11), "ViT-B/16 70.21 78.95 92.17 94.80 | - - - -"
        ("bloodmnist", "vit_b_16", 128, "knn", 0.9217, None),
        # benchmark_results_retinamnist.png, LINEAR PROBING, "DenseNet-121 52.08±0.77 54.83±0.59 60.17±0.31
        # 62.67±0.92 | 73.41±0.14 77.01±0.22 83.46±0.24 85.93±0.23"
        ("retinamnist", "densenet121", 224, "linear", 0.6267, 0.8593),
    ],
)
def test_spot_values_equal_the_source_table(flag, encoder, size, protocol, acc, auc):
    (row,) = [r for r in ROWS if key(r) == (flag, encoder, size, protocol, "medmnist_plus")]
    assert row["acc"] == pytest.approx(acc, abs=1e-9)
    assert row["auc"] == (None if auc is None else pytest.approx(auc, abs=1e-9))


def test_a_table_line_of_the_wrong_length_is_refused():
    """A line missing a size's value would shift every later column: zip(strict=True) refuses it."""
    with pytest.raises(ValueError):
        parse("chestmnist linear resnet18 94.74 94.74 94.74 | 61.51 62.56 66.63 75.12")
