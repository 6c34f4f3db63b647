"""One summary of all experiments: per-seed rows, per-experiment statistics over seeds, comparisons."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .bootstrap import LEVEL, paired_difference
from .embeddings import QUALITY
from .metrics import HEADLINE

KEYS = ("encoder", "pretrain", "trainset", "labels")
PAPER_KEYS = ("paper_accuracy", "paper_top5", "paper_auc_macro", "paper_balanced_accuracy")
METRICS = HEADLINE + PAPER_KEYS
# top-1 / top-5 (%) that Breda & Fucetola report on their class-balanced test resample, for the
# pruned 15-class ChestMNIST task and all training labels
PAPER_REPORTED = {
    ("minivgg", "none", "train"): (13, 47),
    ("minivgg", "normal", "train"): (18, 53),
    ("minivgg", "augmented", "train"): (19, 55),
    ("minivgg", "augmented", "train_aug"): (19, 56),
    ("minivgg", "hard", "train"): (6, 32),
    ("efficientnet_b0", "normal", "train"): (6, 31),
}


def exp_key(row: dict) -> tuple:
    """An experiment's identity (encoder, pretrain, trainset, labels) from a row or a metrics file."""
    return tuple(float(row[k]) if k == "labels" else row[k] for k in KEYS)


def paper_reported(key: tuple, task: dict) -> tuple[int, int] | None:
    """The paper's numbers for an experiment, only where they describe the same task: the pruned
    15-class ChestMNIST, every training label."""
    if task["flag"] != "chestmnist" or task["classes"] != 15 or key[3] != 1.0:
        return None
    return PAPER_REPORTED.get(key[:3])


def seed_row(m: dict) -> dict:
    row = {k: m[k] for k in (*KEYS, "seed")}
    for k in HEADLINE:
        row[k] = m[k]
        lo, hi = m["ci"][k] or (None, None)
        row[f"{k}_ci_low"], row[f"{k}_ci_high"] = lo, hi
    for k in PAPER_KEYS:
        row[k] = m["paper_protocol"][k[len("paper_"):]]
    return row


def mean_interval(values, level: float = LEVEL) -> dict:
    """Mean, SD and t-interval over seeds (interval undefined with one seed)."""
    v = np.array([x for x in values if x is not None], dtype=float)
    if len(v) == 0:
        return {"mean": None, "sd": None, "ci_low": None, "ci_high": None}
    mean = float(v.mean())
    if len(v) < 2:
        return {"mean": mean, "sd": None, "ci_low": None, "ci_high": None}
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, df=len(v) - 1)) * sd / math.sqrt(len(v))
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
    """Same encoder and label budget, no pretraining, same training set; else the plain training set."""
    encoder, pretrain, trainset, labels = key
    if pretrain == "none":
        return None
    for candidate in ((encoder, "none", trainset, labels), (encoder, "none", "train", labels)):
        if candidate in available:
            return candidate
    return None


def comparisons(predictions: dict[tuple, dict[int, dict]], resamples: int, seed: int) -> list[dict]:
    """Each experiment against its baseline: paired bootstrap over test images, seeds paired."""
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
        for metric, d in paired_difference(pairs, resamples=resamples, seed=seed).items():
            out.append({**dict(zip(KEYS, key)), "baseline": "/".join(map(str, base[:3])), "seeds": len(seeds),
                        "metric": metric, "difference": d["difference"], "ci_low": d["ci"][0], "ci_high": d["ci"][1],
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
    """The settings that shape an experiment, from its metrics file's config (classify and pretrain slices)."""
    classify = config["classify"]
    out = {"classify": classify["classify"], "encoder": {**classify["architecture"], "head": classify["head"]}}
    pre = config.get("pretrain")
    if pre:
        out["pretrain"] = pre["block"]
        if pre.get("augment"):
            out["augment"] = pre["augment"]
    return out


def differing_keys(configs: dict[tuple, dict]) -> dict[tuple, dict]:
    """Per experiment, the settings whose value is not the same wherever they apply (as `dvc exp show`)."""
    flat = {k: flatten(experiment_config(v)) for k, v in configs.items()}
    keys = sorted({k for f in flat.values() for k in f})
    varying = [k for k in keys if len({repr(f[k]) for f in flat.values() if k in f}) > 1]
    return {exp: {k: f[k] for k in varying if k in f} for exp, f in flat.items()}


def quality_means(qualities: list[dict], features: str = "z", split: str = "val") -> dict[tuple, dict]:
    """(encoder, pretrain) -> mean over seeds of the retrieval quality of ``features`` on ``split``;
    a NaN (silhouette with one class present) is skipped, not spread."""
    groups: dict[tuple, list] = {}
    for q in qualities:
        groups.setdefault((q["encoder"], q["pretrain"]), []).append(q[split][features])
    return {k: {m: float(np.nanmean([v[m] for v in vals])) for m in QUALITY} for k, vals in groups.items()}
