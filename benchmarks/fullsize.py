"""Synthetic pruned splits with the real ChestMNIST sizes (28x28), for benchmarks."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from cxrcontrast.files import save_npz

SIZES = {"train": 64007, "val": 9191, "test": 18187}
CACHE = Path(tempfile.gettempdir()) / "cxr-bench-data"  # made once, shared by the suites and later runs
# class shares of the pruned real data, roughly: Normal dominates, hernia is rare
SHARES = np.array([60.4, 5.0, 1.2, 4.4, 10.7, 2.4, 3.0, 0.4, 2.5, 1.5, 0.7, 1.0, 0.8, 1.3, 0.1])


def make(root: Path, seed: int = 0) -> Path:
    """Pruned splits under ``root``; reused where a finished set (classes.json is written last) is there."""
    root = Path(root)
    if (root / "classes.json").exists():
        return root
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for split, n in SIZES.items():
        labels = rng.choice(15, n, p=SHARES / SHARES.sum()).astype(np.int64)
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        save_npz(root / f"{split}.npz", images=images, labels=labels, index=np.arange(n))
    (root / "classes.json").write_text(json.dumps({"class_names": [f"class{i}" for i in range(15)]}))
    return root


def make_raw(path: Path, scale: float = 1.0, seed: int = 0) -> Path:
    """A MedMNIST-format file (the workflow's raw input) that prunes to the real sizes times ``scale``.

    Demo images (learnable classes), no multi-label rows, so pruning keeps every
    row; Normal's share is the real pruned one."""
    from cxrcontrast.data.synthetic import synthesize

    path = Path(path)
    sizes = {split: max(28, round(n * scale)) for split, n in SIZES.items()}
    marker = path.with_suffix(".sizes.json")
    if path.exists() and marker.exists() and json.loads(marker.read_text()) == sizes:
        return path
    arrays = synthesize(
        sizes["train"],
        sizes["val"],
        sizes["test"],
        seed=seed,
        normal_fraction=float(SHARES[0] / SHARES.sum()),
        multi_fraction=0.0,
    )
    save_npz(path, **arrays)
    marker.write_text(json.dumps(sizes))
    return path


def make_learnable(root: Path, scale: float = 1.0) -> Path:
    """Pruned splits of the real sizes (times ``scale``) with learnable (demo) images, for timings whose cost
    depends on what the features hold (a linear probe converges slower on structure than on noise)."""
    from cxrcontrast.stages.prune import run_prune

    root = Path(root)
    if (root / "classes.json").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    raw = make_raw(root / "raw.npz", scale)
    dataset = {"source": "npz", "npz": str(raw), "flag": "chestmnist", "size": 28}  # its config entry
    run_prune(str(raw), dataset, {s: str(root / f"{s}.npz") for s in SIZES}, str(root / "classes.json"))
    return root
