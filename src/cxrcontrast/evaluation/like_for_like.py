"""When a published row (evaluation/published.py) describes a run of the official task: same flag, the flag's
official file (its MD5, as the pruning records it), same encoder, input size and protocol, and the settings the
row's recipe layer (config/<recipe>.yaml) sets, read from that file and compared with the run's own. Where one
matches, ours (mean and 95% interval over seeds) beside it; where none does, one sentence saying why."""

from __future__ import annotations

from dataclasses import dataclass

from ..vocabulary.optimizers import SCHEDULE_DEFAULTS, unread_keys
from .published import ROWS
from .tables import group_by, mean_interval

# a published protocol -> the block of `official:` that trains it (kNN is no official-task job)
PROTOCOL_BLOCKS = {"end_to_end": "end_to_end", "linear": "frozen"}
# keys of `encoders.<name>` that no official-task job reads
NOT_OFFICIAL = ("train_overrides", "z_head")


def protocol_of(tuning: str, pretrain: str, head: dict) -> str | None:
    """The published protocol an official-task job follows: the encoder trained end to end, or one linear layer
    on the features of an encoder we did not pretrain (its own weights: none or ImageNet); None for any other head
    on frozen features (no source publishes it)."""
    if tuning == "end_to_end":
        return "end_to_end"
    return "linear" if pretrain == "none" and not head.get("hidden") else None


def flat(prefix: str, block: dict) -> dict:
    """Nested keys as dotted paths: ``{"a": {"b": 1}}`` -> ``{"<prefix>.a.b": 1}``."""
    out = {}
    for key, value in block.items():
        path = f"{prefix}.{key}"
        out.update(flat(path, value) if isinstance(value, dict) else {path: value})
    return out


def recipe_settings(layer: dict, encoder: str, protocol: str) -> dict:
    """What a recipe layer sets for a published row of ``encoder`` and ``protocol``, as dotted keys: the official
    block of the protocol (without the keys its optimizer does not read), ``official.select_on`` and the encoder's
    own keys (weights, initialisation, head)."""
    name, official = PROTOCOL_BLOCKS[protocol], layer.get("official", {})
    block = {k: v for k, v in official.get(name, {}).items() if k not in unread_keys(official.get(name, {}))}
    out = flat(f"official.{name}", block)
    if "select_on" in official:
        out["official.select_on"] = official["select_on"]
    own = layer.get("encoders", {}).get(encoder, {})
    return out | flat(f"encoders.{encoder}", {k: v for k, v in own.items() if k not in NOT_OFFICIAL})


def run_settings(params: dict, tuning: str) -> dict:
    """A run's resolved settings (the official job's slice) as the same dotted keys; the optional optimizer keys a
    slice leaves out at their defaults."""
    block = {**SCHEDULE_DEFAULTS, **params["official"][tuning]}
    out = flat(f"official.{tuning}", block) | {"official.select_on": params["official"]["select_on"]}
    encoder = {**params["architecture"], "head": params["head"]}
    return out | flat(f"encoders.{params['encoder']}", encoder)


def setting_differences(recipe: dict, run: dict) -> list[str]:
    """Each key the recipe sets that the run holds otherwise: ``key: <recipe's> in the recipe, <run's> here``."""
    return [
        f"{key} {value} in the recipe, {run.get(key, 'unset')} here"
        for key, value in recipe.items()
        if run.get(key) != value
    ]


def _params(record: dict) -> dict:
    """The slice of the job that made an official result, as its metrics.json records it ({} if none)."""
    return record.get("provenance", {}).get("params", {}).get("params") or {}


@dataclass(frozen=True)
class Match:
    """The published rows a run's result stands beside (``rows``), or why none (``reason``)."""

    rows: tuple[dict, ...]
    reason: str | None = None


def like_for_like(record: dict, rows: list[dict], recipes: dict[str, dict]) -> Match:
    """The rows of ``rows`` that describe the run of an official-task ``record`` (its metrics.json);
    ``recipes``: recipe name -> its layer file's data (config/<recipe>.yaml)."""
    params = _params(record) or None
    if params is None or "image_size" not in record:
        return Match((), "recorded by an earlier version (no input size): rerun its official_evaluate jobs")
    flag, encoder, size, data_size = record["flag"], record["encoder"], record["image_size"], record["size"]
    protocol = protocol_of(record["tuning"], record["pretrain"], params["head"])
    same = [r for r in rows if (r["flag"], r["encoder"], r["protocol"]) == (flag, encoder, protocol)]
    if protocol is None:
        return Match((), "no source publishes a head with hidden layers, or on features pretrained here")
    if not same:
        return Match((), f"no published {protocol} row of {encoder} on {flag}")
    sized = [r for r in same if (r["size"], r.get("data_size", r["size"])) == (size, data_size)]
    if not sized:
        published = ", ".join(sorted({f"{r['size']} px" for r in same}))
        return Match((), f"published at {published}; this run at {size} px from the {data_size} px file")
    official = record.get("official_file") == data_size
    found, reasons = [], [] if official else [f"this run's data is not the official {data_size} px {flag} file (MD5)"]
    for row in sized:
        why = recipe_mismatch(
            row["recipe"], recipes, recipe_args=(encoder, protocol), params=params, tuning=record["tuning"]
        )
        if why:
            reasons.append(why)
        elif official:
            found.append(row)
    return Match(tuple(found), None if found else "; ".join(reasons))


def recipe_mismatch(recipe: str, recipes: dict, recipe_args: tuple, params: dict, tuning: str) -> str | None:
    """Why a run's settings are not those of ``recipe``'s layer for a row of (encoder, protocol), or None."""
    layer = recipes.get(recipe)
    if layer is None:
        return f"config/{recipe}.yaml (the recipe of the published row) is not in the workflow"
    differ = setting_differences(recipe_settings(layer, *recipe_args), run_settings(params, tuning))
    return f"settings other than config/{recipe}.yaml's: " + "; ".join(differ) if differ else None


def beside(ours: list[float], published: float | None) -> dict:
    """Ours (mean and 95% t-interval over seeds) beside a published value: the difference (ours - published) and
    whether the published value lies in our interval (None with one seed: no interval)."""
    m = mean_interval(ours)
    out = {**m, "published": published, "difference": None, "inside": None}
    if published is not None and m["mean"] is not None:
        out["difference"] = m["mean"] - published
        if m["ci_low"] is not None:
            out["inside"] = bool(m["ci_low"] <= published <= m["ci_high"])
    return out


def published_rows(results: list[dict], recipes: dict[str, dict], rows: list[dict] = ROWS) -> list[dict]:
    """One row per model of our official-task results (encoder, pretrain, tuning): the published row beside it
    (``reference``, ``recipe``, ``auc``, ``acc``) with ours over seeds, the difference and whether the published
    value lies in our interval (``auc_*``, ``acc_*``); or none, and ``note``: why."""
    out = []
    for (enc, pre, tuning), members in group_by(results, lambda r: (r["encoder"], r["pretrain"], r["tuning"])).items():
        match = like_for_like(members[0], rows, recipes)
        row = match.rows[0] if match.rows else {}
        entry = {"source": "published", "encoder": enc, "pretrain": pre, "tuning": tuning, "seed": None}
        entry["protocol"] = protocol_of(tuning, pre, _params(members[0]).get("head", {}))
        entry |= {"flag": members[0]["flag"], "task": members[0]["task"], "size": members[0].get("image_size")}
        entry |= {"reference": row.get("source"), "recipe": row.get("recipe"), "note": match.reason}
        for metric in ("auc", "acc"):
            side = beside([m["test"][metric] for m in members], row.get(metric))
            entry[metric] = side["published"]
            entry |= {f"{metric}_{k}": side[k] for k in ("mean", "ci_low", "ci_high", "difference", "inside")}
        out.append(entry)
    return out
