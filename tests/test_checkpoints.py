"""The checkpoint of each training rule: self-describing, read back without pickle, checked on load by the
same code; and the epoch a classification run keeps, by selection policy."""

import dataclasses

import pytest
import torch

from cxrcontrast.errors import InputError
from cxrcontrast.files import save_checkpoint
from cxrcontrast.models.checkpoints import ClassifyCheckpoint, OfficialCheckpoint, PretrainCheckpoint
from cxrcontrast.training.selection import selection

COMMON = dict(encoder="minivgg", architecture={"xavier": True}, image_size=32, params={"a": [1, 2]}, seed=3, epoch=2)
HEAD = dict(head={"hidden": [8], "dropout": 0.0}, softmax_output=False, val={"epoch": 2, "val_auc": 0.5})
KINDS = {
    PretrainCheckpoint: dict(z_head="projection", head=None, n_classes=15, objective="normal"),
    ClassifyCheckpoint: dict(**HEAD, train_images=10, class_names=["a", "b"], pretrain=None),
    OfficialCheckpoint: dict(**HEAD, train_images=10, n_outputs=14, tuning="frozen", val_images=5, pretrain=None),
}


def made(kind, **changes):
    return kind(**{**COMMON, **KINDS[kind], "state_dict": {"w": torch.arange(4.0)}, **changes})


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_describes_itself_and_reads_back(kind, tmp_path):
    ckpt = made(kind)
    save_checkpoint(tmp_path / "c.pt", **ckpt.payload())  # loaded with weights_only=True below
    back = kind.load(tmp_path / "c.pt", "minivgg", 32)
    assert {f.name for f in dataclasses.fields(kind)} >= {"encoder", "architecture", "image_size", "params", "seed"}
    assert back.payload().keys() == ckpt.payload().keys() and back.payload()["kind"] == kind.kind
    assert torch.equal(back.state_dict["w"], ckpt.state_dict["w"]) and back.params == ckpt.params


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_refused_with_the_same_messages(kind, tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, **made(kind).payload())
    with pytest.raises(InputError, match=f"{path}: a checkpoint of encoder 'minivgg'; expected 'efficientnet_b0'$"):
        kind.load(path, "efficientnet_b0", 32)
    with pytest.raises(InputError, match=f"{path}: made for 32px inputs; expected 64px$"):
        kind.load(path, "minivgg", 64)
    for other in KINDS:
        if other is not kind:
            with pytest.raises(InputError, match=f"checkpoint kind '{kind.kind}'; expected '{other.kind}'$"):
                other.load(path)
    payload = made(kind).payload()
    del payload["encoder"]
    save_checkpoint(path, **payload)
    with pytest.raises(InputError, match=rf"a {kind.kind} checkpoint without \['encoder'\]"):
        kind.load(path)


class Weights(torch.nn.Module):
    """A model whose weights name the epoch they are of."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))


def history(seed: int, n: int = 12):
    g = torch.Generator().manual_seed(seed)
    values = torch.randint(0, 4, (n, 2), generator=g).tolist()  # few values: ties are common
    return [{"epoch": e + 1, "val_auc": a / 4, "val_loss": b / 4} for e, (a, b) in enumerate(values)]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("select_on", ["last", "auc", "loss"])
def test_the_epoch_kept_is_a_brute_force_pick_over_the_history(select_on, seed):
    rows = history(seed)
    if select_on == "last":
        expected = rows[-1]
    else:  # the earliest epoch of the best value: the largest AUC, the smallest loss
        best = (max if select_on == "auc" else min)(r[f"val_{select_on}"] for r in rows)
        expected = next(r for r in rows if r[f"val_{select_on}"] == best)
    keep, model = selection(select_on, {"auc": 1, "loss": -1}), Weights()
    for i, row in enumerate(rows):
        if i == len(rows) // 2:  # a resumed run goes on from the saved state
            state, keep = (keep.best, keep.best_row), selection(select_on, {"auc": 1, "loss": -1})
            keep.best, keep.best_row = state
        with torch.no_grad():
            model.w.fill_(row["epoch"])
        keep.offer(row, model)
    assert keep.best_row is expected and keep.best["w"].item() == expected["epoch"]


def test_an_unknown_metric_to_select_on_is_refused():
    with pytest.raises(ValueError, match=r"select_on: 'f1'; expected one of \['auc', 'last', 'loss'\]"):
        selection("f1", {"auc": 1, "loss": -1})
