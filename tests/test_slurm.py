"""The workflow on a real single-node SLURM cluster (tests/cluster/start.sh; CI starts it).

Skipped unless CXR_SLURM=1; with it set, a cluster that is not up is a failure.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, with_demo_small, workflow_copy

pytestmark = pytest.mark.skipif(
    os.environ.get("CXR_SLURM") != "1", reason="needs the test cluster: tests/cluster/start.sh, then CXR_SLURM=1"
)
GPU_RULES = {"pretrain", "classify"}


def sh(*cmd) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout


def job_number(job: str) -> int:
    """The SLURM job number of a job id, or of an array task's id (``<array job>_<task>``)."""
    return int(job.split("_")[0])


def new_jobs(before: int) -> dict[str, list[tuple[str, str]]]:
    """Rule (or group) name -> its SLURM jobs (id, state) submitted after job ``before``, in submission order."""
    jobs: dict[str, list] = {}
    for line in sh("squeue", "-h", "-t", "all", "-o", "%i|%T|%k").splitlines():
        job, state, comment = line.split("|", 2)
        if job_number(job) > before and comment.startswith("rule_"):
            name = re.match(r"rule_(.+?)(_wildcards_|$)", comment).group(1)
            jobs.setdefault(name, []).append((job, state))
    return {name: sorted(v, key=lambda js: (job_number(js[0]), js[0])) for name, v in jobs.items()}


def last_job() -> int:
    return max([job_number(x) for x in sh("squeue", "-h", "-t", "all", "-o", "%i").split()] or [0])


TINY_CHEST = with_demo_small({"chest": {"source": "demo", "train": 600, "val": 150, "test": 150, "seed": 1}})


def run_through_profile(tmp_path: Path, layer: dict, targets: list[str]) -> Path:
    """A copy of the workflow with its profiles runs ``targets`` through profiles/localslurm, the demo's
    config and ``layer`` on top; returns the copy's directory."""
    work = workflow_copy(tmp_path)
    shutil.copytree(REPO / "profiles", work / "profiles")
    (work / "tiny.yaml").write_text(yaml.safe_dump(layer))
    exe = str(Path(sys.executable).with_name("snakemake"))
    proc = subprocess.run(
        ["timeout", "-k", "15", "900", exe, *targets, "--profile", "profiles/localslurm"]
        + ["--configfile", "config/config.yaml", "config/demo.yaml", "tiny.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work


def test_jobs_run_as_slurm_jobs_grouped_and_gpu_rules_get_a_gpu(tmp_path):
    """Through profiles/localslurm: every rule a SLURM job, except the evaluations of one encoder state
    (evaluate, embed, probe), which share one; the partition from the profile's partition map; a GPU asked
    for exactly by the GPU rules and by the group."""
    assert sh("sinfo", "-h", "-o", "%T").split()[0] in ("idle", "mixed"), "the test cluster is not up"
    before = last_job()
    tiny = {
        "datasets": TINY_CHEST,
        "pretrain": {"normal": {"epochs": 1}},
        "classify": {"finetune": {"epochs": 1}},
        "evaluate": {"corruptions": ["pixelate"], "severities": [1]},
        "embeddings": {"points": 100},
    }
    res = "results/chest"
    targets = [
        f"{res}/metrics/minivgg/normal/train/labels1/seed0/metrics.json",
        f"{res}/embeddings/minivgg/normal/seed0/quality.json",
        f"{res}/probes/minivgg/normal/seed0/probes.json",
    ]
    work = run_through_profile(tmp_path, tiny, targets)
    jobs = new_jobs(before)
    [group] = [name for name in jobs if name.startswith("evaluation_chest_minivgg_normal_0")]  # + its rules
    # unpruned: the probes also score the official multi-label task (every image, every finding)
    assert set(jobs) == {"source", "prune", "unpruned", "corrupt", "pretrain", "classify", group}, jobs
    assert all(len(v) == 1 and v[0][1] == "COMPLETED" for v in jobs.values()), jobs
    for name, [(job, _)] in jobs.items():
        shown = sh("scontrol", "show", "job", str(job))
        assert ("TresPerJob=gres:gpu:1" in shown) == (name in GPU_RULES | {group}), name
        assert "Partition=debug" in shown  # from the partition map: no rule names a partition
    logs = {
        "evaluate": f"{res}/logs/evaluate/minivgg/normal/train/labels1/seed0.log",
        "embed": f"{res}/logs/embed/minivgg/normal/seed0.log",
        "probe": f"{res}/logs/probe/minivgg/normal/seed0.log",
    }
    ran_in = {rule: re.search(r"SLURM job (\d+) on", (work / log).read_text()).group(1) for rule, log in logs.items()}
    assert set(ran_in.values()) == {str(jobs[group][0][0])}, ran_in  # one SLURM job served the three
    pre_log = (work / f"{res}/logs/pretrain/minivgg/normal/seed0.log").read_text()
    assert re.search(r"SLURM job \d+ on \S+, GPUs on node: 1", pre_log)
    assert "GPUs on node: not set," in (work / f"{res}/logs/data/prune.log").read_text()  # SLURM sets none


def test_the_trainings_ready_at_once_go_as_one_slurm_array(tmp_path):
    """``slurm-array-jobs`` in the profile: three pretrainings (three objectives) ready together are one SLURM
    array of three tasks, each asking for a GPU; the data rules, one job each, are plain jobs."""
    before = last_job()
    # Objectives that read the pruned set only, so prune's end readies all three at once (simclr reads the
    # unpruned set, another job's, and may be ready a round later: then it goes alone).
    objectives = ("normal", "hard", "supcon")
    tiny = {"datasets": TINY_CHEST, "pretrain": {name: {"epochs": 1} for name in objectives}}
    targets = [f"results/chest/pretrain/minivgg/{name}/seed0/encoder.pt" for name in objectives]
    work = run_through_profile(tmp_path, tiny, targets)
    jobs = new_jobs(before)
    tasks = jobs.pop("pretrain")
    assert len(tasks) == 3 and all("_" in job and state == "COMPLETED" for job, state in tasks), tasks
    assert len({job_number(job) for job, _ in tasks}) == 1, tasks  # one array
    for job, _ in tasks:
        assert "TresPerJob=gres:gpu:1" in sh("scontrol", "show", "job", job)
    assert all(len(v) == 1 and "_" not in v[0][0] for v in jobs.values()), jobs
    assert all((work / target).exists() for target in targets)


def test_a_job_killed_for_its_time_is_resubmitted_with_more(tmp_path):
    """Retries that learn: a job needing 100 s, asked for ``minutes(1)`` (cxrcontrast.resources, as every
    rule), is killed by SLURM at its time limit and resubmitted with two minutes, which it finishes in."""
    before = last_job()
    (tmp_path / "Snakefile").write_text(
        "from cxrcontrast.resources import mem_mb, minutes\n\n"
        "rule slow:\n"
        "    output: 'done.txt'\n"
        "    resources: runtime=minutes(1), mem_mb=mem_mb(100, 0)\n"
        "    shell: 'sleep 100; echo $SLURM_JOB_ID > {output}'\n"
    )
    exe = str(Path(sys.executable).with_name("snakemake"))
    proc = subprocess.run(
        ["timeout", "-k", "15", "900", exe, "--executor", "slurm", "--jobs", "1", "--retries", "1"]
        + ["--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2"]
        + ["--default-resources", "slurm_partition=debug", "--latency-wait", "5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    attempts = new_jobs(before)["slow"]
    assert [state for _, state in attempts] == ["TIMEOUT", "COMPLETED"], attempts
    limits = [re.search(r"TimeLimit=(\S+)", sh("scontrol", "show", "job", str(j))).group(1) for j, _ in attempts]
    assert limits == ["00:01:00", "00:02:00"]
    memory = [re.search(r"MinMemoryNode=(\d+)M", sh("scontrol", "show", "job", str(j))).group(1) for j, _ in attempts]
    assert memory == ["100", "200"]
    assert (tmp_path / "done.txt").read_text().strip() == str(attempts[1][0])
