"""Faults survived: processes really killed with SIGKILL, then run again."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from conftest import pruned_demo, with_demo_small, workflow_copy
from training_helpers import classify_params

from cxrcontrast.files import load_checkpoint

pytestmark = pytest.mark.slow

TRAIN = """
import json, sys
from cxrcontrast.runtime import set_threads
from cxrcontrast.stages.classify import run_classify
set_threads(1)
a = json.loads(sys.argv[1])
run_classify(train=[a["root"] + "/train.npz"], val=a["root"] + "/val.npz", classes=a["root"] + "/classes.json",
             out_model=a["out"] + "/model.pt", out_history=a["out"] + "/history.csv", params=a["params"], seed=0,
             device="cpu")
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return pruned_demo(tmp_path_factory.mktemp("data"), 2000, 300, 60, 3)


def start_training(data, out):
    out.mkdir(parents=True, exist_ok=True)
    arg = json.dumps({"root": str(data), "out": str(out), "params": classify_params(epochs=6, lr=0.01)})
    return subprocess.Popen([sys.executable, "-c", TRAIN, arg], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def resume_epoch(out):
    try:
        return load_checkpoint(out / "resume.pt")["epoch"]
    except Exception:
        return 0


@pytest.fixture(scope="module")
def reference(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    assert start_training(data, out).wait(timeout=300) == 0
    return load_checkpoint(out / "model.pt")


@pytest.mark.parametrize("kill_after_epoch", [0, 1, 3])
def test_training_killed_mid_epoch_resumes_bitwise(data, reference, tmp_path, kill_after_epoch):
    out = tmp_path / "run"
    proc = start_training(data, out)
    deadline = time.time() + 120
    while resume_epoch(out) < kill_after_epoch and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)  # into the next epoch
    assert proc.poll() is None, "training finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "model.pt").exists()
    killed_at = resume_epoch(out)
    assert killed_at >= kill_after_epoch
    again = start_training(data, out)
    assert again.wait(timeout=300) == 0, again.stderr.read().decode()[-2000:]
    final = load_checkpoint(out / "model.pt")
    assert final["epoch"] == reference["epoch"]
    for key, value in reference["state_dict"].items():
        assert torch.equal(value, final["state_dict"][key]), key
    assert final["val"]["val_balanced_accuracy"] == reference["val"]["val_balanced_accuracy"]


WRITER = """
import sys, torch
from cxrcontrast.files import save_checkpoint, save_json
i = 0
while True:
    save_checkpoint(sys.argv[1], kind="resume", i=i, blob=torch.full((3_000_000,), float(i)))
    save_json(sys.argv[2], {"i": i, "pad": "x" * 200000})
    if i == 0:
        print("written", flush=True)  # the test kills only once the write cycle runs
    i += 1
"""


def test_kill_while_writing_never_leaves_a_trusted_partial_file(tmp_path):
    ckpt, js = tmp_path / "resume.pt", tmp_path / "m.json"
    for trial in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(ckpt), str(js)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "written\n"  # waits for the first write, however slow the start-up
        time.sleep(0.037 * trial)  # then different moments of the write cycle
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if ckpt.exists():  # whatever is at the real path is whole
            state = load_checkpoint(ckpt, kind="resume")
            assert state["blob"].shape == (3_000_000,) and torch.all(state["blob"] == state["i"])
        if js.exists():
            assert len(json.loads(js.read_text())["pad"]) == 200000
    assert ckpt.exists()


def digest(path: Path) -> tuple:
    return path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()


def test_snakemake_killed_mid_run_then_rerun(tmp_path):
    work = workflow_copy(tmp_path)
    tiny = {
        "datasets": with_demo_small({"chest": {"source": "demo", "train": 1500, "val": 200, "test": 100, "seed": 2}}),
        "pretrain": {"normal": {"epochs": 40}},
        "classify": {"finetune": {"epochs": 2}},
    }
    (work / "tiny.yaml").write_text(yaml.safe_dump(tiny))
    exe = str(Path(sys.executable).with_name("snakemake"))
    target = "results/chest/classify/minivgg/normal/train/labels1/seed0/model.pt"
    args = [exe, target, "--cores", "2", "--configfile", "config/config.yaml", "config/demo.yaml", "tiny.yaml"]
    proc = subprocess.Popen(
        args, cwd=work, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    resume = work / "results/chest/pretrain/minivgg/normal/seed0/resume.pt"
    deadline = time.time() + 300
    while resume_epoch(resume.parent) < 2 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None and resume.exists(), "the workflow did not reach pretraining epoch 2"
    os.killpg(proc.pid, signal.SIGKILL)  # snakemake and its running job, at once
    proc.wait()
    finished = {p: digest(p) for p in (work / "results/chest/data").rglob("*.npz")}
    assert len(finished) == 4  # raw (demo) and the three pruned splits
    subprocess.run([exe, "--unlock", *args[2:]], cwd=work, check=True, capture_output=True)
    rerun = subprocess.run([*args, "--rerun-incomplete"], cwd=work, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert (work / target).exists()
    assert {p: digest(p) for p in finished} == finished  # finished before the kill: not recomputed, not changed
    log = (work / "results/chest/logs/pretrain/minivgg/normal/seed0.log").read_text()
    assert "resuming from" in log  # the killed job went on from its last finished epoch
    history = (work / "results/chest/pretrain/minivgg/normal/seed0/history.csv").read_text().splitlines()
    assert len(history) == 41 and [int(r.split(",")[0]) for r in history[1:]] == list(range(1, 41))
