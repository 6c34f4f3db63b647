"""Across datasets: each dataset's comparisons against its own baseline, side by side (results/summary/datasets.csv).

Each dataset's comparisons come from its own paired bootstrap (``tables.comparisons``); this module only
gathers them with what the reader needs to weigh them: the data's source and resolution, its class count,
and the exact duplicates across splits that its classes.json counts (a leak that inflates every number).
"""

from __future__ import annotations

import math

from ..errors import InputError
from ..vocabulary.experiments import EXPERIMENT_KEYS, experiment_key
from .multiplicity import holm

# the two metrics compared across datasets, by the names comparisons.csv gives them (and the figure's panel order)
METRICS = ("balanced_accuracy", "auc_macro")
# the columns of comparisons.csv a row needs, and those of datasets.csv
NEEDED = (*EXPERIMENT_KEYS, "metric", "difference", "ci_low", "ci_high", "p_value", "seeds")
# a comparison of a collapsed pair (tables.comparisons ``collapsed``): kept, marked, no effect (absent: not marked)
COLLAPSE = ("collapsed", "collapsed_reason")
COLUMNS = ("dataset", "source", "size", "image_size", "classes", *NEEDED, "p_holm", "duplicates", *COLLAPSE)
# what p_holm of datasets.csv adjusts over (each comparisons.csv adjusts over its own dataset's tests only)
FAMILY = "all rows of datasets.csv (every dataset, experiment and metric)"
EMPTY = "no comparisons: no dataset has both a baseline and a pretrained experiment"


def _number(value, cast=float):
    """A number from a CSV cell or a value as computed; an empty cell is None, "nan" stays NaN."""
    return None if value is None or value == "" else cast(float(value))


def comparison_collapse(row: dict) -> dict:
    """A comparison's collapse mark, from a CSV cell ("True") or a value as computed."""
    marked = str(row.get("collapsed", "")).strip().lower() == "true"
    return {"collapsed": marked, "collapsed_reason": (row.get("collapsed_reason") or None) if marked else None}


def duplicate_counts(classes: dict) -> dict[str, int]:
    """Per pair of splits in classes.json's ``duplicates`` (``train-test``: test images whose pixels equal a
    training image's; ``data.duplicates.cross_split_duplicates``), the non-zero counts."""
    counts = classes.get("duplicates") or {}
    if not isinstance(counts, dict):
        raise InputError(f"classes.json: duplicates is {counts!r}; expected a map of split to count")
    return {str(k): int(v) for k, v in counts.items() if int(v)}


def duplicate_warnings(classes: dict[str, dict]) -> list[str]:
    """One line per dataset and split with exact cross-split duplicates, e.g.
    "chest: 12 test images are exact copies of training images"."""
    lines = []
    for name in sorted(classes):
        for pair, n in duplicate_counts(classes[name]).items():
            first, _, second = pair.partition("-")  # "train-test": test images equal to a train image
            lines.append(f"{name}: {n} {second} images are exact copies of {first} images")
    return lines


def dataset_rows(datasets: dict[str, dict]) -> list[dict]:
    """One row per dataset x experiment x metric (balanced accuracy, macro AUC), in the order of the dataset names,
    then of the experiments as each dataset's comparisons give them; ``p_holm``: ``p_value`` Holm-adjusted over
    every row returned (one family, ``FAMILY``).

    ``datasets``: name -> {"comparisons": rows of its comparisons.csv (text or numbers), "classes": its
    classes.json, "data": its config entry (source, size, image_size, ...)}."""
    out = []
    for name in sorted(datasets):
        entry = datasets[name]
        comps, classes, data = entry["comparisons"], entry["classes"], entry["data"]
        for row in comps:
            missing = [k for k in NEEDED if k not in row]
            if missing:
                raise InputError(f"comparisons of dataset {name!r}: a row lacks {missing}; found {sorted(row)}")
        by_key = {(experiment_key(r), r["metric"]): r for r in comps}
        common = {
            "dataset": name,
            **{k: data.get(k) for k in ("source", "size", "image_size")},
            "classes": len(classes.get("class_names", [])),
        }
        duplicates = sum(duplicate_counts(classes).values())
        for key in dict.fromkeys(experiment_key(r) for r in comps):  # in the order of the comparisons
            for metric in METRICS:
                r = by_key.get((key, metric))
                if r is not None:
                    numbers = {k: _number(r[k]) for k in ("difference", "ci_low", "ci_high", "p_value")}
                    numbers["seeds"] = _number(r["seeds"], int)
                    experiment = dict(zip(EXPERIMENT_KEYS, key))
                    marks = {"duplicates": duplicates, **comparison_collapse(r)}
                    out.append({**common, **experiment, "metric": metric, **numbers, **marks})
    for row, adjusted in zip(out, holm([r["p_value"] for r in out])):
        row["p_holm"] = adjusted
    return out


def finite(value) -> bool:
    return value is not None and not math.isnan(value)


def by_experiment(rows: list[dict]) -> list[dict[str, dict]]:
    """The rows of ``dataset_rows`` per dataset x experiment, in their order: [{metric: row}, ...]."""
    groups: dict[tuple, dict[str, dict]] = {}
    for r in rows:
        groups.setdefault((r["dataset"], experiment_key(r)), {})[r["metric"]] = r
    return list(groups.values())
