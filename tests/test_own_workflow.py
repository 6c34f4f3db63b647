"""The README's own-X-rays command end to end: `python -m cxrcontrast own FOLDER --configfile small.yaml` on a
folder of PNGs larger than the preset's 64 px, from the plan to the summary, with one warning about the size."""

import subprocess
import sys

import numpy as np
import pytest
import yaml
from conftest import workflow_copy
from PIL import Image

pytestmark = [pytest.mark.slow, pytest.mark.workflow]
CLASSES = ("normal", "opacity", "effusion")
SIDE = 80  # larger than the preset's 64 px: the source job says so once
# the preset's grid cut to two experiments, one seed, one epoch, one corruption: the path, not the numbers
SMALL = {
    "seeds": [0],
    "experiments": [
        {"encoder": "minivgg", "pretrain": "none", "trainset": "train", "labels": [1.0]},
        {"encoder": "minivgg", "pretrain": "supcon", "trainset": "train", "labels": [1.0]},
    ],
    "pretrain": {"supcon": {"epochs": 1}},
    "classify": {"baseline": {"epochs": 1}, "finetune": {"epochs": 1}},
    "evaluate": {"corruptions": ["pixelate"], "severities": [1]},
    "embeddings": {"points": 50},
    "probes": {"linear_c": [1.0]},
}


def write_xrays(root, per_class=12):
    """A folder in the README's layout: a class-dependent pattern under noise, grey PNGs of SIDE px."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    patterns = [0.3 + 0 * xx, 0.3 + 0.5 * np.exp(-((xx - 0.3) ** 2 + (yy - 0.5) ** 2) / 0.02), 0.3 + 0.4 * (yy > 0.7)]
    for split in ("train", "val", "test"):
        for name, base in zip(CLASSES, patterns):
            (root / split / name).mkdir(parents=True)
            for i in range(per_class):
                pixels = np.clip(base + rng.normal(0, 0.12, base.shape), 0, 1)
                Image.fromarray((pixels * 255).astype(np.uint8)).save(root / split / name / f"{i}.png")


def test_own_folder_runs_from_its_plan_to_its_summary(tmp_path):
    work = workflow_copy(tmp_path)
    write_xrays(tmp_path / "xrays")
    (work / "small.yaml").write_text(yaml.safe_dump(SMALL))
    command = [sys.executable, "-m", "cxrcontrast", "own", str(tmp_path / "xrays"), "--configfile", "small.yaml"]
    proc = subprocess.run(
        [*command, "--cores", "1", "--resources", "gpu=1", "--max-threads", "1"],
        cwd=work, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    said = proc.stderr
    assert said.index("plan (the whole grid") < said.index("rule source")  # the plan before any job
    summary = (work / "results/summary/summary.md").read_text()
    assert "# Dataset own (folder, 64 px)" in summary
    assert "3 classes (effusion, normal, opacity)" in (work / "results/own/summary/summary.md").read_text()
    for pretrain in ("none", "supcon"):
        assert (work / f"results/own/metrics/minivgg/{pretrain}/train/labels1/seed0/metrics.json").is_file()
    log = (work / "results/own/logs/data/source_folder.log").read_text()
    warnings = [line for line in log.splitlines() if "larger than size" in line]
    assert len(warnings) == 1 and "108 of 108 images" in warnings[0] and "--size 128" in warnings[0]
