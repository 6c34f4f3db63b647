"""The paper's whole grid through Snakemake on full-size synthetic data: wall time per rule,
and the grid at the paper's epochs estimated from a short probe.

    .venv/bin/python benchmarks/run.py grid                         # probe: 2 epochs per training job
    .venv/bin/python benchmarks/bench_grid.py --probe-epochs 2 --slots 4 --out DIR

Every training job of the default grid (config/config.yaml: all experiments, all
seeds) runs ``--probe-epochs`` epochs instead of the paper's; evaluation, t-SNE and
the summary run as they are. A job's time at the paper's epochs is estimated as
its measured wall time plus (paper epochs - probe epochs) x its steady epoch time
(the median of the history's per-epoch seconds after the first, which carries
warm-up and compilation; with one probe epoch, that epoch). Checkpoint writes
between epochs are left out of the per-epoch time. ``--slots N`` lets N GPU jobs
share one GPU (``--resources gpu=N``); the grid estimate is then the lower bound
max(sum of job times / N, longest pretrain -> classify -> evaluate chain), and
the probe's own wall time against its jobs' sum / N shows how far packing falls
short of it. A failed job is reported, and the others are still measured.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import fullsize
import yaml

from cxrcontrast.config import DatasetRun, load_layers
from cxrcontrast.stages.runtime_table import benchmark_record

REPO = Path(__file__).resolve().parents[1]
TRAINING = ("pretrain", "classify")


def paper_epochs(cfg: DatasetRun, rule: str, parts: list[str]) -> int:
    """The epochs a job runs under the paper's config, as the workflow resolves them (one config module)."""
    if rule == "pretrain":
        encoder, objective, _ = parts
        return cfg.objective(encoder, objective)["epochs"]
    encoder, pretrain, trainset, labels, _ = parts
    return cfg.classify_block(cfg.experiment(encoder, pretrain, trainset, labels.removeprefix("labels")))["epochs"]


def probe_layer(cfg: DatasetRun, raw: Path, epochs: int, seeds: list[int], compile_: bool) -> dict:
    """Config layer over the paper's: full-size synthetic data, every training job ``epochs`` epochs."""
    experiments = [
        {**e, "classify": {**e["classify"], "epochs": epochs}} if "classify" in e else e
        for e in cfg.settings["experiments"]
    ]
    encoders = {name: {"train_overrides": {"epochs": epochs}} for name in cfg.settings["encoders"]}
    encoders["efficientnet_b0"]["weights"] = "none"  # no download; same compute
    return {
        "datasets": {"chestmnist": {"source": "npz", "npz": str(raw)}},
        "seeds": seeds,
        "encoders": encoders,
        "performance": {"compile": compile_},
        "pretrain": {s: {"epochs": epochs} for s in cfg.settings["pretrain"]},
        "classify": {b: {"epochs": epochs} for b in ("baseline", "finetune")},
        "experiments": experiments,
    }


def number(text: str) -> float:
    """A benchmark-file field; Snakemake writes NA or - where it took no sample."""
    try:
        return float(text)
    except ValueError:
        return float("nan")


def job_rows(res: Path, cfg: DatasetRun, probe: int) -> list[dict]:
    rows = []
    res = res / "chestmnist"  # the probe's one dataset
    for tsv in sorted((res / "benchmarks").rglob("*.tsv")):
        rule, *parts = tsv.relative_to(res / "benchmarks").with_suffix("").parts
        bench = benchmark_record(str(tsv))
        if bench is None:
            continue
        row = {
            "rule": rule,
            "job": "/".join(parts),
            "wall_s": float(bench["s"]),
            "max_rss_mb": number(bench["max_rss"]),
        }
        if rule in TRAINING:
            with (res / rule / tsv.relative_to(res / "benchmarks" / rule).with_suffix("") / "history.csv").open() as fh:
                seconds = [float(r["seconds"]) for r in csv.DictReader(fh)]
            epoch_s = statistics.median(seconds[1:] or seconds)
            epochs = paper_epochs(cfg, rule, parts)
            row.update(epoch_s=epoch_s, paper_epochs=epochs, estimate_s=row["wall_s"] + (epochs - probe) * epoch_s)
        else:
            row["estimate_s"] = row["wall_s"]
        rows.append(row)
    return rows


def longest_chain(rows: list[dict]) -> float:
    est = {(r["rule"], r["job"]): r["estimate_s"] for r in rows}
    chains = []
    for (rule, job), s in est.items():
        if rule == "classify":
            enc, pre, _, _, seed = job.split("/")
            chains.append(est.get(("pretrain", f"{enc}/{pre}/{seed}"), 0.0) + s + est.get(("evaluate", job), 0.0))
    return max(chains, default=0.0)


def expected_training_jobs(cfg: DatasetRun, n_seeds: int) -> int:
    return (len(cfg.pretrainings) + len(cfg.experiments)) * n_seeds


def report(
    rows: list[dict], slots: int, probe: int, grid_wall: float, out: Path, seed_factor: float, expected: int
) -> None:
    keys = ["rule", "job", "wall_s", "epoch_s", "paper_epochs", "estimate_s", "max_rss_mb"]
    with (out / "grid_jobs.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, keys, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    print(f"\n{'job':58} {'wall s':>8} {'s/epoch':>8} {'epochs':>6} {'est. s':>9}")
    for r in rows:
        epoch = f"{r['epoch_s']:8.2f} {r['paper_epochs']:6d}" if "epoch_s" in r else f"{'':8} {'':6}"
        print(f"{r['rule'] + '/' + r['job']:58} {r['wall_s']:8.1f} {epoch} {r['estimate_s']:9.1f}")
    print("\nper rule (jobs; measured wall s, sum; estimated s at the paper's epochs, sum):")
    for rule in dict.fromkeys(r["rule"] for r in rows):
        mine = [r for r in rows if r["rule"] == rule]
        print(
            f"  {rule:14} {len(mine):3d} jobs  {sum(r['wall_s'] for r in mine):9.1f}  "
            f"{sum(r['estimate_s'] for r in mine):10.1f}"
        )
    # per-seed jobs of the seeds not probed cost what the probed seeds' did
    total = sum(r["estimate_s"] * (seed_factor if "/seed" in r["job"] else 1) for r in rows)
    chain = longest_chain(rows)
    print(
        f"\nprobe grid ({probe} epochs per training job), measured wall: {grid_wall:.1f} s; "
        f"sum of its jobs' wall times / {slots}: {sum(r['wall_s'] for r in rows) / slots:.1f} s "
        f"(their ratio shows how well {slots} job(s) at a time packed)"
    )
    done = sum(r["rule"] in TRAINING for r in rows)
    if done < expected:
        print(f"INCOMPLETE: {done} of {expected} training jobs finished; the estimate below covers only those")
    print(
        f"paper grid (all seeds), estimated: sum of job times {total / 60:.1f} min; with {slots} job(s) at a time "
        f"at least {max(total / slots, chain) / 60:.1f} min (perfect packing; longest chain {chain / 60:.1f} min)"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--probe-epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default: the config's seeds")
    parser.add_argument("--slots", type=int, default=1, help="GPU jobs at a time (--resources gpu=N)")
    parser.add_argument("--cores", type=int, default=None)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the real split sizes (trials)")
    parser.add_argument("--compile", action="store_true", help="performance.compile: true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/cxr-grid"))
    parser.add_argument("--out", type=Path, default=None, help="where grid_jobs.csv goes (default: --work)")
    parser.add_argument("--limit", type=float, default=None, help="stop Snakemake after this many seconds")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="continue an interrupted probe in --work (finished jobs are kept, not rerun)",
    )
    args = parser.parse_args(argv)
    cfg = load_layers([REPO / "config/config.yaml"], REPO / "workflow/schemas/config.schema.yaml").on("chestmnist")
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    if not args.keep:
        shutil.rmtree(work / "results", ignore_errors=True)
    for part in ("Snakefile", "workflow", "config", "profiles"):  # a clone's layout in a scratch directory
        src, dst = REPO / part, work / part
        if dst.is_dir():
            shutil.rmtree(dst)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy(src, dst)
    raw = fullsize.make_raw(work / "raw.npz", scale=args.scale)
    seeds = args.seeds or list(cfg.seeds)
    layer = probe_layer(cfg, raw, args.probe_epochs, seeds, args.compile)
    (work / "probe.yaml").write_text(yaml.safe_dump(layer))
    cores = str(args.cores or min(os.cpu_count() or 1, 4 * args.slots))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            cores,
            "--resources",
            f"gpu={args.slots}",
            "--configfile",
            "config/config.yaml",
            "probe.yaml",
            "--quiet",
            "rules",
            "--keep-going",
        ],
        cwd=work,
        start_new_session=True,
    )
    stopped = False
    try:
        rc = proc.wait(timeout=args.limit)
    except subprocess.TimeoutExpired:  # report what finished; Snakemake marks the rest incomplete
        os.killpg(proc.pid, signal.SIGTERM)
        rc, stopped = proc.wait(), True
        print(f"stopped after --limit {args.limit} s: the figures below cover the jobs that finished")
    grid_wall = time.perf_counter() - start
    if rc and not stopped:  # still report: the jobs that finished are measured all the same
        print(f"FAILED: snakemake exited {rc}; failed jobs' logs are under {work}/results/logs")
    out = args.out or work
    out.mkdir(parents=True, exist_ok=True)
    report(
        job_rows(work / "results", cfg, args.probe_epochs),
        args.slots,
        args.probe_epochs,
        grid_wall,
        out,
        len(cfg.seeds) / len(seeds),
        expected_training_jobs(cfg, len(seeds)),
    )


def run() -> None:
    main([])


if __name__ == "__main__":
    main()
