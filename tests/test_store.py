"""`python -m cxrcontrast store`: the finished-result stores listed against the config's outputs, stale entries
removed only with --prune --yes."""

import errno
import os

import pytest
import torch
import yaml
from conftest import TINY, TINY_LAYERS, workflow_copy

from cxrcontrast import __version__
from cxrcontrast.__main__ import main
from cxrcontrast.runtime import code_digest
from cxrcontrast.training.finished import Entry, keep

MODELS = "results/chest/classify/minivgg/none/train"


def kept(work, folder: str, name: str, code: str | None = None, size: int = 1000, age: int = 0) -> Entry:
    """A finished result keyed ``name`` (made by ``code``, default this code) serving ``folder``/model.pt,
    served ``age`` seconds ago."""
    entry = Entry.of(work / folder, name)
    key = {"params": name, "version": __version__, "code": code or code_digest()}
    keep(entry, key, work / folder / "model.pt", {"kind": "classifier", "w": torch.zeros(size)}, [])
    os.utime(entry.model, (1e9, os.stat(entry.model).st_mtime - age))
    return entry


@pytest.fixture
def work(tmp_path, monkeypatch):
    work = workflow_copy(tmp_path)
    (work / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    monkeypatch.chdir(work)
    return work


def inodes(work) -> set[tuple[int, int]]:
    """Every file under ``work`` as the disk holds it (device, inode): a file of several names once."""
    return {(p.stat().st_dev, p.stat().st_ino) for p in work.rglob("*") if p.is_file()}


def test_store_lists_used_and_stale_entries_and_prunes_only_when_asked(work, capsys, monkeypatch):
    older = kept(work, f"{MODELS}/labels1/seed0", "older", age=3600)  # then replaced at the same output
    used = kept(work, f"{MODELS}/labels1/seed0", "used")
    elsewhere = kept(work, f"{MODELS}/labels0.5/seed0", "elsewhere", size=50_000)  # no job of the config
    other_code = kept(work, f"{MODELS}/labels0.1/seed0", "other", code="code of another version")
    with monkeypatch.context() as no_links:  # a filesystem that refuses links: the output is a copy
        no_links.setattr(os, "link", refuse_link)
        copied = kept(work, f"{MODELS}/labels1/seed9", "copied", code="code of another version", size=20_000)
    earlier = work / f"{MODELS}/labels0.1/seed0/.finished/earlier.pt"  # an earlier version's entry: no record
    earlier.write_bytes(b"x" * 300)
    (work / f"{MODELS}/labels0.5/seed0/model.pt").unlink()  # its only copy is now the store's

    assert main(["store", "--configfile", *TINY_LAYERS]) == 0
    listing = capsys.readouterr().out
    lines = {work / line.split()[2]: line for line in listing.splitlines() if "/.finished/" in line}
    assert f"used: {MODELS}/labels1/seed0/model.pt" in lines[used.model]
    assert f"stale: an older result for {MODELS}/labels1/seed0/model.pt" in lines[older.model]
    assert f"stale: no job of this config writes {MODELS}/labels0.5/seed0/model.pt" in lines[elsewhere.model]
    assert "stale: made by other code" in lines[other_code.model] and "stale: made by other code" in lines[copied.model]
    assert "stale: no record" in lines[earlier]
    assert "6 entries" in listing and "5 stale" in listing and "dry run, nothing removed" in listing
    # what removal frees: the stale entries no output links to; other_code's model.pt is one file with its
    # entry (frees only its record), copied's output is a copy (its entry frees its bytes)
    stale = [*older, *elsewhere, *other_code, *copied, earlier]
    frees = sum(p.stat().st_size for p in stale if p != other_code.model)
    assert f"({frees / 1e6:.1f} MB freed on removal" in listing

    assert main(["store", "--prune", "--configfile", *TINY_LAYERS]) == 0  # without --yes: a dry run
    assert "dry run, nothing removed" in capsys.readouterr().out
    assert all(p.exists() for p in (*used, *stale))

    before = {(p.stat().st_dev, p.stat().st_ino): p.stat().st_size for p in stale}
    assert main(["store", "--prune", "--yes", "--configfile", *TINY_LAYERS]) == 0
    assert f"removed 5 stale entries, {frees / 1e6:.1f} MB freed" in capsys.readouterr().out
    # the reference: the files of the removed entries that no name under the folder holds any more
    gone = set(before) - inodes(work)
    assert sum(before[i] for i in gone) == frees
    assert used.model.exists() and used.record.exists()
    assert not any(p.exists() for p in stale)
    model = work / f"{MODELS}/labels0.1/seed0/model.pt"  # the output linked to a removed entry stays
    assert model.is_file() and model.stat().st_nlink == 1
    assert (work / f"{MODELS}/labels1/seed0/model.pt").samefile(used.model)


def refuse_link(*args):
    raise OSError(errno.EXDEV, "Invalid cross-device link")


def test_store_checks_the_layers_before_snakemake_reads_them(work, capsys):
    (work / "typo.yaml").write_text("pretrain:\n  normal: {epochz: 3}\n")
    assert main(["store", "--configfile", "config/config.yaml", "typo.yaml"]) == 1
    assert "typo.yaml: pretrain.normal" in capsys.readouterr().err


def test_store_without_layers_reads_the_workflows_own_config(work, capsys):
    """No --configfile: the outputs of config/config.yaml's grid; an entry of the demo's dataset is stale."""
    stray = kept(work, f"{MODELS}/labels1/seed0", "demo")
    assert main(["store"]) == 0
    listing = capsys.readouterr().out
    assert f"stale: no job of this config writes {MODELS}/labels1/seed0/model.pt" in listing
    assert stray.model.exists()
