"""MedMNIST v2's recipe as a layer (config/medmnist_v2.yaml): the jobs it plans over a datasets layer, the
settings each official job gets against the source's (MedMNIST/experiments, train_and_eval_pytorch.py), and the
one linear layer its ResNets end in (v2's fc)."""

import re
import subprocess
import sys

import pytest
import torch
import torchvision
from conftest import run_config, workflow_copy

from cxrcontrast.models.build import build_classifier
from cxrcontrast.training.optim import Optim

LAYERS = ("config.yaml", "medmnist_v2.yaml", "datasets_pneumonia.yaml")


@pytest.mark.workflow
def test_the_recipe_over_a_datasets_layer_plans_v2s_grid(tmp_path):
    """Reference: Snakemake's own dry run through the front door; no job runs."""
    work = workflow_copy(tmp_path)
    args = ["run", "-n", "--configfile", *(f"config/{name}" for name in LAYERS)]
    proc = subprocess.run([sys.executable, "-m", "cxrcontrast", *args], cwd=work, capture_output=True, text=True)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-3000:]
    assert "dataset pneumonia28: medmnist pneumoniamnist 28px -> 28px" in said
    assert "dataset pneumonia224: medmnist pneumoniamnist 28px -> 224px" in said  # v2's resize of the 28 px file
    official = set(re.findall(r"results/(\w+)/official/(\w+)/(\w+)/(\w+)/seed(\d)/model\.pt", said))
    assert official == {
        (dataset, encoder, "none", tuning, seed)
        for dataset in ("pneumonia28", "pneumonia224")
        for encoder in ("resnet18", "resnet50")
        for tuning in ("end_to_end", "frozen")
        for seed in "012"
    }
    stats = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", said, re.M)}
    assert stats["official"] == stats["official_evaluate"] == 2 * 2 * 2 * 3
    assert "pretrain" not in stats and stats["download"] == 1  # trained from scratch; one official file
    assert not (work / "results").exists()


def test_each_official_job_gets_v2s_settings_and_its_input_size():
    config = run_config(*LAYERS)
    for dataset, size in (("pneumonia28", 28), ("pneumonia224", 224)):
        for encoder in ("resnet18", "resnet50"):
            params = config.on(dataset).official_params(encoder, "end_to_end")
            assert (params["image_size"], params["data"]) == (size, {"flag": "pneumoniamnist", "size": 28})
            assert params["architecture"] == {"weights": "none", "xavier": False} and params["head"]["hidden"] == []
            assert params["official"]["select_on"] == "auc"
            optim = Optim.from_block(params["official"]["end_to_end"])
            assert optim == Optim(100, 128, 0.001, 0.0, 0.0, "adam", "multistep", (0.5, 0.75), 0.1, 0)
    plain = run_config("config.yaml").on("chestmnist").official_params("minivgg", "end_to_end")
    assert "optimizer" not in plain["official"]["end_to_end"]  # SGD at a constant lr: not in the identity
    assert config.on("pneumonia28").official_params("resnet18", "end_to_end")["official"]["end_to_end"]["schedule"]


def test_the_recipes_lr_per_epoch_is_v2s_multistep():
    """v2: MultiStepLR(Adam(lr=0.001), milestones=[0.5 * 100, 0.75 * 100], gamma=0.1), stepped after each epoch."""
    params = run_config(*LAYERS).on("pneumonia28").official_params("resnet18", "end_to_end")
    optim = Optim.from_block(params["official"]["end_to_end"])
    ours = optim.build([torch.nn.Parameter(torch.zeros(1))])
    theirs = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=0.001)
    schedules = (optim.scheduler(ours), torch.optim.lr_scheduler.MultiStepLR(theirs, [50.0, 75.0], gamma=0.1))
    lrs = []
    for _ in range(100):
        lrs.append((ours.param_groups[0]["lr"], theirs.param_groups[0]["lr"]))
        for opt, s in zip((ours, theirs), schedules):
            opt.step()  # no gradient: the weights stay, the schedule counts an epoch
            s.step()
    assert [a for a, _ in lrs] == pytest.approx([b for _, b in lrs], rel=1e-12)
    assert lrs[49][0] == pytest.approx(1e-3) and lrs[50][0] == pytest.approx(1e-4) and lrs[75][0] == pytest.approx(1e-5)


def test_head_hidden_empty_is_v2s_fc_a_single_linear_layer():
    """At 224 px v2 trains torchvision's resnet18(num_classes=n): ours with `hidden: []` has its parameters."""
    ours = build_classifier(
        "resnet18", 224, {"weights": "none", "xavier": False}, {"hidden": [], "dropout": 0.3}, 2, 0,
        softmax_output=False,
    )  # fmt: skip
    assert [type(m) for m in ours.head.net] == [torch.nn.Linear] and ours.head.net[0].in_features == 512
    theirs = torchvision.models.resnet18(num_classes=2)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    assert ours(torch.zeros(2, 3, 224, 224)).shape == (2, 2)
