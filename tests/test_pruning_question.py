"""The summary's pruning question on hand-built official metrics: per encoder, SupCon (pruned) against each
multi-label objective of its family (every image), paired by seed, with the t-interval over seeds."""

import numpy as np
import pytest
from scipy import stats

from cxrcontrast.evaluation.pruning import pruning_rows
from cxrcontrast.summary.encoder_states import embedding_section
from cxrcontrast.summary.pruning import pruning_section

AUC = {  # (encoder, pretrain) -> AUC per seed
    ("minivgg", "supcon"): {0: 0.70, 1: 0.72, 2: 0.69},
    ("minivgg", "supcon_jaccard"): {0: 0.74, 1: 0.73, 2: 0.75, 3: 0.99},  # seed 3 has no pair: left out
    ("minivgg", "hard"): {0: 0.60, 1: 0.61, 2: 0.62},  # a triplet objective: no multi-label counterpart
    ("minivgg", "none"): {0: 0.65},
}


def official(auc=AUC, tuning="frozen"):
    return [
        {"source": "ours", "encoder": e, "pretrain": p, "tuning": tuning, "seed": s, "auc": v}
        for (e, p), seeds in auc.items()
        for s, v in seeds.items()
    ] + [
        {
            "source": "published",
            "encoder": "ResNet-18",
            "pretrain": None,
            "tuning": "end_to_end",
            "seed": None,
            "auc": 0.77,
        }
    ]


def test_the_paired_difference_and_its_interval_over_seeds():
    (row,) = pruning_rows(official())  # mulsupcon did not run: one pair
    diffs = np.array([0.74 - 0.70, 0.73 - 0.72, 0.75 - 0.69])
    half = stats.t.ppf(0.975, 2) * diffs.std(ddof=1) / np.sqrt(3)  # the reference t-interval of the paired diffs
    assert (row["pruned"], row["every_image"], row["seeds"]) == ("supcon", "supcon_jaccard", 3)
    assert row["auc_pruned"] == pytest.approx(np.mean([0.70, 0.72, 0.69]))
    assert row["auc_every_image"] == pytest.approx(np.mean([0.74, 0.73, 0.75]))
    assert row["difference"] == pytest.approx(diffs.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((diffs.mean() - half, diffs.mean() + half))


def test_both_pairs_one_seed_and_no_pair():
    one_seed = {k: {0: v[0]} for k, v in AUC.items()} | {("minivgg", "mulsupcon"): {0: 0.68}}
    rows = pruning_rows(official(one_seed))
    assert [(r["every_image"], r["difference"]) for r in rows] == [
        ("supcon_jaccard", pytest.approx(0.04)),
        ("mulsupcon", pytest.approx(-0.02)),
    ]
    assert rows[0]["ci_low"] is None  # no interval from one seed
    lines = "\n".join(pruning_section(official(one_seed)))
    assert (
        "| minivgg | head on frozen features | supcon (pruned, one class) | mulsupcon (every image, every finding) "
        "| 1 | 0.700 | 0.680 | -0.020 | – (one seed) |" in lines
    )
    assert "supcon vs supcon_jaccard, supcon vs mulsupcon" in lines
    assert pruning_section(official({("minivgg", "supcon"): {0: 0.7}})) == []  # nothing to pair: no section
    assert pruning_rows(official(tuning="end_to_end")) == []  # only heads on frozen pretrained features


def test_the_embedding_table_shows_the_official_findings_probes_where_there_are_any():
    row = {"encoder": "minivgg", "pretrain": "supcon_jaccard", "seed": 0, "knn_auc_macro": 0.6}
    plain = "\n".join(embedding_section([row]))
    assert "official findings" not in plain
    both = "\n".join(embedding_section([{**row, "knn_findings_auc": 0.61, "linear_findings_auc": 0.66}]))
    assert "kNN AUC (official findings) | linear AUC (official findings) |" in both
    assert "| 0.610 | 0.660 |" in both
