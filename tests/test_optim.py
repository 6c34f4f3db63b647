"""Optimizers and lr schedules as config: each built with the block's values, each schedule's lr per epoch
against its closed form, resume under a schedule, and the schedule as part of a job's identity."""

import csv
import math

import pytest
import torch
from conftest import config
from training_helpers import Killed, classify, classify_params, kill_after

from cxrcontrast.errors import InputError
from cxrcontrast.files import load_checkpoint
from cxrcontrast.training.optim import Optim
from cxrcontrast.vocabulary.experiments import Experiment

SGD = {"epochs": 8, "batch_size": 4, "lr": 0.2, "momentum": 0.8, "weight_decay": 0.01}


def lrs(block: dict) -> list[float]:
    """The lr each epoch trains at, as the training loops step it (once after each epoch)."""
    optim = Optim.from_block(block)
    opt = optim.build([torch.nn.Parameter(torch.zeros(1))])
    scheduler, seen = optim.scheduler(opt), []
    for _ in range(optim.epochs):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        if scheduler is not None:
            scheduler.step()
    return seen


@pytest.mark.parametrize(
    ("name", "kind"), [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW)]
)
def test_each_optimizer_is_built_with_the_blocks_values(name, kind):
    opt = Optim.from_block({**SGD, "optimizer": name}).build([torch.nn.Parameter(torch.zeros(1))])
    group = opt.param_groups[0]
    assert type(opt) is kind
    assert (group["lr"], group["weight_decay"]) == (0.2, 0.01)
    if name == "sgd":
        assert group["momentum"] == 0.8
    else:  # torch's betas; momentum is not an Adam setting
        assert group["betas"] == (0.9, 0.999) and "momentum" not in group


def test_the_default_is_sgd_at_a_constant_lr_never_touched_by_a_scheduler():
    optim = Optim.from_block(SGD)
    opt = optim.build([torch.nn.Parameter(torch.zeros(1))])
    assert type(opt) is torch.optim.SGD and optim.scheduler(opt) is None
    assert lrs(SGD) == [0.2] * 8


@pytest.mark.parametrize("warmup", [0, 2])
def test_multistep_lr_per_epoch_is_the_closed_form(warmup):
    block = {**SGD, "schedule": "multistep", "milestones": [0.5, 0.75], "gamma": 0.5, "warmup_epochs": warmup}
    after = [4, 6]  # round(0.5 * 8), round(0.75 * 8): the lr drops after these epochs
    expected = [
        0.2 * e / (warmup + 1) if e <= warmup else 0.2 * 0.5 ** sum(m <= e - 1 for m in after) for e in range(1, 9)
    ]
    assert lrs(block) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("warmup", [0, 3])
def test_cosine_lr_per_epoch_is_the_closed_form(warmup):
    block = {**SGD, "schedule": "cosine", "warmup_epochs": warmup}
    span = 8 - warmup  # the cosine runs over the epochs after the warm-up, to 0 after the last
    expected = [
        0.2 * e / (warmup + 1) if e <= warmup else 0.2 * (1 + math.cos(math.pi * (e - warmup - 1) / span)) / 2
        for e in range(1, 9)
    ]
    assert lrs(block) == pytest.approx(expected, rel=1e-9)


def test_warmup_alone_ramps_then_holds_the_lr():
    assert lrs({**SGD, "warmup_epochs": 3}) == pytest.approx([0.05, 0.1, 0.15, 0.2, 0.2, 0.2, 0.2, 0.2], rel=1e-12)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"warmup_epochs": 8}, r"warmup_epochs: 8; expected fewer than its 8 epochs"),
        ({"schedule": "multistep", "milestones": [0.05]}, r"milestones: \[0.05\] fall after epochs \[0\] of 8"),
        (
            {"schedule": "multistep", "milestones": [0.5, 0.55]},
            r"milestones: \[0.5, 0.55\] fall after epochs \[4, 4\] of 8",
        ),
        ({"schedule": "multistep", "milestones": [0.5], "warmup_epochs": 4}, r"milestones: .* after the warm-up \(4\)"),
    ],
)
def test_a_schedule_the_epochs_cannot_hold_is_refused_by_the_config(keys, message):
    with pytest.raises(InputError, match=r"classify\.baseline \(for minivgg/none/train\)\." + message):
        classify_params(**{**SGD, **keys})


def slice_of(**keys) -> dict:
    cfg = config(
        classify={"baseline": {**SGD, **keys}},
        experiments=[{"encoder": "minivgg", "pretrain": "none", "trainset": "train"}],
    )
    return cfg.classify_params(Experiment("minivgg", "none", "train", 1.0))


def test_a_schedule_is_part_of_the_identity_and_its_defaults_are_not():
    plain = slice_of()
    assert slice_of(optimizer="sgd", schedule="constant", warmup_epochs=0, gamma=0.1) == plain  # today's slices
    assert slice_of(schedule="multistep", gamma=0.1, milestones=[0.5, 0.75]) != plain
    assert slice_of(schedule="multistep", gamma=0.5) != slice_of(schedule="multistep")
    assert slice_of(schedule="cosine") != slice_of(schedule="cosine", warmup_epochs=1)
    assert slice_of(milestones=[0.25]) == plain  # read by multistep only
    adam = slice_of(optimizer="adam")["classify"]
    assert adam["optimizer"] == "adam" and "momentum" not in adam  # Adam reads no momentum


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from conftest import pruned_demo

    return pruned_demo(tmp_path_factory.mktemp("data"), 1200, 300, 60, 2)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        pytest.param(  # 20 s under load: `make test` runs it; the cosine case stays in the fast tier
            {"schedule": "multistep", "milestones": [0.5], "gamma": 0.5}, [0.05, 0.025], marks=pytest.mark.slow
        ),
        ({"schedule": "cosine", "warmup_epochs": 1}, [0.025, 0.05]),
    ],
    ids=["multistep", "cosine"],
)
def test_a_resumed_run_under_a_schedule_equals_an_uninterrupted_one(data, tmp_path, monkeypatch, schedule, expected):
    params = classify_params(epochs=2, **schedule)  # lr 0.05
    full = classify(data, tmp_path / "full", params=params)
    kill_after(monkeypatch, 45)  # inside epoch 2 (about 34 batches an epoch): the resume file holds epoch 1
    with pytest.raises(Killed):
        classify(data, tmp_path / "cut", params=params)
    assert "scheduler" in load_checkpoint(tmp_path / "cut/resume.pt", kind="resume")
    monkeypatch.undo()
    resumed = classify(data, tmp_path / "cut", params=params)
    for key, value in full["state_dict"].items():
        assert torch.equal(value, resumed["state_dict"][key]), key
    for run in ("full", "cut"):  # the resumed epoch 2 trained at the schedule's lr, not at epoch 1's
        with open(tmp_path / run / "history.csv") as fh:
            assert [float(row["lr"]) for row in csv.DictReader(fh)] == pytest.approx(expected, rel=1e-12)
