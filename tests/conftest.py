import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

torch.set_num_threads(2)  # tests run on CPU with explicit threads
REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(os.environ.get("CXR_FIXTURE", REPO.parent / "shared/data/chestmnist/chestmnist64_train_first10.npz"))


@pytest.fixture
def chest_fixture() -> Path:
    if not FIXTURE.is_file():
        pytest.skip(f"genuine ChestMNIST fixture not found at {FIXTURE} (set CXR_FIXTURE)")
    return FIXTURE


def write_medmnist(path, n=(40, 12, 12), size=28, width=14, seed=0, rgb=False):
    """A small valid MedMNIST-format file with random multi-hot labels."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, k in zip(("train", "val", "test"), n):
        shape = (k, size, size, 3) if rgb else (k, size, size)
        arrays[f"{split}_images"] = rng.integers(0, 256, shape, dtype=np.uint8)
        arrays[f"{split}_labels"] = (rng.random((k, width)) < 0.08).astype(np.uint8)
    np.savez(path, **arrays)
    return arrays


def workflow_copy(tmp_path: Path) -> Path:
    """The workflow as a user's clone has it, in a scratch directory."""
    work = tmp_path / "wf"
    work.mkdir()
    shutil.copy(REPO / "Snakefile", work)
    shutil.copytree(REPO / "workflow", work / "workflow")
    shutil.copytree(REPO / "config", work / "config")
    return work


def snakemake(work: Path, *args: str, check=True) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("snakemake")
    proc = subprocess.run([str(exe), *args], cwd=work, capture_output=True, text=True, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def pruned_demo(root: Path, train: int, val: int, test: int, seed: int) -> Path:
    """Demo data of the given sizes, pruned into ``root/{train,val,test}.npz`` and ``classes.json``."""
    from cxrcontrast.data.demo import synthesize
    from cxrcontrast.io import save_npz
    from cxrcontrast.stages.data import prune

    save_npz(root / "raw.npz", **synthesize(train, val, test, seed=seed))
    outs = {s: str(root / f"{s}.npz") for s in ("train", "val", "test")}
    prune(str(root / "raw.npz"), "chestmnist", outs, str(root / "classes.json"))
    return root
