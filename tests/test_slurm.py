"""The workflow on a real single-node SLURM cluster (tests/cluster/start.sh; CI starts it).

Skipped unless CXR_SLURM=1; with it set, a cluster that is not up is a failure.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, workflow_copy

pytestmark = pytest.mark.skipif(
    os.environ.get("CXR_SLURM") != "1", reason="needs the test cluster: tests/cluster/start.sh, then CXR_SLURM=1"
)
GPU_RULES = {"pretrain", "classify"}


def sh(*cmd) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout


def test_jobs_run_as_slurm_jobs_and_gpu_rules_get_a_gpu(tmp_path):
    assert sh("sinfo", "-h", "-o", "%T").split()[0] in ("idle", "mixed"), "the test cluster is not up"
    before = max([int(x) for x in sh("squeue", "-h", "-t", "all", "-o", "%i").split()] or [0])
    work = workflow_copy(tmp_path)
    import shutil

    shutil.copytree(REPO / "profiles", work / "profiles")
    tiny = {
        "datasets": {"chest": {"source": "demo", "train": 600, "val": 150, "test": 150, "seed": 1}},
        "pretrain": {"normal": {"epochs": 1}},
        "classify": {"finetune": {"epochs": 1}},
    }
    (work / "tiny.yaml").write_text(yaml.safe_dump(tiny))
    target = "results/chest/classify/minivgg/normal/train/labels1/seed0/model.pt"
    exe = str(Path(sys.executable).with_name("snakemake"))
    proc = subprocess.run(
        [
            "timeout",
            "-k",
            "15",
            "600",
            exe,
            target,
            "--profile",
            "profiles/localslurm",
            "--configfile",
            "config/config.yaml",
            "config/demo.yaml",
            "tiny.yaml",
        ],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    jobs = {}
    for line in sh("squeue", "-h", "-t", "all", "-o", "%i|%T|%k").splitlines():
        job, state, comment = line.split("|", 2)
        if int(job) > before and comment.startswith("rule_"):
            jobs[re.match(r"rule_([a-z_]+?)(_wildcards|$)", comment).group(1)] = (int(job), state)
    assert set(jobs) == {"source", "prune", "pretrain", "classify"}
    assert all(state == "COMPLETED" for _, state in jobs.values()), jobs
    for rule, (job, _) in jobs.items():
        asks_gpu = "TresPerJob=gres:gpu:1" in sh("scontrol", "show", "job", str(job))
        assert asks_gpu == (rule in GPU_RULES), rule
    pre_log = (work / "results/chest/logs/pretrain/minivgg/normal/seed0.log").read_text()
    assert re.search(r"SLURM job \d+ on \S+, GPUs on node: 1", pre_log)
    assert "GPUs on node: 0" in (work / "results/chest/logs/data/prune.log").read_text()
    assert (work / target).exists()
