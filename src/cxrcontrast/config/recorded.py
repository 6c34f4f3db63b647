"""Whether finished results were made by the config at hand: the slices a metrics.json records
against the ones the current config resolves to. A report of a run describes its config; results
made with other settings under the same paths must not be presented as that config's."""

from __future__ import annotations

from ..files import load_json
from ..slices import MISSING, canonical, dotted_differences, value_at
from ..vocabulary.experiments import Experiment, fraction_text
from .dataset_run import DatasetRun
from .run_config import RunConfig


def expected_record(cfg: DatasetRun, e: Experiment) -> dict:
    """The slices an evaluation of ``e`` records under this config (see stages/evaluate.py)."""
    pretrain = None if e.pretrain == "none" else cfg.pretrain_params(e.encoder, e.pretrain)
    evaluate = cfg.settings["evaluate"]
    return canonical(
        {
            "classify": cfg.classify_params(e),
            "pretrain": pretrain,
            "evaluate": {"bootstrap": evaluate["bootstrap"], "seed": evaluate["seed"]},
        }
    )


def recorded_slices(metrics: dict) -> dict:
    """The same slices as a metrics.json records them (absent ones as None)."""
    config = metrics.get("config") or {}
    boot = metrics.get("bootstrap") or {}
    return canonical(
        {
            "classify": config.get("classify"),
            "pretrain": config.get("pretrain"),
            "evaluate": {"bootstrap": boot.get("resamples"), "seed": boot.get("seed")},
        }
    )


def _shown(tree, key: str, width: int = 60) -> str:
    """The value at dotted ``key``, cut to ``width`` characters."""
    value = value_at(tree, key.split("."))
    text = "absent" if value is MISSING else repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."  # a whole slice would fill the screen


def results_of_other_settings(cfg: RunConfig, pattern: str) -> str | None:
    """One line naming the first metrics.json (``pattern`` formatted with each experiment's dataset, encoder,
    pretrain, trainset, labels and seed) made with other settings than ``cfg``, its experiment and its
    differing keys, with how many others differ; None when all match."""
    stale = []
    for (dataset, e), seed in ((x, s) for x in cfg.experiments for s in cfg.seeds):
        labels = fraction_text(e.labels)
        path = pattern.format(
            dataset=dataset, encoder=e.encoder, pretrain=e.pretrain, trainset=e.trainset, labels=labels, seed=seed
        )
        recorded, expected = recorded_slices(load_json(path)), expected_record(cfg.on(dataset), e)
        keys = dotted_differences(recorded, expected)
        if keys:
            name = f"{dataset}/{e.path} seed {seed}"
            stale.append((name, path, keys, recorded, expected))
    if not stale:
        return None
    name, path, keys, recorded, expected = stale[0]
    shown = ", ".join(f"{k} ({_shown(recorded, k)} recorded, {_shown(expected, k)} in this config)" for k in keys[:4])
    more = f" and {len(keys) - 4} more keys" if len(keys) > 4 else ""
    others = f"; {len(stale) - 1} other results differ too" if len(stale) > 1 else ""
    return f"{name} ({path}) was made with other settings than this config: {shown}{more}{others}"
