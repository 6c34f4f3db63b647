"""A job's floats depend on the config and the machine, never on the scheduler: threads from the config,
numerics recorded with every result, and a finished result restored only under the same numerics."""

import pytest
import torch
import yaml
from conftest import snakemake, workflow_copy

from cxrcontrast.files import load_checkpoint
from cxrcontrast.models.checkpoints import PretrainCheckpoint
from cxrcontrast.runtime import numerics, set_threads
from cxrcontrast.training import job as job_module
from cxrcontrast.training.job import run_training_job

PARAMS = {"encoder": "minivgg", "architecture": {"xavier": True}, "image_size": 32, "z_head": "projection"}


def run(tmp_path, calls):
    def train(job):
        calls.append(job.device)
        kept = PretrainCheckpoint.of(PARAMS, 0, {"w": torch.ones(2)}, 1, head=None, n_classes=3, objective="normal")
        return kept, [{"epoch": 1, "loss": 0.5}]

    run_training_job(train, tmp_path / "encoder.pt", tmp_path / "history.csv", PARAMS, 0, {}, device="cpu")


def test_numerics_name_what_the_floats_depend_on():
    set_threads(1)
    n = numerics("cpu")
    assert n["threads"] == torch.get_num_threads() == 1
    assert n["device"] == "cpu" and n["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert n["torch"] == str(torch.__version__)


def test_a_result_of_other_numerics_is_not_restored(tmp_path, monkeypatch):
    calls = []
    run(tmp_path, calls)
    run(tmp_path, calls)  # same numerics: restored, not trained
    assert len(calls) == 1
    assert load_checkpoint(tmp_path / "encoder.pt")["numerics"] == numerics("cpu")
    other = {**numerics("cpu"), "threads": numerics("cpu")["threads"] + 1}
    monkeypatch.setattr(job_module, "numerics", lambda device: other)
    run(tmp_path, calls)  # another thread count: trained again, and recorded
    assert len(calls) == 2
    assert load_checkpoint(tmp_path / "encoder.pt")["numerics"] == other


@pytest.mark.slow
@pytest.mark.workflow
def test_the_same_numbers_whatever_threads_the_scheduler_allots(tmp_path):
    """Issue 25: a pretraining and a classification run with the scheduler allotting each job one thread,
    then two (--cores 2, --set-threads): metrics.json byte-identical, weights equal to the bit."""
    layer = {
        "datasets": {"chest": {"source": "demo", "train": 400, "val": 100, "test": 100, "seed": 4}},
        "pretrain": {"normal": {"epochs": 1}},
        "classify": {"baseline": {"epochs": 1}, "finetune": {"epochs": 2}},
        "experiments": [{"encoder": "minivgg", "pretrain": "normal", "trainset": "train"}],
        "official": {"finetune_pretrain": []},  # the demo's fine-tuned objectives are not pretrained here
    }
    target = "results/chest/metrics/minivgg/normal/train/labels1/seed0/metrics.json"
    allotments = {"one": ["--cores", "1"], "two": ["--cores", "2", "--set-threads", *(f"{r}=2" for r in RULES)]}
    runs = {}
    for name, cores in allotments.items():
        (tmp_path / name).mkdir()
        work = workflow_copy(tmp_path / name)
        (work / "tiny.yaml").write_text(yaml.safe_dump(layer))
        snakemake(work, target, *cores, "--configfile", "config/config.yaml", "config/demo.yaml", "tiny.yaml")
        runs[name] = work
    one, two = runs["one"] / "results/chest", runs["two"] / "results/chest"
    assert (one.parent.parent / target).read_bytes() == (two.parent.parent / target).read_bytes()
    for model in ("pretrain/minivgg/normal/seed0/encoder.pt", "classify/minivgg/normal/train/labels1/seed0/model.pt"):
        a, b = load_checkpoint(one / model)["state_dict"], load_checkpoint(two / model)["state_dict"]
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), model


RULES = ("pretrain", "classify", "evaluate", "augment_copies")
