"""Stage of rule ``runtime_table``: wall time and peak memory of every job that runs a model."""

from __future__ import annotations

import csv
from pathlib import Path

from ..files import save_csv
from ..summary.table_pages import save_table_page


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
