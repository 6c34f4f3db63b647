"""Stage of rule ``summary``: tables, Markdown and figures over all experiments of one dataset."""

from __future__ import annotations

import json
import logging

from ..errors import InputError
from ..evaluation.config_differences import differing_keys
from ..evaluation.label_equivalence import add_equivalence, label_equivalence
from ..evaluation.like_for_like import published_rows
from ..evaluation.protocol_sensitivity import collapsed_states, kendall_rows, protocol_scores
from ..evaluation.robustness import collapsed_models, robustness_rows
from ..evaluation.tables import (
    collapsed_seeds,
    comparisons,
    embedding_rows,
    experiment_rows,
    official_rows,
    seed_row,
)
from ..files import load_json, load_npz, save_text
from ..summary.markdown import summary_markdown
from ..summary.numerics import numerics_warnings
from ..summary.table_pages import save_tables
from ..vocabulary.experiments import Experiment, experiment_key
from ..vocabulary.objectives import OBJECTIVES

log = logging.getLogger(__name__)


def _named(identity: dict | None) -> str:
    if not identity:
        return "no recorded experiment (an older version's)"
    return f"{Experiment.from_row(identity).path} seed {identity['seed']}"


def check_made_for(expected: dict, metrics: dict, metrics_path: str, predictions: dict, predictions_path: str):
    """A metrics.json and predictions.npz are those of the experiment and seed their paths name (``expected``):
    a file copied or moved under another experiment's path is refused, not summarised under that name."""
    made_for = {k: metrics.get(k) for k in expected}
    prov = json.loads(str(predictions["provenance"])) if "provenance" in predictions else {}
    for path, identity in ((metrics_path, made_for), (predictions_path, prov.get("params", {}).get("experiment"))):
        if identity != expected:
            raise InputError(
                f"{path}: the results of {_named(identity)}, not of {_named(expected)} its path names "
                "(copied or moved there?); delete it and rerun"
            )


def summary_task(classes: str, results: list[dict]) -> dict:
    """What the Markdown says of the data: flag, class names, data and numerics warnings (logged too)."""
    info = load_json(classes)
    task = {k: info[k] for k in ("flag", "class_names", "warnings", "official")}
    task.update(classes=len(info["class_names"]), numerics_warnings=numerics_warnings(results))
    for line in task["numerics_warnings"]:
        log.warning("%s", line)
    return task


def load_predictions(results, metrics: list[str], predictions: list[str], experiments) -> dict[tuple, dict]:
    """Experiment key -> seed -> its predictions.npz, each checked to be that of the experiment its path names."""
    preds: dict[tuple, dict[int, dict]] = {}
    for i, (m, path) in enumerate(zip(results, predictions)):
        pred = load_npz(path, ("probs", "labels", "index"))
        if experiments is not None:
            check_made_for(experiments[i], m, metrics[i], pred, path)
        preds.setdefault(experiment_key(m), {})[m["seed"]] = pred
    return preds


def summary_tables(results, rows, preds, quals, probes, official, fidelity, params, recipes) -> tuple[dict, dict]:
    """The summary's tables (output key -> rows) and the protocols' scores of the encoder states; ``rows``: the
    ``seed_row`` of each of ``results``; ``recipes``: recipe name -> its layer's data (``published_rows``)."""
    exp_rows = experiment_rows(rows)
    collapsed = collapsed_seeds(rows)
    comp = comparisons(preds, params["bootstrap"], params["seed"], collapsed)
    add_equivalence(exp_rows, label_equivalence(preds, params["bootstrap"], params["seed"], set(collapsed)))
    embedding = embedding_rows(quals, probes)
    official_table = official_rows(official) + published_rows(official, recipes)
    scores = protocol_scores(exp_rows, embedding, official_table)
    tables = {
        "metrics": rows,
        "summary": exp_rows,
        "comparisons": comp,
        "embedding_table": embedding,
        "official": official_table,
        "fidelity": fidelity,
        "protocols": kendall_rows(scores, collapsed_states(exp_rows, embedding)),
        "robustness": robustness_rows(results),
    }
    return tables, scores


def experiment_configs(results: list[dict]) -> dict[tuple, dict]:
    """One config per experiment: the seed's own value is not a difference."""
    configs = {}
    for m in results:
        configs.setdefault(experiment_key(m), m["config"])
    return configs


def draw_figures(tables: dict, quals: list[dict], task: dict, outputs: dict, left_out: list[str]) -> None:
    """Figure 13, the embeddings' quality, robustness (``left_out``: the collapsed models it leaves out) and label
    efficiency."""
    from ..figures.budgets import label_efficiency
    from ..figures.comparison import embedding_quality, figure13
    from ..figures.robustness import robustness_figure

    exp_rows = tables["summary"]
    figure13(exp_rows, {experiment_key(r): r for r in tables["metrics"]}, task, outputs["figure13"])
    embedding_quality(quals, outputs["embedding_quality"])
    robustness_figure(tables["robustness"], outputs["robustness_figure"], left_out)
    label_free = frozenset(name for name, recipe in OBJECTIVES.items() if not recipe.supervised)
    label_efficiency(exp_rows, outputs["label_efficiency"], label_free)


def run_summary(
    metrics: list[str],
    predictions: list[str],
    qualities: list[str],
    probes: list[str],
    official: list[str],
    classes: str,
    outputs: dict,
    params: dict,
    fidelity: list[dict],
    experiments: list[dict] | None = None,
    recipes: dict | None = None,
) -> None:
    """``params``: bootstrap resamples and seed of the comparisons (``RunConfig.summary_params``); ``fidelity``: the
    rows of ``cxrcontrast.config.fidelity_rows``; ``experiments``: the experiment and seed each metrics path names
    (``DatasetRun.experiment_identities``), checked against what its files record; ``recipes``: recipe name -> the
    data of its layer file config/<recipe>.yaml (``cxrcontrast.config.recipe_layers``), which a published row's
    settings are read from."""
    results = [load_json(p) for p in metrics]
    rows = [seed_row(m, path) for m, path in zip(results, metrics)]  # first: an earlier version's file is refused
    task = summary_task(classes, results)
    preds = load_predictions(results, metrics, predictions, experiments)
    quals, probe_results = [load_json(q) for q in qualities], [load_json(p) for p in probes]
    official_results = [load_json(p) for p in official]
    tables, scores = summary_tables(
        results, rows, preds, quals, probe_results, official_results, fidelity, params, recipes or {}
    )
    save_tables(tables, outputs)
    differing = differing_keys(experiment_configs(results))
    markdown = summary_markdown(tables, differing, task, params["bootstrap"], scores, len(results))
    save_text(outputs["markdown"], markdown)
    draw_figures(tables, quals, task, outputs, collapsed_models(results))
    log.info("summarised %d runs of %d experiments", len(tables["metrics"]), len(tables["summary"]))
