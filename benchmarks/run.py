"""Benchmarks that print figures for this machine (not timed tests).

    .venv/bin/python benchmarks/run.py            # augment, training, evaluation
    .venv/bin/python benchmarks/run.py augment    # one benchmark by name
    .venv/bin/python benchmarks/run.py grid       # the whole grid through Snakemake (long; see bench_grid.py)

Each figure is the median of several runs; BENCHMARKS.md records them.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return f"{os.cpu_count()} cores, {cpu}, GPU: {gpu}, torch {torch.__version__}, threads {torch.get_num_threads()}"


def main(argv=None) -> None:
    import bench_augment
    import bench_evaluation
    import bench_grid
    import bench_training

    suites = {
        "augment": bench_augment.run,
        "training": bench_training.run,
        "evaluation": bench_evaluation.run,
        "grid": bench_grid.run,
    }
    default = ["augment", "training", "evaluation"]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", choices=[[], *suites], help=f"benchmarks to run (default: {default})")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    print(f"machine: {machine()}")
    for name in args.names or default:
        print(f"\n== {name} ==")
        suites[name]()


if __name__ == "__main__":
    main()
