"""No result under another experiment's name: a checkpoint, metrics.json or predictions.npz copied or moved
under another experiment's path is refused by the job that reads it, naming the file (issue 22, item 3)."""

import shutil

import numpy as np
import pytest
import torch
from conftest import TINY_LAYERS, config, snakemake

from cxrcontrast.errors import InputError
from cxrcontrast.files import load_npz, provenance, save_checkpoint, save_npz
from cxrcontrast.models.checkpoints import ClassifyCheckpoint, PretrainCheckpoint
from cxrcontrast.stages.summary import check_made_for
from cxrcontrast.vocabulary.experiments import Experiment

BASELINE, NORMAL = Experiment("minivgg", "none", "train"), Experiment("minivgg", "normal", "train")
HEAD = dict(softmax_output=False, val={"epoch": 1}, train_images=10, class_names=["a", "b"])


def classifier(cfg, e: Experiment, seed: int) -> ClassifyCheckpoint:
    """A classifier checkpoint as the classify job of ``e`` and ``seed`` records itself."""
    pretrain = None if e.pretrain == "none" else cfg.pretrain_params(e.encoder, e.pretrain)
    state = {"w": torch.zeros(2)}
    return ClassifyCheckpoint.of(cfg.classify_params(e), seed, state, 1, **HEAD, pretrain=pretrain)


def test_a_classifier_under_another_experiments_path_is_refused(tmp_path):
    cfg = config()
    path = tmp_path / "model.pt"
    save_checkpoint(path, **classifier(cfg, BASELINE, 0).payload())
    assert ClassifyCheckpoint.load(path, made_by=cfg.classifier_made_by(BASELINE, 0)).seed == 0  # its own path
    with pytest.raises(
        InputError, match=rf"^{path}: not the classifier checkpoint its path names .*: it records other .*pretrain"
    ):
        ClassifyCheckpoint.load(path, made_by=cfg.classifier_made_by(NORMAL, 0))
    with pytest.raises(InputError, match=r"records other seed; delete it and rerun"):
        ClassifyCheckpoint.load(path, made_by=cfg.classifier_made_by(BASELINE, "1"))
    with pytest.raises(InputError, match=r"records other params.labels"):
        ClassifyCheckpoint.load(path, made_by=cfg.classifier_made_by(Experiment("minivgg", "none", "train", 0.1), 0))


def test_a_pretraining_of_another_objective_is_refused_as_a_start(tmp_path):
    cfg = config()
    path = tmp_path / "model.pt"
    own = dict(z_head="projection", head=None, n_classes=15, objective="simclr")
    state = {"w": torch.zeros(2)}
    save_checkpoint(
        path, **PretrainCheckpoint.of(cfg.pretrain_params("minivgg", "simclr"), 0, state, 1, **own).payload()
    )
    PretrainCheckpoint.load(path, "minivgg", made_by=cfg.pretraining_made_by("minivgg", "simclr", 0))
    with pytest.raises(InputError, match=r"records other params\.augment, params\.block\..* and 8 more; delete it"):
        PretrainCheckpoint.load(path, "minivgg", made_by=cfg.pretraining_made_by("minivgg", "normal", 0))
    assert cfg.pretraining_made_by("minivgg", "none", 0) is None  # the untrained state has no checkpoint


def identity(e: Experiment, seed: int) -> dict:
    return {"encoder": e.encoder, "pretrain": e.pretrain, "trainset": e.trainset, "labels": e.labels, "seed": seed}


def test_swapped_metrics_or_predictions_are_refused_by_the_summary(tmp_path):
    def predictions(e):
        path = tmp_path / f"{e.pretrain}.npz"
        save_npz(path, provenance(model="m.pt", test="t.npz", experiment=identity(e, 0)), probs=np.zeros((2, 2)))
        return str(path), load_npz(path)

    normal_path, normal = predictions(NORMAL)
    base_path, base = predictions(BASELINE)
    expected = identity(NORMAL, 0)
    check_made_for(expected, identity(NORMAL, 0), "metrics.json", normal, normal_path)  # all its own
    with pytest.raises(InputError, match=rf"^{base_path}: the results of minivgg/none/train/labels1 seed 0, not of "):
        check_made_for(expected, identity(NORMAL, 0), "metrics.json", base, base_path)
    with pytest.raises(
        InputError, match=r"^m.json: the results of minivgg/none/train/labels1 seed 0, not of minivgg/normal"
    ):
        check_made_for(expected, identity(BASELINE, 0), "m.json", normal, normal_path)
    old = {k: v for k, v in normal.items() if k != "provenance"}
    with pytest.raises(InputError, match=r"the results of no recorded experiment \(an older version's\)"):
        check_made_for(expected, identity(NORMAL, 0), "metrics.json", old, normal_path)
    assert config().experiment_identities()[0] == identity(config().experiments[0], config().seeds[0])


@pytest.mark.slow
def test_a_copied_checkpoint_is_not_evaluated_under_the_other_name(finished_grid, tmp_path):
    """The reproduction of the issue: the baseline's model.pt over the normal pretraining's, and a rerun."""
    work = tmp_path / "wf"
    shutil.copytree(finished_grid, work, symlinks=True)
    classify = work / "results/chest/classify/minivgg"
    shutil.copy(classify / "none/train/labels1/seed0/model.pt", classify / "normal/train/labels1/seed0/model.pt")
    target = "results/chest/metrics/minivgg/normal/train/labels1/seed0/metrics.json"
    proc = snakemake(work, target, "--cores", "1", "--configfile", *TINY_LAYERS, check=False)
    assert proc.returncode != 0
    assert (
        "normal/train/labels1/seed0/model.pt: not the classifier checkpoint its path names" in proc.stdout + proc.stderr
    )
