"""A job's floats depend on the config and the machine, never on the scheduler: threads from the config,
numerics recorded with every result, and a finished result restored only under the same numerics."""

import torch

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
