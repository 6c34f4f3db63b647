"""Stages of rules ``summary`` and ``runtime_table``: tables and figures over all experiments."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

from .. import __version__
from ..errors import InputError
from ..evaluation.label_equivalence import add_equivalence, label_equivalence
from ..evaluation.markdown import markdown
from ..evaluation.numerics import numerics_warnings
from ..evaluation.protocols import kendall_rows, protocol_scores
from ..evaluation.robustness import robustness_rows
from ..evaluation.tables import comparisons, differing_keys, embedding_rows, experiment_rows, official_rows, seed_row
from ..figures.tables import save_table_page
from ..files import load_json, load_npz, save_csv, save_text
from ..vocabulary.experiments import Experiment, experiment_key
from ..vocabulary.objectives import OBJECTIVES

# the summary's tables: output key -> title of its page in the report (the page's output key: <key>_page)
TABLES = {
    "metrics": "Test metrics per experiment and seed",
    "summary": "Test metrics per experiment, over seeds",
    "comparisons": "Each pretraining against its baseline",
    "embedding_table": "Embeddings: retrieval and probes",
    "official": "The official MedMNIST task",
    "fidelity": "Fidelity: the paper's text or the authors' code",
    "protocols": "Protocol sensitivity: Kendall's tau between the encoder states' rankings",
    "robustness": "Robustness: metrics under MedMNIST-C's corruptions, per severity",
}

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
) -> None:
    """``params``: bootstrap resamples and seed of the comparisons (``RunConfig.summary_params``); ``fidelity``: the
    rows of ``cxrcontrast.config.fidelity_rows``; ``experiments``: the experiment and seed each metrics path names
    (``DatasetRun.experiment_identities``), checked against what its files record."""
    from ..figures.budgets import label_efficiency
    from ..figures.comparison import embedding_quality, figure13
    from ..figures.robustness import robustness_figure

    info = load_json(classes)
    results = [load_json(p) for p in metrics]
    task = {k: info[k] for k in ("flag", "class_names", "warnings", "official")}
    task.update(classes=len(info["class_names"]), numerics_warnings=numerics_warnings(results))
    for line in task["numerics_warnings"]:
        log.warning("%s", line)
    rows = [seed_row(m) for m in results]
    exp_rows = experiment_rows(rows)
    preds: dict[tuple, dict[int, dict]] = {}
    for i, (m, path) in enumerate(zip(results, predictions)):
        pred = load_npz(path, ("probs", "labels", "index"))
        if experiments is not None:
            check_made_for(experiments[i], m, metrics[i], pred, path)
        preds.setdefault(experiment_key(m), {})[m["seed"]] = pred
    comp = comparisons(preds, params["bootstrap"], params["seed"])
    add_equivalence(exp_rows, label_equivalence(preds, params["bootstrap"], params["seed"]))
    configs = {}
    for m in results:  # one config per experiment (the seed's own value is not a difference)
        configs.setdefault(experiment_key(m), m["config"])
    quals = [load_json(q) for q in qualities]
    embedding = embedding_rows(quals, [load_json(p) for p in probes])
    official_table = official_rows([load_json(p) for p in official])
    scores = protocol_scores(exp_rows, embedding, official_table)
    tables = {
        "metrics": rows,
        "summary": exp_rows,
        "comparisons": comp,
        "embedding_table": embedding,
        "official": official_table,
        "fidelity": fidelity,
        "protocols": kendall_rows(scores),
        "robustness": robustness_rows(results),
    }
    for key, table in tables.items():
        save_csv(outputs[key], table)
        save_table_page(outputs[f"{key}_page"], table, TABLES[key], outputs[key])
    save_text(
        outputs["markdown"],
        markdown(exp_rows, comp, differing_keys(configs), embedding, official_table, task, params["bootstrap"], scores)
        + f"\nMade by cxrcontrast {__version__} from {len(results)} metrics files; each "
        "metrics.json holds the config slices of its experiment.\n",
    )
    figure13(exp_rows, {experiment_key(r): r for r in rows}, task, outputs["figure13"])
    embedding_quality(quals, outputs["embedding_quality"])
    robustness_figure(tables["robustness"], outputs["robustness_figure"])
    label_efficiency(
        exp_rows,
        outputs["label_efficiency"],
        frozenset(name for name, recipe in OBJECTIVES.items() if not recipe.supervised),
    )
    log.info("summarised %d runs of %d experiments", len(rows), len(exp_rows))


def benchmark_record(path: str) -> dict | None:
    """The last record of a Snakemake benchmark file (s, max_rss, cpu_time, ...), None if it has none."""
    with open(path) as fh:
        records = list(csv.DictReader(fh, delimiter="\t"))
    return records[-1] if records else None


def run_runtime_table(benchmarks: list[str], out: str, page: str) -> None:
    """One row per job that runs a model, from Snakemake's benchmark files (wall seconds, peak memory)."""
    rows = []
    for path in benchmarks:
        rec = benchmark_record(path)
        if rec is None:
            continue
        head, _, tail = path.partition("/benchmarks/")  # results/{dataset}/benchmarks/{stage}/...
        job = f"{Path(head).name}/{tail.rsplit('.', 1)[0]}"
        rows.append(
            {
                "job": job,
                "seconds": float(rec["s"]),
                "max_rss_mb": rec.get("max_rss"),
                "cpu_time_s": rec.get("cpu_time"),
            }
        )
    save_csv(out, rows)
    save_table_page(page, rows, "Runtime and peak memory of the jobs", out)
