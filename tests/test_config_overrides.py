"""``--config`` overrides, checked by the front door and honoured by the Snakefile alike (issue 32, item 5):
the datasets the check validated were not the ones the run planned."""

import re
import subprocess
import sys

import pytest
import yaml
from conftest import workflow_copy

pytestmark = pytest.mark.workflow
ONE_EXPERIMENT = {"experiments": [{"encoder": "minivgg", "pretrain": "none", "trainset": "train"}]}


def planned_datasets(text: str) -> set[str]:
    """The datasets whose data stage a dry run plans."""
    return set(re.findall(r"results/([^/\s]+)/data/pruned/", text))


def test_config_datasets_are_the_datasets_checked_and_planned(tmp_path):
    """config.yaml names chestmnist; ``--config datasets=...`` replaces the map in the check and in the run."""
    work = workflow_copy(tmp_path)
    (work / "one.yaml").write_text(yaml.safe_dump(ONE_EXPERIMENT))
    layers = ["--configfile", "config/config.yaml", "one.yaml"]
    override = ["--config", "datasets={xray: {source: demo}, ribs: {source: demo}}"]
    ran = subprocess.run(
        [sys.executable, "-m", "cxrcontrast", "run", "-n", *layers, *override],
        cwd=work,
        capture_output=True,
        text=True,
    )
    text = ran.stdout + ran.stderr
    assert ran.returncode == 0, text[-3000:]
    assert "config ok: 2 datasets" in ran.stderr, text[-3000:]  # what the check validated
    assert planned_datasets(text) == {"xray", "ribs"}, text[-3000:]  # is what the run plans
    assert not (work / "results").exists()
