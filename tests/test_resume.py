"""A job's identity: a resume file from other data or code is discarded, a finished result is kept and restored."""

import errno
import logging
import os
import stat
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


def disk_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder`` as the disk holds them: a file of several names counted once."""
    files = {(p.stat().st_dev, p.stat().st_ino): p.stat().st_size for p in folder.rglob("*") if p.is_file()}
    return sum(files.values())


def test_the_model_is_stored_once_read_only_and_the_store_outlives_the_output(data, tmp_path, monkeypatch):
    """model.pt and the store's entry are one file on disk (a hard link), read-only; replacing model.pt (a new
    file at its name) or removing it, as Snakemake does before a rerun, leaves the entry as it was, and the
    identical job links it back: no step trained."""
    from cxrcontrast.files import file_digest, save_checkpoint

    run = tmp_path / "run"
    classify(data, run, params=classify_params(epochs=1))
    (kept,) = (run / ".finished").glob("*.pt")
    assert (run / "model.pt").samefile(kept) and kept.stat().st_nlink == 2
    assert stat.S_IMODE(kept.stat().st_mode) == 0o444
    assert disk_bytes(run) < 1.5 * kept.stat().st_size  # one copy (served as a copy: twice it)
    digest = file_digest(kept)
    save_checkpoint(run / "model.pt", kind="classifier", other=torch.zeros(3))  # our writers replace the name
    assert file_digest(kept) == digest and not (run / "model.pt").samefile(kept)
    (run / "model.pt").unlink()
    kill_after(monkeypatch, 0)
    classify(data, run, params=classify_params(epochs=1))  # restored: linked back, no step trained
    assert (run / "model.pt").samefile(kept) and file_digest(kept) == digest


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only file")
def test_a_user_cannot_write_into_the_store_through_the_output(data, tmp_path):
    classify(data, tmp_path / "run", params=classify_params(epochs=1))
    with pytest.raises(PermissionError):
        open(tmp_path / "run/model.pt", "r+b")


def test_where_no_link_can_be_made_the_output_is_a_copy(data, tmp_path, monkeypatch, caplog):
    """A filesystem that refuses links (EXDEV across devices, EPERM, EMLINK): the output is a copy of the same
    bytes, said in one log line, and no temporary name is left."""

    def refuse_link(*args):
        raise OSError(errno.EMLINK, "Too many links")

    caplog.set_level(logging.INFO)
    monkeypatch.setattr(os, "link", refuse_link)
    classify(data, tmp_path / "run", params=classify_params(epochs=1))
    (kept,) = (tmp_path / "run/.finished").glob("*.pt")
    model = tmp_path / "run/model.pt"
    assert model.read_bytes() == kept.read_bytes() and not model.samefile(kept)
    assert f"{model} is a copy of {kept}, not a hard link ([Errno {errno.EMLINK}] Too many links)" in caplog.text
    assert not [p for p in (tmp_path / "run").iterdir() if p.name.startswith(".model.pt")]


def test_linking_twice_leaves_no_temporary_name(tmp_path):
    """POSIX rename does nothing when both names are already one file: the temporary link must still go."""
    from cxrcontrast.files import link_or_copy

    (tmp_path / "store.pt").write_bytes(b"checkpoint bytes")
    for _ in range(2):
        assert link_or_copy(tmp_path / "store.pt", tmp_path / "model.pt") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt", "store.pt"]
    assert (tmp_path / "model.pt").samefile(tmp_path / "store.pt")


def test_a_store_entry_changed_in_place_is_not_restored(data, tmp_path, monkeypatch, caplog):
    """A store entry written into in place through the output's link (its SHA-256 no longer the record's) is
    not handed back: the job trains again."""
    classify(data, tmp_path / "run", params=classify_params(epochs=1))
    (kept,) = (tmp_path / "run/.finished").glob("*.pt")
    kept.chmod(0o644)  # a writer that overrides the read-only mode (as root does)
    with open(tmp_path / "run/model.pt", "r+b") as fh:  # through the link
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
