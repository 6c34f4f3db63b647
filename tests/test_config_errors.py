"""Bad configs are refused before anything runs, with the full key named."""

import pytest
import yaml
from conftest import REPO, SCHEMA, config, run_config, snakemake, workflow_copy

from cxrcontrast.config import load_layers

pytestmark = pytest.mark.workflow
EXP = {"encoder": "minivgg", "pretrain": "none", "trainset": "train"}


def chest(**entry):
    """A layer whose one dataset, chestmnist, is ``entry`` (a layer's datasets replace the earlier map)."""
    return {"datasets": {"chestmnist": entry}}


CASES = [
    ({"experiments": [{**EXP, "encoder": "resnet34"}]}, "'resnet34' is not one of"),
    ({"experiments": [{**EXP, "pretrain": "easy"}]}, "'easy' is not one of"),
    ({"pretrain": {"easy": {"epochs": 1}}}, "'easy' was unexpected"),
    ({"augment": {"rotaton_deg": 5}}, "'rotaton_deg' was unexpected"),
    ({"classify": {"baseline": {"epochs": 0}}}, "0 is less than the minimum of 1"),
    ({"pretrain": {"normal": {"batch_size": 0}}}, "0 is less than the minimum of 2"),
    ({"pretrain": {"normal": {"lr": float("nan")}}}, "config.pretrain.normal.lr: nan is not a finite number"),
    ({"classify": {"finetune": {"lr": float("inf")}}}, "inf is greater than the maximum of 100"),
    ({"classify": {"finetune": {"epochs": 2.0}}}, "config.classify.finetune.epochs: 2.0 is not an integer"),
    (chest(source="medmnist", image_size=32.0), "config.datasets.chestmnist.image_size: 32.0 is not an integer"),
    ({"evaluate": {"bootstrap": 1000.0}}, "config.evaluate.bootstrap: 1000.0 is not an integer"),
    (chest(source="medmnist", image_size=4), "4 is less than the minimum of 8"),
    (chest(source="medmnist", size=100), "100 is not one of [28, 64, 128, 224]"),
    ({"datasets": {"Chest-X": {"source": "demo"}}}, "'Chest-X' does not match"),
    ({"datasets": {}}, "should be non-empty"),
    (chest(source="demo", flag="pathmnist"), "datasets.chestmnist.flag: not a key of source demo; its keys:"),
    (chest(source="folder"), "'root' is a required property"),
    (chest(source="medmnist", flag="fakemnist"), "datasets.chestmnist.flag: 'fakemnist' is not a 2D MedMNIST flag"),
    ({"experiments": [{**EXP, "datasets": ["elsewhere"]}]}, "experiments[0].datasets: 'elsewhere' is not a dataset"),
    (
        {"pretrain": {"hard": {"batch_size": 30}}},
        "pretrain.hard.batch_size: 30 must be a multiple of pretrain.hard.images_per_class 4",
    ),
    ({"augment": {"crop": 320}}, "augment.crop: 320 is larger than augment.upscale 300"),
    ({"augment": {"rrc_scale": [0.9, 0.1]}}, "augment.rrc_scale: [0.9, 0.1] is not ascending"),
    ({"seeds": [12345678901234567890]}, "is greater than the maximum of 2147483647"),
    (chest(source="npz"), "'npz' is a required property"),
    (chest(source="npz", npz="config"), "datasets.chestmnist.npz: config is not a file (a directory or device)"),
    (chest(source="npz", npz="/dev/null"), "datasets.chestmnist.npz: /dev/null is not a file"),
    (chest(source="npz", npz="missing.npz"), "datasets.chestmnist.npz: missing.npz not found"),
    ({"experiments": [EXP, EXP]}, "experiments[1]: minivgg/none/train with labels 1.0 is listed twice"),
    (
        {"experiments": [{**EXP, "labels": [1.0, 0.1]}, {**EXP, "labels": [0.1]}]},
        "experiments[1]: minivgg/none/train with labels 0.1 is listed twice",
    ),
    ({"device": "tpu"}, "'tpu' is not one of"),
    (
        {**chest(source="medmnist", flag="organamnist"), "experiments": [{**EXP, "pretrain": "mulsupcon"}]},
        "experiments[0] (minivgg/mulsupcon/train) on dataset chestmnist: mulsupcon needs multi-hot labels, but the "
        "task of flag organamnist is multi-class",
    ),
]


@pytest.mark.parametrize("layer, message", CASES, ids=[c[1][:40] for c in CASES])
def test_bad_config_is_refused_with_its_key(layer, message, monkeypatch):
    """Through the package's resolution, which the workflow runs at parse time (as below)."""
    monkeypatch.chdir(REPO)  # relative data.npz paths are the workflow folder's
    with pytest.raises(Exception) as err:
        config("config.yaml", **layer)
    assert message in str(err.value)


@pytest.mark.parametrize("objective", ["supcon_jaccard", "mulsupcon"])
def test_a_multi_label_objective_runs_only_where_the_task_is_multi_label(objective, monkeypatch):
    """Refused at parse time, naming experiment, dataset and task, on every task medmnist does not call
    multi-label (multi-class, binary, ordinal); accepted on chestmnist and the demo (multi-hot by construction)."""
    from cxrcontrast.vocabulary.flags import flags_2d, medmnist_info
    from cxrcontrast.vocabulary.tasks import MULTI_LABEL

    monkeypatch.chdir(REPO)
    exp = [{**EXP, "pretrain": objective, "datasets": ["x"]}, {**EXP, "datasets": ["x"]}]
    for flag in flags_2d():
        task = medmnist_info()[flag]["task"]
        layer = {"datasets": {"x": {"source": "medmnist", "flag": flag}}, "experiments": exp}
        if task == MULTI_LABEL:
            config("config.yaml", **layer)
            continue
        with pytest.raises(Exception) as err:
            config("config.yaml", **layer)
        assert f"experiments[0] (minivgg/{objective}/train) on dataset x: {objective} needs multi-hot labels" in str(
            err.value
        )
        assert f"the task of flag {flag} is {task}" in str(err.value)
    config("config.yaml", datasets={"x": {"source": "demo", "findings": 4}}, experiments=exp)


# through Snakemake: a schema error, a non-finite number, a float integer, a cross-key rule, a data file, the device
WIRED = [
    c
    for c in CASES
    if c[1].startswith(
        (
            "'easy' is not",
            "config.pretrain.normal.lr",
            "config.classify.finetune",
            "datasets.chestmnist.flag: not a key",
            "datasets.chestmnist.npz: config",
        )
    )
]
WIRED.append(({"device": "cuda"}, "device: 'cuda' was asked for but no CUDA GPU is visible"))
# the fast tier runs the first and the last (a Snakemake run each); `make test` all of them
WIRED = [pytest.param(*c, marks=() if i in (0, len(WIRED) - 1) else pytest.mark.slow) for i, c in enumerate(WIRED)]


@pytest.mark.parametrize("layer, message", WIRED, ids=[c.values[1][:40] for c in WIRED])
def test_the_workflow_refuses_before_any_job(tmp_path, layer, message):
    work = workflow_copy(tmp_path)
    (work / "bad.yaml").write_text(yaml.safe_dump(layer))
    proc = snakemake(work, "-n", "--configfile", "config/config.yaml", "bad.yaml", check=False)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
    assert not (work / "results").exists()  # refused before any job ran


@pytest.mark.slow
def test_npz_among_the_workflows_own_outputs_is_refused(tmp_path):
    work = workflow_copy(tmp_path)
    (work / "results/chest/data/pruned").mkdir(parents=True)
    (work / "results/chest/data/pruned/train.npz").write_bytes(b"PK\x03\x04")
    (work / "bad.yaml").write_text(yaml.safe_dump(chest(source="npz", npz="results/chest/data/pruned/train.npz")))
    proc = snakemake(work, "-n", "--configfile", "config/config.yaml", "bad.yaml", check=False)
    assert (
        proc.returncode != 0 and "lies under results/, among this workflow's own outputs" in proc.stderr + proc.stdout
    )


def test_yaml_mistake_in_the_config_names_file_and_line(tmp_path):
    work = workflow_copy(tmp_path)
    text = (work / "config/config.yaml").read_text().replace("seeds: [0, 1, 2]", "seeds: [0, 1, 2\n  oops: 1")
    (work / "config/config.yaml").write_text(text)
    proc = snakemake(work, "-n", check=False)
    assert proc.returncode != 0 and "config/config.yaml: line" in proc.stderr + proc.stdout


def test_config_layers_checked_by_the_package_command(tmp_path):
    """`cxrcontrast check` names file and line of a YAML mistake in any layer, and a missing layer in one line
    (Snakemake loads --configfile layers before any workflow code runs, and names neither)."""
    import subprocess
    import sys

    from conftest import REPO

    (tmp_path / "bad.yaml").write_text("seeds:\n  - 1\n   flag: x\n")
    exe = [sys.executable, "-m", "cxrcontrast", "check", "--configfile"]
    proc = subprocess.run(
        [*exe, str(REPO / "config/config.yaml"), str(tmp_path / "bad.yaml")], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode != 0 and f"{tmp_path / 'bad.yaml'}: line 3, column" in proc.stderr
    proc = subprocess.run([*exe, "config/config.yaml", "nothere.yaml"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0 and proc.stderr.strip() == "cxrcontrast: nothere.yaml: config file not found"
    good = subprocess.run([*exe, "config/config.yaml", "config/demo.yaml"], cwd=REPO, capture_output=True, text=True)
    demo = run_config("config.yaml", "demo.yaml")  # the grid the package resolves, however the demo grows
    assert good.returncode == 0 and f"2 datasets, {len(demo.experiments)} experiments" in good.stdout


def test_the_one_dataset_data_block_is_refused_with_the_change_to_make(tmp_path):
    (tmp_path / "old.yaml").write_text("data:\n  source: demo\n")
    with pytest.raises(Exception) as err:
        load_layers([REPO / "config/config.yaml", tmp_path / "old.yaml"], SCHEMA)
    assert "old.yaml: data: is now one named entry of datasets:" in str(err.value)
    assert "datasets:\n    chestmnist: {source: medmnist, flag: chestmnist, size: 28}" in str(err.value)


def test_a_later_layers_datasets_replace_the_earlier_map():
    """config.yaml's ChestMNIST download is not part of the demo: demo.yaml's two datasets replace it."""
    assert list(run_config("config.yaml", "demo.yaml").datasets) == ["chest", "small"]
    assert list(run_config("config.yaml").datasets) == ["chestmnist"]


def test_report_before_any_run_says_run_first(tmp_path):
    work = workflow_copy(tmp_path)
    proc = snakemake(work, "--configfile", "config/config.yaml", "config/demo.yaml", "--report", "r.html", check=False)
    assert proc.returncode != 0 and "run the workflow first" in proc.stderr + proc.stdout
