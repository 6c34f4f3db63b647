import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

torch.set_num_threads(2)  # tests run on CPU with explicit threads
REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
# Ten genuine ChestMNIST training images (64px) with their labels; provenance beside it.
GENUINE = REPO / "tests/data/chestmnist64_train_first10.npz"


def run_config(*layers: str, **overrides):
    """The workflow's resolved config (``RunConfig``) from config/ layers (default: the paper's, then the
    demo's) and nested overrides, exactly as the workflow resolves it. Overriding ``experiments`` empties the
    demo's ``official.finetune_pretrain`` unless the overrides give it: its objectives may be pretrained by none
    of the experiments given, which the config refuses."""
    from cxrcontrast.config import load_layers

    if "experiments" in overrides:
        overrides = {**overrides, "official": {"finetune_pretrain": [], **overrides.get("official", {})}}

    paths = [REPO / "config" / name for name in (layers or ("config.yaml", "demo.yaml"))]
    return load_layers(paths, SCHEMA, overrides)


def config(*layers: str, **overrides):
    """The grid and slices (``DatasetRun``) of the first dataset of ``run_config(*layers, **overrides)``."""
    return next(iter(run_config(*layers, **overrides).datasets.values()))


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


# a demo dataset's config entry as the schema completes it (ChestMNIST-format: all 14 findings)
DEMO_ENTRY = {"source": "demo", "findings": 14, "size": 28, "image_size": 32}


def with_demo_small(datasets: dict) -> dict:
    """``datasets`` and the demo's ``small``: a layer over config/demo.yaml that keeps its experiments keeps the
    dataset its ResNet-18 rows name (an experiment on a dataset not in the config is refused). Targets under
    ``results/chest`` run nothing of ``small``."""
    import yaml

    demo = yaml.safe_load((REPO / "config/demo.yaml").read_text())["datasets"]
    return {**datasets, "small": demo["small"]}


def modules_loaded_by(modules: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules starting with one of ``prefixes`` that importing ``modules`` (comma-separated) loads in a
    fresh interpreter."""
    loaded = f"sorted(m for m in sys.modules if m.startswith({prefixes!r}))"
    code = f"import sys; import {modules}; print('\\n'.join({loaded}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.split()


def npz_entry(flag: str = "chestmnist", size: int | None = 28) -> dict:
    """The config entry of a local MedMNIST-format file of ``flag`` (size None: any size)."""
    entry = {"source": "npz", "npz": "raw.npz", "flag": flag, "image_size": 32}
    return entry if size is None else {**entry, "size": size}


def pruned_demo(root: Path, train: int, val: int, test: int, seed: int) -> Path:
    """Demo data of the given sizes, pruned into ``root/{train,val,test}.npz`` and ``classes.json``."""
    from cxrcontrast.data.synthetic import synthesize
    from cxrcontrast.files import save_npz
    from cxrcontrast.stages.prune import run_prune

    save_npz(root / "raw.npz", **synthesize(train, val, test, seed=seed))
    outs = {s: str(root / f"{s}.npz") for s in ("train", "val", "test")}
    run_prune(str(root / "raw.npz"), DEMO_ENTRY, outputs=outs, classes_json=str(root / "classes.json"))
    return root


@pytest.fixture
def genuine_chestmnist() -> Path:
    return GENUINE


# The tiny grid of the end-to-end tests: every rule and axis (two encoders, label budgets, the augmented
# training set, SimCLR, probes, the official task) in about two minutes on 2 cores.
TINY = {
    "datasets": {"chest": {"source": "demo", "train": 600, "val": 150, "test": 150, "seed": 1}},
    "pretrain": {s: {"epochs": 2} for s in ("normal", "augmented", "simclr")},
    "classify": {"baseline": {"epochs": 2}, "finetune": {"epochs": 2}},
    "experiments": [
        {"encoder": "minivgg", "pretrain": "none", "trainset": "train", "labels": [1.0, 0.1]},
        {"encoder": "minivgg", "pretrain": "normal", "trainset": "train", "labels": [1.0, 0.1]},
        {"encoder": "minivgg", "pretrain": "augmented", "trainset": "train_aug"},
        {"encoder": "minivgg", "pretrain": "simclr", "trainset": "train"},
        {"encoder": "efficientnet_b0", "pretrain": "none", "trainset": "train"},
    ],
    "embeddings": {"points": 150},
    "probes": {"linear_c": [1.0]},
    # the demo's fine-tuned objectives: supcon and the multi-label ones are not pretrained here (refused)
    "official": {"frozen": {"epochs": 2}, "end_to_end": {"epochs": 1}, "finetune_pretrain": []},
}
TINY_LAYERS = ["config/config.yaml", "config/demo.yaml", "tiny.yaml"]


@pytest.fixture(scope="session")
def finished_grid(tmp_path_factory) -> Path:
    """A finished run of the tiny grid (two one-thread model jobs at a time, as `make demo` runs on a CPU),
    shared by the end-to-end tests; tests that change it put it back."""
    import yaml

    work = workflow_copy(tmp_path_factory.mktemp("grid"))
    (work / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    snakemake(work, "--cores", "2", "--resources", "gpu=2", "--max-threads", "1", "--configfile", *TINY_LAYERS)
    return work
