"""The benchmarks' data makers run against the package as it is (they are run by hand, not by the suite)."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_the_benchmarks_learnable_splits_prune_as_a_dataset_entry(tmp_path):
    """benchmarks/fullsize.make_learnable prunes its raw file as the npz source's config entry says (it passed
    the flag where run_prune takes the entry), at a small scale of the real sizes."""
    import json

    import fullsize

    root = fullsize.make_learnable(tmp_path / "learnable", scale=0.002)
    sizes = json.loads((root / "raw.sizes.json").read_text())
    for split, n in sizes.items():
        with np.load(root / f"{split}.npz", allow_pickle=False) as pruned:
            assert len(pruned["labels"]) == n  # no multi-label rows: pruning keeps every row
    assert json.loads((root / "classes.json").read_text())["flag"] == "chestmnist"
