"""Issue 37, item 3: a long job can be watched. Every log line names its job, each epoch line gives the job's
time left, history.csv grows while the job trains, TensorBoard curves where asked for; the terminal gets the
epoch lines and warnings only."""

import csv
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import REPO, pruned_demo, run_config, snakemake, workflow_copy
from training_helpers import pretrain, pretrain_params

from cxrcontrast.errors import InputError
from cxrcontrast.runtime import job, job_name, tensorboard_folder
from cxrcontrast.training import progress

LOG = "results/chest/logs/pretrain/minivgg/normal/seed0.log"
NAME = "chest/pretrain/minivgg/normal/seed0"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return pruned_demo(tmp_path_factory.mktemp("data"), 300, 60, 30, 2)


def history_rows(path: Path) -> int:
    """Rows of a history file as a reader sees it now (0 before it exists); a cut row would fail to parse."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return 0
    rows = list(csv.DictReader(text.splitlines()))
    assert all(None not in r.values() and r["epoch"].isdigit() for r in rows), text  # whole rows only
    return len(rows)


def test_a_job_is_named_by_its_log_path():
    assert job_name(LOG) == NAME
    assert job_name("results/chest/logs/classify/minivgg/none/train/labels0.1/seed3.log") == (
        "chest/classify/minivgg/none/train/labels0.1/seed3"
    )
    assert job_name("results/logs/report/datasets.log") == "report/datasets"  # a job of all datasets
    assert job_name("/tmp/x/own.log") == "own"
    assert tensorboard_folder(LOG) == Path("results/chest/tensorboard/pretrain/minivgg/normal/seed0")


def test_every_line_of_a_job_names_it_and_each_epoch_gives_the_time_left(data, tmp_path, capfd):
    log_file = tmp_path / LOG
    with job(log_file, threads=1):
        pretrain(data, tmp_path / "pre", pretrain_params(epochs=3))
    lines = log_file.read_text().splitlines()
    assert lines and all(f" [{NAME}] " in line for line in lines), lines
    epochs = [line for line in lines if ": epoch " in line]
    assert [line.split(": epoch ")[1].split()[0] for line in epochs] == ["1/3", "2/3", "3/3"]
    assert all(", job left ~" in line for line in epochs), epochs
    assert epochs[-1].endswith("job left ~0s")  # nothing left after the last epoch
    # the terminal (Snakemake's output): the epoch lines, not the job's other lines
    terminal = capfd.readouterr().err.splitlines()
    assert terminal == [line for line in epochs], terminal
    logging.getLogger().handlers.clear()


def test_the_time_left_is_the_pace_so_far_times_what_is_left():
    assert progress.time_left(60.0, 2, 10) == 240.0
    assert progress.time_left(5.0, 0, 10) is None
    shown = [progress.duration_text(s) for s in (0.4, 12, 250, 3 * 3600 + 5 * 60 + 20)]
    assert shown == ["0s", "12s", "4m10s", "3h05m"]


WATCHED_JOB = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from training_helpers import pretrain, pretrain_params
from cxrcontrast.runtime import job
out = Path({out!r})
with job(out / {log!r}, threads=1):
    pretrain(Path({data!r}), out / "pre", pretrain_params(epochs={epochs}))
"""


def test_history_grows_while_the_job_trains(data, tmp_path):
    """A real training job in its own process; its history.csv is watched: rows appear while it runs (read,
    then the job seen still running), one more per epoch, never a cut row."""
    epochs = 12
    script = WATCHED_JOB.format(tests=str(REPO / "tests"), out=str(tmp_path), log=LOG, data=str(data), epochs=epochs)
    history = tmp_path / "pre/history.csv"
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    seen_running, deadline = set(), time.monotonic() + 600
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            rows = history_rows(history)
            if proc.poll() is None:  # the file held `rows` rows while the job was still running
                seen_running.add(rows)
            time.sleep(0.005)
        assert proc.wait(timeout=max(1.0, deadline - time.monotonic())) == 0, proc.stderr.read()[-3000:]
    finally:
        proc.kill()
        proc.wait()
    grown = sorted(seen_running - {0})
    assert len(grown) >= 2, sorted(seen_running)  # rows there, then more rows, while the job ran
    assert history_rows(history) == epochs


def test_tensorboard_curves_where_asked_for(data, tmp_path):
    pytest.importorskip("tensorboard")
    folder = tmp_path / "tensorboard/pretrain/minivgg/normal/seed0"
    params = pretrain_params(epochs=2)
    _pretrain_with_tensorboard(data, tmp_path / "pre", params, folder)
    events = list(folder.glob(progress.TENSORBOARD_EVENTS))
    assert len(events) == 1
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    curves = EventAccumulator(str(folder)).Reload()
    assert {"loss", "val_loss", "images_per_s"} <= set(curves.Tags()["scalars"])
    assert [e.step for e in curves.Scalars("loss")] == [1, 2]
    with open(tmp_path / "pre/history.csv") as fh:
        losses = [float(r["loss"]) for r in csv.DictReader(fh)]
    assert [e.value for e in curves.Scalars("loss")] == pytest.approx(losses, rel=1e-6)
    # a second run from epoch 1 replaces the curves: one line, not two drawn over each other
    (tmp_path / "pre/.finished").rename(tmp_path / "aside")
    _pretrain_with_tensorboard(data, tmp_path / "pre", params, folder)
    assert len(list(folder.glob(progress.TENSORBOARD_EVENTS))) == 1


def test_tensorboard_without_the_package_names_key_and_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # as where it is not installed
    with pytest.raises(InputError, match=r"logging.tensorboard: true needs the tensorboard package.*\[tensorboard\]"):
        progress.summary_writer("anywhere")


def test_logging_is_off_by_default_and_no_part_of_any_slice():
    off, on = run_config(), run_config(logging={"tensorboard": True})
    assert off.execution.tensorboard is False and on.execution.tensorboard is True
    for name, run in off.datasets.items():
        other = on.datasets[name]
        assert run.experiment_identities() == other.experiment_identities()
        for encoder, objective in run.pretrainings:
            assert run.pretrain_params(encoder, objective) == other.pretrain_params(encoder, objective)
        for e in run.experiments:
            assert run.classify_params(e) == other.classify_params(e)


def _pretrain_with_tensorboard(data, out, params, folder):
    from cxrcontrast.stages.pretrain import run_pretrain

    out.mkdir(parents=True, exist_ok=True)
    run_pretrain(
        str(data / "train.npz"),
        str(data / "val.npz"),
        str(data / "classes.json"),
        str(out / "encoder.pt"),
        str(out / "history.csv"),
        params=params,
        seed=0,
        device="cpu",
        tensorboard=str(folder),
    )


@pytest.mark.workflow
@pytest.mark.slow
def test_the_workflow_writes_curves_and_logging_makes_nothing_stale(tmp_path):
    """Through Snakemake: with logging.tensorboard on, each training job writes its curves under
    results/{dataset}/tensorboard/{rule}/...; turning it off (or on again) schedules no job."""
    pytest.importorskip("tensorboard")
    work = workflow_copy(tmp_path)
    layer = {
        "datasets": {"chest": {"source": "demo", "train": 300, "val": 60, "test": 60, "seed": 4}},
        "pretrain": {"normal": {"epochs": 1}},
        "classify": {"finetune": {"epochs": 2}},
        "experiments": [{"encoder": "minivgg", "pretrain": "normal", "trainset": "train"}],
        "official": {"finetune_pretrain": []},  # the demo's fine-tuned objectives are not pretrained here
        "evaluate": {"corruptions": []},
        "logging": {"tensorboard": True},
    }
    (work / "tiny.yaml").write_text(yaml.safe_dump(layer))
    (work / "off.yaml").write_text(yaml.safe_dump({"logging": {"tensorboard": False}}))
    layers = ["config/config.yaml", "config/demo.yaml", "tiny.yaml"]
    target = "results/chest/metrics/minivgg/normal/train/labels1/seed0/metrics.json"
    snakemake(work, target, "--cores", "1", "--configfile", *layers)
    res = work / "results/chest"
    for ran in ("pretrain/minivgg/normal/seed0", "classify/minivgg/normal/train/labels1/seed0"):
        assert len(list((res / "tensorboard" / ran).glob(progress.TENSORBOARD_EVENTS))) == 1, ran
        lines = (res / f"logs/{ran}.log").read_text().splitlines()
        assert all(f" [chest/{ran}] " in line for line in lines), lines[:3]
    for extra in ([], ["off.yaml"]):
        out = snakemake(work, target, "-n", "--configfile", *layers, *extra).stdout
        assert "Nothing to be done" in out, (extra, out[-2000:])
