"""The DAG at scale: the dry run of a grid of 12 datasets x 2 sizes x the default experiments x 3 seeds.

    .venv/bin/python benchmarks/bench_dag.py                 # jobs and seconds of `snakemake -n`
    .venv/bin/python benchmarks/bench_dag.py --profile 30    # and the 30 costliest functions (cProfile)

Demo sources stand in for the 12 MedMNIST flags (a dry run reads no data); nothing is written but the
scratch copy of the workflow. The figure is the wall time of the whole `snakemake -n` process (start-up,
parse, DAG, job table), the first run and a second one.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
FLAGS = (
    "chest",
    "pneumonia",
    "derma",
    "blood",
    "breast",
    "oct",
    "organa",
    "organc",
    "organs",
    "path",
    "retina",
    "tissue",
)


def grid_layer(flags=FLAGS, sizes=(28, 64), seeds=(0, 1, 2)) -> dict:
    datasets = {
        f"{flag}{size}": {"source": "demo", "size": size, "image_size": 32 if size == 28 else size, "seed": i}
        for i, flag in enumerate(flags)
        for size in sizes
    }
    return {"datasets": datasets, "seeds": list(seeds)}


def dry_run(work: Path, profile: int | None) -> tuple[float, int, str]:
    exe = str(Path(sys.executable).with_name("snakemake"))
    cmd = [exe, "-n", "--quiet", "rules", "--configfile", "config/config.yaml", "grid.yaml"]
    if profile:
        cmd = [sys.executable, "-m", "cProfile", "-s", "cumulative", exe, *cmd[1:]]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    total = re.search(r"^total\s+(\d+)$", proc.stdout, re.M)
    return seconds, int(total.group(1)) if total else -1, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions (cProfile)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(REPO / "Snakefile", work)
        for folder in ("workflow", "config"):
            shutil.copytree(REPO / folder, work / folder)
        (work / "grid.yaml").write_text(yaml.safe_dump(grid_layer()))
        for run in ("first", "second"):
            seconds, jobs, out = dry_run(work, args.profile if run == "second" else 0)
            print(f"dry run ({run}): {jobs} jobs in {seconds:.1f} s")
        if args.profile:
            lines = out.splitlines()
            start = next(i for i, line in enumerate(lines) if "ncalls" in line)
            print("\n".join(lines[start : start + args.profile + 1]))


if __name__ == "__main__":
    main()
