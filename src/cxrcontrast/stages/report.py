"""Stages of rules ``summary`` and ``runtime_table``: tables and figures over all experiments."""
from __future__ import annotations

import csv
import logging

from .. import __version__
from ..evaluation.tables import (comparisons, differing_keys, exp_key, experiment_rows, paper_reported, quality_means,
                                 seed_row)
from ..figures.comparison import embedding_quality, figure13
from ..figures.style import experiment_label
from ..files import load_json, load_npz, save_csv, save_text

log = logging.getLogger(__name__)


def pct(value) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def with_interval(row: dict, metric: str) -> str:
    if row[f"{metric}_mean"] is None:
        return "n/a"
    text = pct(row[f"{metric}_mean"])
    if row[f"{metric}_ci_low"] is not None:
        text += f" [{pct(row[f'{metric}_ci_low'])}, {pct(row[f'{metric}_ci_high'])}]"
    return text


def p_text(p: float, resamples: int) -> str:
    """A bootstrap p-value of 0 only says p is below the resolution 1/resamples."""
    return f"< {1 / resamples:.2g}" if p == 0 else f"{p:.3f}"


def markdown(exp_rows, comp_rows, differing, qualities, task: dict, resamples: int) -> str:
    k = task["classes"]
    warnings = [f"> **Data warning:** {w}" for w in task["warnings"]]
    top5 = k > 5
    paper = any(paper_reported(exp_key(r), task) for r in exp_rows)
    chance = f"chance {1 / k:.1%} top-1" + (f", {5 / k:.0%} top-5" if top5 else "")
    lines = ["# Summary of all experiments", "",
             f"Data: `{task['flag']}`, {k} classes. Percentages; mean over seeds with a 95% t-interval over seeds "
             "where there are several. 'Natural' is the test split as it is; 'paper protocol' is a seeded "
             f"class-balanced resample of it ({chance}), the protocol behind the paper's numbers.", "",
             *(w + "\n" for w in warnings)]
    head = ["experiment", "labels", "seeds", "config that differs", "balanced acc", "top-1", *(["top-5"] * top5),
            "macro AUC", "paper protocol top-1" + (" / top-5" if top5 else "")]
    head += ["paper reported top-1 / top-5"] * paper
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in exp_rows:
        key = exp_key(r)
        diff = ", ".join(f"{name}={v}" for name, v in differing.get(key, {}).items()) or "–"
        cells = [experiment_label(r), f"{key[3]:.0%}", str(r["n_seeds"]), diff, with_interval(r, "balanced_accuracy"),
                 with_interval(r, "accuracy"), *([with_interval(r, "top5")] * top5), with_interval(r, "auc_macro"),
                 pct(r["paper_accuracy_mean"]) + (f" / {pct(r['paper_top5_mean'])}" if top5 else "")]
        if paper:
            reported = paper_reported(key, task)
            cells.append(f"{reported[0]} / {reported[1]}" if reported else "–")
        lines.append("| " + " | ".join(cells) + " |")
    if comp_rows:
        lines += ["", "## Against the baseline (paired bootstrap over test images, seeds paired)", "",
                  "| experiment | baseline | metric | difference (points) | 95% interval | p |", "|---|---|---|---|---|---|"]
        for c in comp_rows:
            lines.append(f"| {experiment_label(c)} | {c['baseline']} | {c['metric']} | {100 * c['difference']:+.1f} | "
                         f"[{100 * c['ci_low']:+.1f}, {100 * c['ci_high']:+.1f}] | {p_text(c['p_value'], resamples)} |")
    if qualities:
        lines += ["", "## Embedding quality (validation split, mean over seeds)", "",
                  "| encoder | pretrain | features | precision@1 | MAP@R | silhouette |", "|---|---|---|---|---|---|"]
        for features in ("h", "z"):
            for (enc, pre), mean in sorted(quality_means(qualities, features).items()):
                lines.append(f"| {enc} | {pre} | {features} | {mean['precision_at_1']:.3f} | {mean['map_at_r']:.3f} | "
                             f"{mean['silhouette']:.3f} |")
    return "\n".join(lines) + "\n"


def run_summary(metrics: list[str], predictions: list[str], qualities: list[str], classes: str, outputs: dict,
                params: dict) -> None:
    """``params``: the ``evaluate`` block (bootstrap resamples and seed of the comparisons)."""
    info = load_json(classes)
    task = {"flag": info["flag"], "classes": len(info["class_names"]), "warnings": info["warnings"]}
    results = [load_json(p) for p in metrics]
    rows = [seed_row(m) for m in results]
    exp_rows = experiment_rows(rows)
    preds: dict[tuple, dict[int, dict]] = {}
    for m, path in zip(results, predictions):
        preds.setdefault(exp_key(m), {})[m["seed"]] = load_npz(path, ("probs", "labels", "index"))
    comp = comparisons(preds, params["bootstrap"], params["seed"])
    configs = {}
    for m in results:  # one config per experiment (the seed's own value is not a difference)
        configs.setdefault(exp_key(m), m["config"])
    differing = differing_keys(configs)
    quals = [load_json(q) for q in qualities]
    save_csv(outputs["metrics"], rows)
    save_csv(outputs["summary"], exp_rows)
    save_csv(outputs["comparisons"], comp)
    save_text(outputs["markdown"], markdown(exp_rows, comp, differing, quals, task, params["bootstrap"])
              + f"\nMade by cxrcontrast {__version__} from {len(results)} metrics files; each "
              "metrics.json holds the config slices of its experiment.\n")
    figure13(exp_rows, {exp_key(r): r for r in rows}, task, outputs["figure13"])
    embedding_quality(quals, outputs["embedding_quality"])
    log.info("summarised %d runs of %d experiments", len(rows), len(exp_rows))


def benchmark_record(path: str) -> dict | None:
    """The last record of a Snakemake benchmark file (s, max_rss, cpu_time, ...), None if it has none."""
    with open(path) as fh:
        records = list(csv.DictReader(fh, delimiter="\t"))
    return records[-1] if records else None


def run_runtime_table(benchmarks: list[str], out: str) -> None:
    """One row per job that runs a model, from Snakemake's benchmark files (wall seconds, peak memory)."""
    rows = []
    for path in benchmarks:
        rec = benchmark_record(path)
        if rec is None:
            continue
        job = path.split("benchmarks/", 1)[-1].rsplit(".", 1)[0]
        rows.append({"job": job, "seconds": float(rec["s"]), "max_rss_mb": rec.get("max_rss"),
                     "cpu_time_s": rec.get("cpu_time")})
    save_csv(out, rows)
