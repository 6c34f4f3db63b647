"""A job's start-up: measured in its first log line, and no heavier than the step needs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from conftest import modules_loaded_by

from cxrcontrast.runtime import job, process_age

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_startup  # noqa: E402

LINUX_PROC = Path("/proc/self/stat").exists()


@pytest.mark.skipif(not LINUX_PROC, reason="the process age is read from /proc")
def test_the_process_age_lies_between_the_spawn_and_the_childs_clock():
    code = "import time; from cxrcontrast.runtime import process_age; age = process_age(); print(time.time() - age)"
    before = time.time()
    started = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    after = time.time()
    tick = 2 / 100  # /proc counts in clock ticks (100 per second on Linux), and uptime in hundredths
    assert before - tick <= started <= after + tick


@pytest.mark.skipif(not LINUX_PROC, reason="the process age is read from /proc")
def test_a_steps_first_log_line_is_its_start_up(tmp_path):
    log = tmp_path / "logs" / "evaluate" / "x.log"
    with job(log):
        pass
    first = log.read_text().splitlines()[0]
    assert bench_startup.STARTUP_LINE.match(first), first
    assert 0 <= float(bench_startup.STARTUP_LINE.match(first).group(2)) <= process_age() + 0.01


def test_the_report_steps_never_import_torch():
    """summary and runtime_table read CSV and JSON: loading torch would add about a second to each."""
    assert (
        modules_loaded_by(
            "cxrcontrast.stages.summary, cxrcontrast.stages.runtime_table, cxrcontrast.runtime", ("torch",)
        )
        == []
    )


def test_the_start_up_lines_are_summed_per_rule(tmp_path):
    lines = {
        "results/d/logs/evaluate/a.log": ("2026-12-04 05:00:10,000", 1.5),
        "results/d/logs/evaluate/b.log": ("2026-12-04 05:00:20,000", 2.5),
        "results/d/logs/data/source_demo.log": ("2026-12-04 05:00:01,000", 0.25),
        "results/d/logs/data/augment_copies/seed1.log": ("2026-12-04 05:00:05,000", 1.0),
        "results/logs/report/runtime_table.log": ("2026-12-04 05:00:30,000", 0.5),
    }
    for name, (stamp, seconds) in lines.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{stamp} INFO cxrcontrast: start-up: {seconds:.2f} s from process start to this line\nwork\n")
        written = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp() + 5  # its last line, 5 s later
        os.utime(path, (written, written))
    (tmp_path / "results/d/logs/data/prune.log").write_text("an old log without the line\n")
    per_rule, wall = bench_startup.logs(tmp_path / "results")
    assert per_rule == {"evaluate": [1.5, 2.5], "source": [0.25], "augment_copies": [1.0], "runtime_table": [0.5]}
    assert wall == pytest.approx(35 - 0.75)  # from the first process start (0:01 - 0.25 s) to the last write (0:35)
