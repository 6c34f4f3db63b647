"""Bad configs are refused before anything runs, with the key named."""
import pytest
import yaml

from conftest import snakemake, workflow_copy

pytestmark = pytest.mark.workflow

CASES = [
    ({"experiments": [{"encoder": "resnet50", "pretrain": "none", "trainset": "train"}]}, "'resnet50' is not one of"),
    ({"experiments": [{"encoder": "minivgg", "pretrain": "easy", "trainset": "train"}]}, "'easy' is not one of"),
    ({"pretrain": {"easy": {"epochs": 1}}}, "'easy' was unexpected"),
    ({"classify": {"baseline": {"epochs": 0}}}, "0 is less than the minimum of 1"),
    ({"pretrain": {"normal": {"batch_size": 0}}}, "0 is less than the minimum of 2"),
    ({"pretrain": {"normal": {"lr": float("nan")}}}, "config.pretrain.normal.lr: nan is not a finite number"),
    ({"classify": {"finetune": {"lr": float("inf")}}}, "inf is greater than the maximum of 100"),
    ({"data": {"source": "npz"}}, "data.npz (path to the file) is not set"),
    ({"experiments": [{"encoder": "minivgg", "pretrain": "none", "trainset": "train"}] * 2}, "lists minivgg/none/train twice"),
    ({"device": "tpu"}, "'tpu' is not one of"),
]


@pytest.mark.parametrize("layer, message", CASES, ids=[c[1][:30] for c in CASES])
def test_bad_config_is_refused_with_its_key(tmp_path, layer, message):
    work = workflow_copy(tmp_path)
    (work / "bad.yaml").write_text(yaml.safe_dump(layer))
    proc = snakemake(work, "-n", "--configfile", "config/config.yaml", "bad.yaml", check=False)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
    assert not (work / "results").exists()  # refused before any job ran
