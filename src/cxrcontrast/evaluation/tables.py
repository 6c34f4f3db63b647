"""One summary of all experiments: per-seed rows, per-experiment statistics over seeds, comparisons."""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from ..vocabulary.experiments import EXPERIMENT_KEYS, Experiment, experiment_key
from .bootstrap import LEVEL, paired_difference
from .calibration import CALIBRATION
from .embeddings import QUALITY
from .metrics import HEADLINE, PAPER_ORDER
from .multiplicity import holm
from .robustness import DROPS

METRICS = HEADLINE + CALIBRATION + ("temperature",) + DROPS + tuple(f"paper_{k}" for k in PAPER_ORDER + CALIBRATION)


def group_by(rows, key) -> dict:
    """{key(row): [the rows of that key]}, keys in the order of their first row."""
    groups: dict = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return groups


def seed_row(m: dict, path: str) -> dict:
    """metrics.csv's row of one metrics.json (``path``, named where it is of an earlier version of evaluate that
    lacks a field this row reads: refused with how to remake it, not read with a guess for the field)."""
    try:
        return _seed_row(m)
    except KeyError as missing:
        raise InputError(
            f"{path}: made by an earlier version of evaluate (no {missing.args[0]!r}); "
            "rerun evaluate: python -m cxrcontrast run --forcerun evaluate"
        ) from None


def _seed_row(m: dict) -> dict:
    row = {k: m[k] for k in (*EXPERIMENT_KEYS, "seed")}
    for k in HEADLINE + CALIBRATION:
        row[k] = m[k]
        row[f"{k}_ci_low"], row[f"{k}_ci_high"] = m["ci"][k] or (None, None)
    row.update({k: m[k] for k in ("temperature", *DROPS)})
    row["temperature_fit"] = m["temperature_fit"]  # "failed (...)": no calibrated numbers (None)
    row["collapsed"], row["collapsed_reason"] = m["collapsed"], m["collapsed_reason"]  # evaluation.collapse
    protocol = m["paper_protocol"]
    for k in PAPER_ORDER + CALIBRATION:
        row[f"paper_{k}"] = protocol[k]
        row[f"paper_{k}_ci_low"], row[f"paper_{k}_ci_high"] = protocol["ci"][k] or (None, None)
        row[f"paper_{k}_resample_sd"] = protocol["resample_sd"][k]
    return row


def mean_interval(values) -> dict:
    """Mean, SD and t-interval over seeds (interval undefined with one seed)."""
    from scipy import stats

    v = np.array([x for x in values if x is not None], dtype=float)
    mean = float(v.mean()) if len(v) else None
    if len(v) < 2:
        return {"mean": mean, "sd": None, "ci_low": None, "ci_high": None}
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + LEVEL / 2, df=len(v) - 1)) * sd / math.sqrt(len(v))
    return {"mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half}


def experiment_rows(rows: list[dict]) -> list[dict]:
    out = []
    for key, members in group_by(rows, experiment_key).items():
        row = dict(zip(EXPERIMENT_KEYS, key), n_seeds=len(members))
        # the seeds whose temperature fit failed: their calibrated numbers are left out of the means, not averaged
        row["temperature_fit_failed"] = sum(m["temperature_fit"] != "ok" for m in members)
        row["collapsed_seeds"] = sum(m["collapsed"] for m in members)
        for metric in METRICS:
            # a collapsed model loses nothing to a corrupted image: its drops are left out, not averaged in
            kept = [m for m in members if not (metric in DROPS and m["collapsed"])]
            for stat, value in mean_interval([m[metric] for m in kept]).items():
                row[f"{metric}_{stat}"] = value
        for k in PAPER_ORDER:  # one balanced draw's spread over draws, mean over seeds
            sds = [m[f"paper_{k}_resample_sd"] for m in members if m[f"paper_{k}_resample_sd"] is not None]
            row[f"paper_{k}_resample_sd"] = float(np.mean(sds)) if sds else None
        out.append(row)
    return out


def baseline_of(key: tuple, available: set) -> tuple | None:
    """Same encoder and label budget, no pretraining, same training set; else the plain training set."""
    encoder, pretrain, trainset, labels = key
    if pretrain == "none":
        return None
    candidates = ((encoder, "none", trainset, labels), (encoder, "none", "train", labels))
    return next((c for c in candidates if c in available), None)


def collapsed_seeds(rows: list[dict]) -> dict[tuple, list[int]]:
    """Experiment key -> its collapsed seeds (rows: ``seed_row``s), for the experiments with any."""
    out: dict[tuple, list[int]] = {}
    for r in rows:
        if r["collapsed"]:
            out.setdefault(experiment_key(r), []).append(r["seed"])
    return out


def pair_collapse(key: tuple, base: tuple, seeds: list[int], collapsed: dict[tuple, list[int]]) -> dict:
    """A comparison's ``collapsed`` (either side collapsed in a paired seed: no effect to claim) and which."""
    sides = (("this experiment's", key), ("the baseline's", base))
    named = [(side, sorted(set(collapsed.get(k, ())) & set(seeds))) for side, k in sides]
    text = "; ".join(f"{side} seed{'s' * (len(s) > 1)} {', '.join(map(str, s))}" for side, s in named if s)
    return {"collapsed": bool(text), "collapsed_reason": f"collapsed: {text}" if text else None}


def comparisons(
    predictions: dict[tuple, dict[int, dict]], resamples: int, seed: int, collapsed: dict | None = None
) -> list[dict]:
    """Each experiment against its baseline: paired bootstrap over test images, seeds paired. ``collapsed``: the
    collapsed seeds of each experiment (``collapsed_seeds``); a pair holding one is marked ``collapsed``, its
    difference kept in the table but no effect; ``p_holm``: the p-value Holm-adjusted over every row (one family:
    all the paired tests of this dataset, collapsed or not)."""
    out = []
    for key, by_seed in predictions.items():
        base = baseline_of(key, set(predictions))
        seeds = sorted(set(by_seed) & set(predictions[base])) if base else []
        if not seeds:
            continue
        pairs = []
        for s in seeds:
            a, b = by_seed[s], predictions[base][s]
            if not np.array_equal(a["index"], b["index"]):
                raise ValueError(f"{key} and {base} (seed {s}) were evaluated on different test images")
            pairs.append((a["probs"], b["probs"], a["labels"]))
        mark = pair_collapse(key, base, seeds, collapsed or {})
        for metric, d in paired_difference(pairs, resamples=resamples, seed=seed).items():
            out.append(
                {
                    **dict(zip(EXPERIMENT_KEYS, key)),
                    "baseline": Experiment(*base).path,
                    "seeds": len(seeds),
                    "metric": metric,
                    "difference": d["difference"],
                    "ci_low": d["ci"][0],
                    "ci_high": d["ci"][1],
                    "p_value": d["p_value"],
                    **mark,
                }
            )
    for row, adjusted in zip(out, holm([r["p_value"] for r in out])):
        row["p_holm"] = adjusted
    return out


def quality_means(qualities: list[dict], features: str = "z", split: str = "val") -> dict[tuple, dict]:
    """(encoder, pretrain) -> mean over seeds of the retrieval quality of ``features`` on ``split``;
    a NaN (silhouette with one class present) is skipped, not spread."""
    groups = group_by(qualities, lambda q: (q["encoder"], q["pretrain"]))
    return {k: {m: float(np.nanmean([q[split][features][m] for q in qs])) for m in QUALITY} for k, qs in groups.items()}


def embedding_rows(qualities: list[dict], probes: list[dict]) -> list[dict]:
    """One row per (encoder, pretrain, seed): retrieval quality of h and z on val, kNN and linear probes of h on
    test. Collapsed features (probes.json ``collapsed``) have no probe scores (None) and ``collapsed`` True with
    its reason."""
    rows = {}

    def row_of(r: dict) -> dict:
        key = tuple(r[k] for k in ("encoder", "pretrain", "seed"))
        return rows.setdefault(key, dict(zip(("encoder", "pretrain", "seed"), key)))

    for q in qualities:
        for features in ("h", "z"):
            row_of(q).update({f"{features}_{m}": q["val"][features][m] for m in QUALITY})
    for p in probes:
        row = row_of(p)
        for probe in ("knn", "linear"):
            row.update({f"{probe}_{m}": p[probe][m] for m in ("balanced_accuracy", "auc_macro", "accuracy")})
        row["knn_k"], row["linear_c"] = p["knn"]["k"], p["linear"]["c"]
        row["collapsed"], row["collapsed_reason"] = bool(p.get("collapsed", False)), p.get("collapsed_reason")
        for m in ("accuracy", "balanced_accuracy"):  # the MedMNIST+ protocol (probes.json of this version on)
            row[f"knn_medmnist_plus_{m}"] = p.get("knn_medmnist_plus", {}).get(m)
        if p.get("official"):  # a multi-label official task: the mean over its findings of each finding's test AUC
            row.update({f"{probe}_findings_auc": p["official"][probe]["auc_mean"] for probe in ("knn", "linear")})
    return [rows[k] for k in sorted(rows)]


def official_rows(results: list[dict]) -> list[dict]:
    """Our runs of the official MedMNIST task, one row per job and seed (the published rows beside them:
    ``like_for_like.published_rows``)."""
    rows = [
        {
            "source": "ours",
            **{k: r[k] for k in ("encoder", "pretrain", "tuning", "seed", "flag", "task")},
            "size": r.get("image_size"),  # official.json of this version on
            "auc": r["test"]["auc"],
            "map": r["test"].get("map"),
            "acc": r["test"]["acc"],
            "acc_constant": r["test"].get("acc_constant"),
        }
        for r in results
    ]
    rows.sort(key=lambda r: (r["encoder"], r["tuning"] != "frozen", r["pretrain"] != "none", r["pretrain"], r["seed"]))
    return rows
