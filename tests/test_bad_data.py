"""Data that loads but would mislead: refused, or warned about loudly (log, classes.json, summary)."""

import json

import numpy as np
import pytest
import torch
from conftest import npz_entry, write_medmnist

from cxrcontrast.errors import InputError
from cxrcontrast.files import load_checkpoint, save_npz
from cxrcontrast.stages.prune import run_prune


def raw_file(tmp_path, **change):
    arrays = write_medmnist(tmp_path / "base.npz", n=(60, 20, 20), seed=1)
    arrays.update(change)
    save_npz(tmp_path / "raw.npz", **arrays)
    return arrays


def classes_after_pruning(tmp_path, flag="chestmnist", size=None):
    outs = {s: str(tmp_path / f"{s}.npz") for s in ("train", "val", "test")}
    run_prune(
        str(tmp_path / "raw.npz"), npz_entry(flag, size), outputs=outs, classes_json=str(tmp_path / "classes.json")
    )
    return json.loads((tmp_path / "classes.json").read_text())


def test_constant_images_are_warned_about(tmp_path, caplog):
    arrays = write_medmnist(tmp_path / "base.npz", n=(60, 20, 20), seed=1)
    arrays["train_images"][:3] = 0
    arrays["train_images"][3] = 77
    save_npz(tmp_path / "raw.npz", **arrays)
    info = classes_after_pruning(tmp_path)
    assert info["warnings"] == ["train: 4 of 60 images are constant (e.g. all black); check the file"]
    assert "DATA WARNING: train: 4 of 60 images are constant" in caplog.text


def test_the_prune_log_counts_the_rows_kept_of_the_rows_read(tmp_path, caplog):
    arrays = raw_file(tmp_path)
    caplog.set_level("INFO", logger="cxrcontrast.stages.prune")
    info = classes_after_pruning(tmp_path)
    for split in ("train", "val", "test"):
        labels = arrays[f"{split}_labels"]
        kept = int((labels.sum(axis=1) <= 1).sum())  # single-label rows: Normal or one finding
        assert kept < len(labels), "the fixture should hold multi-label rows"
        assert sum(info["counts"][split].values()) == kept
        assert f"{split}: kept {kept} of {len(labels)} rows;" in caplog.text


def test_a_class_absent_from_train_is_warned_about(tmp_path):
    arrays = write_medmnist(tmp_path / "base.npz", n=(60, 20, 20), seed=1)
    arrays["train_labels"][:, 13] = 0  # hernia nowhere in train
    arrays["test_labels"][0] = 0
    arrays["test_labels"][0, 13] = 1
    save_npz(tmp_path / "raw.npz", **arrays)
    warnings = classes_after_pruning(tmp_path)["warnings"]
    assert any(w.startswith("test: classes ['Hernia'] occur in test but not in train") for w in warnings)


def organ_file(tmp_path, train_classes: int) -> None:
    """A gray multi-class file whose training split holds the first ``train_classes`` classes; val and
    test hold the same classes, so no other warning applies."""
    rng = np.random.default_rng(2)
    arrays = {}
    for split, n in (("train", 60), ("val", 20), ("test", 20)):
        arrays[f"{split}_images"] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        arrays[f"{split}_labels"] = (np.arange(n) % train_classes)[:, None].astype(np.int64)
    save_npz(tmp_path / "raw.npz", **arrays)


def test_a_file_of_far_fewer_classes_than_its_flag_is_warned_about(tmp_path, caplog):
    """A 2-class file given as organamnist (11 classes): warned in the log, classes.json and the summary,
    saying that chance and top-5 are computed over the flag's 11 classes."""
    from cxrcontrast.summary.markdown import markdown

    organ_file(tmp_path, 2)
    info = classes_after_pruning(tmp_path, "organamnist")
    expected = (
        "train: only 2 of the 11 classes of organamnist occur (Bladder, Femur-left); chance level "
        "(9.1% top-1, 45% top-5) and top-5 are computed over all 11 classes, so top-5 is 100% by construction; "
        "check the dataset's flag"
    )
    assert info["warnings"] == [expected]
    assert f"DATA WARNING: {expected}" in caplog.text
    task = {k: info[k] for k in ("flag", "class_names", "warnings", "official")}  # as the summary stage reads it
    summary = markdown([], [], {}, [], [], {**task, "classes": len(info["class_names"])}, resamples=1000)
    assert "> **Data warning:** train: only 2 of the 11 classes of organamnist occur" in summary


@pytest.mark.parametrize("present, warned", [(5, True), (6, False)])
def test_far_fewer_classes_means_fewer_than_half_of_the_flags(tmp_path, present, warned):
    """5 of organamnist's 11 classes are fewer than half: warned; 6 are not (and top-5 is no longer trivial)."""
    organ_file(tmp_path, present)
    warnings = classes_after_pruning(tmp_path, "organamnist")["warnings"]
    assert [w.startswith(f"train: only {present} of the 11 classes") for w in warnings] == ([True] if warned else [])


def test_a_training_split_of_one_class_is_refused(tmp_path):
    raw_file(tmp_path, train_labels=np.zeros((60, 14), np.uint8))
    with pytest.raises(InputError, match=r"raw.npz: the training split holds one class only \(Normal\)"):
        classes_after_pruning(tmp_path)
    assert not (tmp_path / "train.npz").exists()


@pytest.mark.parametrize(
    "flag, images, needle",
    [
        (
            "chestmnist",
            np.zeros((60, 28, 28, 3), np.uint8),
            "train_images are RGB (N,H,W,3) but chestmnist has gray (N,H,W) images",
        ),
        (
            "pathmnist",
            np.zeros((60, 28, 28), np.uint8),
            "train_images are gray (N,H,W) but pathmnist has RGB (N,H,W,3) images",
        ),
        ("chestmnist", np.zeros((60, 28, 32), np.uint8), "train_images are 28x32, not square"),
    ],
)
def test_images_of_the_wrong_shape_for_the_flag_are_refused(tmp_path, flag, images, needle):
    labels = {"pathmnist": np.arange(60).reshape(60, 1) % 9}.get(flag)
    raw_file(
        tmp_path,
        train_images=images,
        **(
            {
                "train_labels": labels,
                "val_labels": np.arange(20)[:, None] % 9,
                "test_labels": np.arange(20)[:, None] % 9,
                "val_images": np.zeros((20, 28, 28, 3), np.uint8),
                "test_images": np.zeros((20, 28, 28, 3), np.uint8),
            }
            if flag == "pathmnist"
            else {}
        ),
    )
    with pytest.raises(InputError, match="raw.npz") as err:
        classes_after_pruning(tmp_path, flag)
    assert needle in str(err.value)


def test_a_file_of_another_size_than_data_size_is_refused(tmp_path):
    raw_file(tmp_path)
    with pytest.raises(InputError, match=r"train_images are 28x28 but the dataset's size is 64; set its size: 28"):
        classes_after_pruning(tmp_path, size=64)


@pytest.mark.parametrize("content", [b"", b"garbage" * 50, bytes(range(256)) * 16])
def test_a_corrupt_checkpoint_gets_one_clear_line(tmp_path, content):
    path = tmp_path / "encoder.pt"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        load_checkpoint(path, kind="pretrained_encoder")
    assert str(err.value) == (
        f"{path}: not a cxrcontrast checkpoint (corrupt or truncated); delete it and rerun: "
        "the job that makes it rebuilds it"
    )


def test_a_checkpoint_of_the_wrong_kind_gets_one_clear_line(tmp_path):
    torch.save({"weight": torch.zeros(3)}, tmp_path / "state.pt")  # a plain state dict, not our checkpoint
    with pytest.raises(InputError, match=r"state.pt: not a cxrcontrast checkpoint \(corrupt or truncated\); delete"):
        load_checkpoint(tmp_path / "state.pt")
    torch.save(torch.zeros(3), tmp_path / "tensor.pt")
    with pytest.raises(InputError, match=r"tensor.pt: not a cxrcontrast checkpoint"):
        load_checkpoint(tmp_path / "tensor.pt")
