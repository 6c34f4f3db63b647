"""A job's identity: a resume file from other data or code is discarded, a finished result is kept and restored."""

import logging
from pathlib import Path

import pytest
import torch
from conftest import pruned_demo
from training_helpers import Killed, classify, classify_params, kill_after, pretrain, pretrain_params

from cxrcontrast.files import load_checkpoint
from cxrcontrast.training import resume


@pytest.fixture
def data(tmp_path):
    (tmp_path / "data").mkdir()
    return pruned_demo(tmp_path / "data", 700, 150, 40, 2)


def test_a_resume_file_from_other_data_is_discarded(data, tmp_path, monkeypatch, caplog):
    params = pretrain_params("normal", epochs=3)
    kill_after(monkeypatch, 30)  # in epoch 2: epoch 1's resume file is left
    with pytest.raises(Killed):
        pretrain(data, tmp_path / "run", params)
    assert load_checkpoint(tmp_path / "run/resume.pt")["epoch"] == 1
    monkeypatch.undo()
    pruned_demo(data, 700, 150, 40, 7)  # other images under the same paths
    again = load_checkpoint(pretrain(data, tmp_path / "run", params))
    assert "differs in the content of its input files (train, val); starting from epoch 1" in caplog.text
    assert "resuming" not in caplog.text
    clean = load_checkpoint(pretrain(data, tmp_path / "clean", params))
    for key, value in clean["state_dict"].items():
        assert torch.equal(value, again["state_dict"][key]), key


def test_a_resume_file_from_other_code_is_discarded(data, tmp_path, monkeypatch, caplog):
    kill_after(monkeypatch, 30)
    with pytest.raises(Killed):
        classify(data, tmp_path / "run")
    monkeypatch.undo()
    monkeypatch.setattr(resume, "code_digest", lambda: "another version of the code")
    classify(data, tmp_path / "run")
    assert "differs in the package version or code" in caplog.text


def test_a_finished_result_is_restored_without_training(data, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    first = classify(data, tmp_path / "run", params=classify_params(epochs=2))
    history = (tmp_path / "run/history.csv").read_text()
    for name in ("model.pt", "history.csv"):  # what Snakemake removes before it reruns the job
        (tmp_path / f"run/{name}").unlink()
    kill_after(monkeypatch, 0)  # any training step would raise
    again = classify(data, tmp_path / "run", params=classify_params(epochs=2))
    assert "an identical job finished before: restoring its result" in caplog.text
    assert (tmp_path / "run/history.csv").read_text() == history
    for key, value in first["state_dict"].items():
        assert torch.equal(value, again["state_dict"][key]), key
    with pytest.raises(Killed):  # another identity (another lr) is trained, not restored
        classify(data, tmp_path / "run", params=classify_params(epochs=2, lr=0.02))
    assert len(list((tmp_path / "run/.finished").glob("*.pt"))) == 1


def test_a_result_of_other_numerics_is_not_restored(data, tmp_path, monkeypatch, caplog):
    """Forced to rerun with other fast paths (bf16 on a GPU, here forced on the CPU), a job trains: the
    finished float32 result is not handed back. A resume file, though, goes on on any device."""
    from cxrcontrast.training.accel import Accel

    caplog.set_level(logging.INFO)
    classify(data, tmp_path / "run", params=classify_params(epochs=2))
    (tmp_path / "run/model.pt").unlink()
    monkeypatch.setattr(Accel, "for_device", classmethod(lambda cls, cfg, dev: Accel(bf16_autocast=True)))
    kill_after(monkeypatch, 0)
    with pytest.raises(Killed):
        classify(data, tmp_path / "run", params=classify_params(epochs=2))
    assert "restoring its result" not in caplog.text


def test_the_same_checkpoint_gives_the_same_bytes(tmp_path):
    """Downstream jobs key their identity on their inputs' bytes: a restored checkpoint must not differ."""
    from cxrcontrast.files import save_checkpoint

    payload = {"kind": "x", "w": torch.arange(10.0), "nested": {"a": [1, 2]}}
    save_checkpoint(tmp_path / "a.pt", **payload)
    save_checkpoint(tmp_path / "b.pt", **payload)
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()


def test_the_code_identity_covers_what_training_runs_and_not_the_figures(tmp_path, monkeypatch):
    """Editing training code changes every job's identity; editing a figure leaves finished training alone."""
    import shutil

    from cxrcontrast import runtime

    copy = tmp_path / "cxrcontrast"
    shutil.copytree(Path(runtime.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(runtime, "__file__", str(copy / "runtime.py"))
    digests = []
    for edit in (None, "figures/style.py", "stages/summary.py", "training/optim.py", "models/heads.py"):
        if edit:
            (copy / edit).write_text((copy / edit).read_text() + "\n# an edit\n")
        runtime.code_digest.cache_clear()
        digests.append(runtime.code_digest())
    runtime.code_digest.cache_clear()
    assert digests[0] == digests[1] == digests[2]  # figures and the report: no change
    assert len({digests[2], digests[3], digests[4]}) == 3  # training and model code: a change each


def test_the_store_outlives_the_output_and_an_in_place_write_does_not_reach_it(data, tmp_path, monkeypatch):
    """model.pt is a copy of the store's entry, not a hard link: a write into model.pt in place (a tool that
    does not replace files) leaves the store's copy as it was, and removing model.pt, as Snakemake does before a
    rerun, loses nothing: the identical job copies the entry back, no step trained."""
    from cxrcontrast.files import file_digest

    classify(data, tmp_path / "run", params=classify_params(epochs=1))
    run = tmp_path / "run"
    (kept,) = (run / ".finished").glob("*.pt")
    digest = file_digest(kept)
    assert file_digest(run / "model.pt") == digest and not (run / "model.pt").samefile(kept)
    with open(run / "model.pt", "r+b") as fh:
        fh.seek(100)
        fh.write(b"\0" * 64)
    assert file_digest(kept) == digest
    (run / "model.pt").unlink()
    kill_after(monkeypatch, 0)
    classify(data, run, params=classify_params(epochs=1))  # restored: copied back, no step trained
    assert file_digest(run / "model.pt") == digest


def test_a_store_entry_changed_in_place_is_not_restored(data, tmp_path, monkeypatch, caplog):
    """A store entry whose checkpoint was written into (its SHA-256 no longer the record's) is not handed
    back: the job trains again."""
    classify(data, tmp_path / "run", params=classify_params(epochs=1))
    (kept,) = (tmp_path / "run/.finished").glob("*.pt")
    with open(kept, "r+b") as fh:
        fh.seek(100)
        fh.write(b"\0" * 64)
    kill_after(monkeypatch, 0)
    with pytest.raises(Killed):
        classify(data, tmp_path / "run", params=classify_params(epochs=1))
    assert "it changed since it was kept (its SHA-256 differs); training again" in caplog.text


def test_the_history_keeps_its_columns_in_the_order_training_wrote_them(tmp_path):
    """The store keeps the history as JSON; served back (on finishing or restoring) its columns are in the order
    the loop wrote them, epoch first, not sorted (sorted, a resumed run's history.csv began with another column)."""
    from cxrcontrast.training.finished import Entry, keep, restore

    rows = [{"epoch": e, "loss": 1.0 / e, "val_loss": 2.0, "active_triplets": 0.5, "lr": 0.1} for e in (1, 2)]
    entry, key = Entry.of(tmp_path, "k"), {"b": 1, "a": {"d": 2, "c": 3}}
    ckpt = {"kind": "classifier", "weights": torch.zeros(2)}
    assert [list(r) for r in keep(entry, key, tmp_path / "model.pt", ckpt, rows)] == [list(r) for r in rows]
    assert [list(r) for r in restore(entry, key, tmp_path / "model.pt")] == [list(r) for r in rows]
