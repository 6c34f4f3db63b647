"""The summary step: tables (CSV and Markdown) and cross-experiment figures."""
from __future__ import annotations

import csv
import io
import logging

from .. import __version__
from ..figures.summary import embedding_quality, figure13
from ..io import atomic_path, load_json, load_npz
from ..summary import (KEYS, PAPER_REPORTED, comparisons, differing_keys, exp_key, experiment_rows, quality_means,
                       seed_row)

log = logging.getLogger(__name__)


def write_csv(path: str, rows: list[dict]) -> None:
    buf = io.StringIO()
    fields = list(dict.fromkeys(k for r in rows for k in r)) or ["encoder"]
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue())


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


def markdown(exp_rows, comp_rows, differing, qualities, resamples: int = 1000) -> str:
    lines = ["# Summary of all experiments", "",
             "Percentages; mean over seeds with a 95% t-interval over seeds where there are several. "
             "'Natural' is the pruned test split as it is; 'paper protocol' is a seeded class-balanced resample "
             "of it (chance 6.7% top-1, 33% top-5), the protocol behind the paper's numbers.", "",
             "| experiment | seeds | config that differs | balanced acc | top-1 | top-5 | macro AUC | "
             "paper protocol top-1 / top-5 | paper reported top-1 / top-5 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in exp_rows:
        key = exp_key(r)
        diff = ", ".join(f"{k}={v}" for k, v in differing.get(key, {}).items()) or "–"
        reported = PAPER_REPORTED.get(key)
        lines.append(
            f"| {'/'.join(key)} | {r['n_seeds']} | {diff} | {with_interval(r, 'balanced_accuracy')} | "
            f"{with_interval(r, 'top1')} | {with_interval(r, 'top5')} | {with_interval(r, 'auc_macro')} | "
            f"{pct(r['paper_top1_mean'])} / {pct(r['paper_top5_mean'])} | "
            f"{f'{reported[0]} / {reported[1]}' if reported else '–'} |")
    if comp_rows:
        lines += ["", "## Against the baseline (paired bootstrap over test images, seeds paired)", "",
                  "| experiment | baseline | metric | difference (points) | 95% interval | p |", "|---|---|---|---|---|---|"]
        for c in comp_rows:
            lines.append(f"| {c['encoder']}/{c['pretrain']}/{c['trainset']} | {c['baseline']} | {c['metric']} | "
                         f"{100 * c['difference']:+.1f} | [{100 * c['ci_low']:+.1f}, {100 * c['ci_high']:+.1f}] | "
                         f"{p_text(c['p_value'], resamples)} |")
    if qualities:
        lines += ["", "## Embedding quality (validation, projection z, mean over seeds)", "",
                  "| encoder | state | precision@1 | MAP@R | silhouette |", "|---|---|---|---|---|"]
        for (enc, state), mean in sorted(quality_means(qualities).items()):
            lines.append(f"| {enc} | {state} | {mean['precision_at_1']:.3f} | {mean['map_at_r']:.3f} | "
                         f"{mean['silhouette']:.3f} |")
    return "\n".join(lines) + "\n"


def run_summary(metrics: list[str], predictions: list[str], qualities: list[str], outputs: dict, resamples: int,
                seed: int) -> None:
    results = [load_json(p) for p in metrics]
    rows = [seed_row(m) for m in results]
    exp_rows = experiment_rows(rows)
    preds: dict[tuple, dict[int, dict]] = {}
    for m, path in zip(results, predictions):
        preds.setdefault(exp_key(m), {})[m["seed"]] = load_npz(path, ("probs", "labels", "index"))
    comp = comparisons(preds, resamples, seed)
    configs = {}
    for m in results:  # one config per experiment (the seed's own value is not a difference)
        configs.setdefault(exp_key(m), m["config"])
    differing = differing_keys(configs)
    quals = [load_json(q) for q in qualities]
    write_csv(outputs["metrics"], rows)
    write_csv(outputs["summary"], exp_rows)
    write_csv(outputs["comparisons"], comp)
    with atomic_path(outputs["markdown"]) as tmp:
        tmp.write_text(markdown(exp_rows, comp, differing, quals, resamples)
                       + f"\nMade by cxrcontrast {__version__} from {len(results)} metrics files; each "
                       "metrics.json holds the resolved config of its experiment.\n")
    single = {exp_key(r): r for r in rows}
    figure13(exp_rows, single, outputs["figure13"])
    embedding_quality(quals, outputs["embedding_quality"])
    log.info("summarised %d runs of %d experiments", len(rows), len(exp_rows))


def benchmark_record(path: str) -> dict | None:
    """The last record of a Snakemake benchmark file (s, max_rss, cpu_time, ...), None if it has none."""
    with open(path) as fh:
        records = list(csv.DictReader(fh, delimiter="\t"))
    return records[-1] if records else None


def run_runtime_table(benchmarks: list[str], out: str) -> None:
    """One row per training job from Snakemake's benchmark files (wall seconds, peak memory)."""
    rows = []
    for path in benchmarks:
        rec = benchmark_record(path)
        if rec is None:
            continue
        job = path.split("benchmarks/", 1)[-1].rsplit(".", 1)[0]
        rows.append({"job": job, "seconds": float(rec["s"]), "max_rss_mb": rec.get("max_rss"),
                     "cpu_time_s": rec.get("cpu_time")})
    write_csv(out, rows)
