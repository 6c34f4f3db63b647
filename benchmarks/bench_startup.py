"""What a job pays before its work starts: Python, Snakemake's preamble and the rule script's imports.

    .venv/bin/python benchmarks/bench_startup.py imports                # every rule script of this checkout
    .venv/bin/python benchmarks/bench_startup.py imports --repo OTHER   # another checkout (a worktree "before")
    .venv/bin/python benchmarks/bench_startup.py logs results           # the start-up lines of a finished run

``imports`` runs, per rule script, a fresh interpreter that executes Snakemake's preamble imports and the
script's own top-level imports (read with ``ast``, nothing else of the script runs), and times it from just
before the process is spawned to the child's clock after the imports: the median of ``--repeats`` runs,
scripts taken in turns. ``import torch`` alone is the reference: the goal is no script above torch + 0.5 s.

``logs`` reads the first line every step writes (``start-up: X s from process start to this line``,
``cxrcontrast.runtime.job``), sums it per rule and over the run, and sets the sum against the run's wall
time (first log line to the last log written).
"""

from __future__ import annotations

import argparse
import ast
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What Snakemake's `script:` preamble imports before the script's first line (snakemake/script/__init__.py).
PREAMBLE = "import pickle\nfrom snakemake.logging import logger\nfrom snakemake.iocontainers import Snakemake\n"
STARTUP_LINE = re.compile(
    r"^(\S+ \S+) INFO (?:\[[^]]*\] )?cxrcontrast: start-up: ([0-9.]+) s"
)  # [job name] since the job log names its job
TORCH_MARGIN = 0.5


def script_imports(path: Path) -> str:
    """The top-level import statements of a rule script, as source."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return "\n".join(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))


def time_imports(code: str, src: Path) -> float:
    """Seconds from spawning a fresh interpreter to the end of ``code`` in it."""
    child = code + "\nimport time\nprint(time.time())\n"
    start = time.time()
    done = subprocess.run(
        [sys.executable, "-c", child],
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1]) - start


def imports(repo: Path, repeats: int) -> dict[str, float]:
    """Median start-up per rule script of ``repo``, with the references ``python``, ``preamble``, ``torch``."""
    codes = {"python": "pass", "preamble": PREAMBLE, "torch": "import torch"}
    for script in sorted((repo / "workflow" / "scripts").glob("*.py")):
        codes[script.stem] = PREAMBLE + script_imports(script)
    runs = defaultdict(list)
    for _ in range(repeats):
        for name, code in codes.items():
            runs[name].append(time_imports(code, repo / "src"))
    return {name: statistics.median(seconds) for name, seconds in runs.items()}


def rule_of(log: Path, rules: list[str]) -> str:
    """The rule a log belongs to, from its path (``.../logs/[data|report/]<rule>[_<wildcard>][/...].log``)."""
    parts = log.parts[max(i for i, part in enumerate(log.parts) if part == "logs") + 1 :]
    head = parts[1] if parts[0] in ("data", "report") and len(parts) > 1 else parts[0]
    stem = Path(head).stem
    matches = [rule for rule in rules if stem == rule or stem.startswith(rule + "_")]
    return max(matches, key=len) if matches else stem


def startup_lines(results: Path, rules: list[str]):
    """(rule, seconds, first timestamp, log mtime) for every log under ``results`` with a start-up line."""
    for log in sorted(results.rglob("logs/**/*.log")):
        with log.open() as lines:
            for line in lines:
                found = STARTUP_LINE.match(line)
                if found:
                    when = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
                    yield rule_of(log, rules), float(found.group(2)), when, log.stat().st_mtime
                    break


def logs(results: Path) -> tuple[dict[str, list[float]], float]:
    """Start-up seconds per rule, and the wall time the logs span."""
    rules = [script.stem for script in (ROOT / "workflow" / "scripts").glob("*.py")]
    per_rule, starts, ends = defaultdict(list), [], []
    for rule, seconds, when, mtime in startup_lines(results, rules):
        per_rule[rule].append(seconds)
        starts.append(when - seconds)
        ends.append(mtime)
    if not starts:
        raise SystemExit(f"{results}: no log holds a 'start-up:' line (a run by this code writes one per step)")
    return dict(per_rule), max(ends) - min(starts)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    one = sub.add_parser("imports", help="time every rule script's imports in a fresh interpreter")
    one.add_argument("--repo", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    one.add_argument("--repeats", type=int, default=5)
    two = sub.add_parser("logs", help="sum the start-up lines of a finished run's logs")
    two.add_argument("results", type=Path)
    args = parser.parse_args(argv)
    if args.mode == "imports":
        medians = imports(args.repo.resolve(), args.repeats)
        limit = medians["torch"] + TORCH_MARGIN
        print(f"{args.repo.resolve()}: median of {args.repeats} fresh interpreters; limit torch + {TORCH_MARGIN} s")
        for name, seconds in medians.items():
            flag = "  over the limit" if seconds > limit else ""
            print(f"  {name:22s} {seconds:6.2f} s{flag}")
        return
    per_rule, wall = logs(args.results)
    total = sum(sum(v) for v in per_rule.values())
    print(f"{args.results}: {sum(map(len, per_rule.values()))} steps, wall {wall:.0f} s")
    print(f"  {'rule':22s} {'jobs':>5s} {'median s':>9s} {'sum s':>8s}")
    for rule, seconds in sorted(per_rule.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {rule:22s} {len(seconds):5d} {statistics.median(seconds):9.2f} {sum(seconds):8.1f}")
    print(f"  start-up summed over the steps: {total:.0f} s = {total / wall:.0%} of the wall time (steps overlap)")


if __name__ == "__main__":
    main()
