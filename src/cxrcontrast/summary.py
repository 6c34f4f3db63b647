"""One summary of all experiments: per-seed rows, per-experiment statistics, comparisons."""
from __future__ import annotations

import math

import numpy as np

from .bootstrap import HEADLINE, paired_difference

KEYS = ("encoder", "pretrain", "trainset")
QUALITY = ("precision_at_1", "map_at_r", "silhouette")


def exp_key(row: dict) -> tuple:
    """An experiment's identity (encoder, pretrain, trainset) from a row or a metrics file."""
    return tuple(row[k] for k in KEYS)


def quality_means(qualities: list[dict]) -> dict[tuple, dict]:
    """(encoder, state) -> mean over seeds of the validation projection's quality; a NaN
    (silhouette with a single class present) is skipped, not spread."""
    groups: dict[tuple, list] = {}
    for q in qualities:
        groups.setdefault((q["encoder"], q["state"]), []).append(q["val"]["projection"])
    return {k: {m: float(np.nanmean([v[m] for v in vals])) for m in QUALITY} for k, vals in groups.items()}
PAPER_KEYS = ("paper_top1", "paper_top5", "paper_auc_macro", "paper_balanced_accuracy")
METRICS = HEADLINE + PAPER_KEYS
# top-1 / top-5 (%) reported by Breda & Fucetola on their class-balanced test resample
PAPER_REPORTED = {
    ("minivgg", "none", "train"): (13, 47),
    ("minivgg", "normal", "train"): (18, 53),
    ("minivgg", "augmented", "train"): (19, 55),
    ("minivgg", "augmented", "train_aug"): (19, 56),
    ("minivgg", "hard", "train"): (6, 32),
    ("efficientnet_b0", "normal", "train"): (6, 31),
}
# t quantiles (0.975) for small numbers of seeds; normal beyond
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def seed_row(m: dict) -> dict:
    row = {k: m[k] for k in (*KEYS, "seed")}
    for k in HEADLINE:
        row[k] = m[k]
        lo, hi = m["ci"][k] or (None, None)
        row[f"{k}_ci_low"], row[f"{k}_ci_high"] = lo, hi
    for k in PAPER_KEYS:
        row[k] = m["paper_protocol"][k[len("paper_"):]]
    return row


def mean_interval(values) -> dict:
    """Mean, SD and 95% t-interval over seeds (interval undefined with one seed)."""
    v = np.array([x for x in values if x is not None], dtype=float)
    if len(v) == 0:
        return {"mean": None, "sd": None, "ci_low": None, "ci_high": None}
    mean = float(v.mean())
    if len(v) < 2:
        return {"mean": mean, "sd": None, "ci_low": None, "ci_high": None}
    sd = float(v.std(ddof=1))
    half = T975.get(len(v) - 1, 1.96) * sd / math.sqrt(len(v))
    return {"mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half}


def experiment_rows(rows: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(exp_key(r), []).append(r)
    out = []
    for key, members in groups.items():
        row = dict(zip(KEYS, key), n_seeds=len(members))
        for metric in METRICS:
            for stat, value in mean_interval([m[metric] for m in members]).items():
                row[f"{metric}_{stat}"] = value
        out.append(row)
    return out


def baseline_of(key: tuple, available: set) -> tuple | None:
    """Same encoder, no pretraining, same training set; else the plain training set."""
    encoder, pretrain, trainset = key
    if pretrain == "none":
        return None
    for candidate in ((encoder, "none", trainset), (encoder, "none", "train")):
        if candidate in available:
            return candidate
    return None


def comparisons(predictions: dict[tuple, dict[int, dict]], resamples: int, seed: int) -> list[dict]:
    """Each experiment against its baseline: paired bootstrap over test images, seeds paired."""
    out = []
    for key, by_seed in predictions.items():
        base = baseline_of(key, set(predictions))
        if base is None:
            continue
        seeds = sorted(set(by_seed) & set(predictions[base]))
        if not seeds:
            continue
        pairs = []
        for s in seeds:
            a, b = by_seed[s], predictions[base][s]
            if not np.array_equal(a["index"], b["index"]):
                raise ValueError(f"{key} and {base} (seed {s}) were evaluated on different test images")
            pairs.append((a["probs"], b["probs"], a["labels"]))
        for metric, d in paired_difference(pairs, resamples=resamples, seed=seed).items():
            out.append({**dict(zip(KEYS, key)), "baseline": "/".join(base), "seeds": len(seeds), "metric": metric,
                        "difference": d["difference"], "ci_low": d["ci"][0], "ci_high": d["ci"][1],
                        "p_value": d["p_value"]})
    return out


def flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        elif not isinstance(v, list) or all(not isinstance(x, (dict, list)) for x in v):
            out[f"{prefix}{k}"] = v
    return out


def experiment_config(config: dict) -> dict:
    """The settings that shape an experiment, from its classifier checkpoint's config."""
    out = {"classify": config["classify_cfg"], "encoder": config["encoder_cfg"]}
    pre = config.get("pretrain_config")
    if pre:
        out["pretrain"] = pre["sampler_cfg"]
        if pre.get("augment"):
            out["augment"] = pre["augment"]
    return out


def differing_keys(configs: dict[tuple, dict]) -> dict[tuple, dict]:
    """Per experiment, the settings whose value is not the same wherever they apply (as `dvc exp show`)."""
    flat = {k: flatten(experiment_config(v)) for k, v in configs.items()}
    keys = sorted({k for f in flat.values() for k in f})
    varying = [k for k in keys if len({repr(f[k]) for f in flat.values() if k in f}) > 1]
    return {exp: {k: f[k] for k in varying if k in f} for exp, f in flat.items()}
