"""Which settings differ between the experiments a summary compares, from the config slices their metrics
files record (the summary's "config that differs" column)."""

from __future__ import annotations


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
    """Per experiment, the settings whose value is not the same wherever they apply (as `dvc exp show`).

    Classification and encoder settings are compared across every experiment; pretraining settings
    only among experiments of the same objective (other objectives have other blocks by design)."""
    flat = {k: flatten(experiment_config(v)) for k, v in configs.items()}

    def peers(exp, key):
        if key.startswith(("pretrain.", "augment.")):
            return [f for other, f in flat.items() if other[1] == exp[1] and key in f]
        return [f for f in flat.values() if key in f]

    return {
        exp: {k: v for k, v in sorted(f.items()) if len({repr(p[k]) for p in peers(exp, k)}) > 1}
        for exp, f in flat.items()
    }
