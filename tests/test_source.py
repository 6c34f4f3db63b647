import hashlib

import numpy as np
import pytest
from conftest import npz_entry, write_medmnist

from cxrcontrast.data import medmnist_format
from cxrcontrast.errors import DownloadError, InputError
from cxrcontrast.files import save_npz
from cxrcontrast.stages.prune import run_prune


def good_arrays(**over):
    rng = np.random.default_rng(0)
    arrays = {}
    for split in ("train", "val", "test"):
        arrays[f"{split}_images"] = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
        arrays[f"{split}_labels"] = np.zeros((6, 14), dtype=np.uint8)
    arrays.update(over)
    return arrays


def load(tmp_path, flag="chestmnist", **over):
    path = tmp_path / "bad.npz"
    arrays = good_arrays(**over)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return medmnist_format.load_splits(path, flag)


def test_valid_file_loads(tmp_path):
    out = load(tmp_path)
    assert set(out) == {"train", "val", "test"} and out["train"][1].shape == (6, 14)


@pytest.mark.parametrize(
    "over, needle",
    [
        ({"val_labels": None}, "missing keys ['val_labels']"),
        ({"train_images": np.zeros((6, 28, 28), np.float32)}, "train_images has dtype float32; expected uint8"),
        ({"train_images": np.zeros((6, 28, 28, 2), np.uint8)}, "expected (N,H,W) or (N,H,W,3)"),
        ({"test_labels": np.zeros((6, 13), np.uint8)}, "test_labels has shape (6, 13); expected (N, 14)"),
        ({"train_labels": np.full((6, 14), 2, np.uint8)}, "expected only 0/1"),
        ({"val_images": np.zeros((5, 28, 28), np.uint8)}, "val_images has 5 rows but val_labels has 6"),
        (
            {"test_images": np.zeros((0, 28, 28), np.uint8), "test_labels": np.zeros((0, 14), np.uint8)},
            "test_images is empty",
        ),
    ],
)
def test_each_bad_input_is_named(tmp_path, over, needle):
    with pytest.raises(InputError) as err:
        load(tmp_path, **over)
    assert "bad.npz" in str(err.value) and needle in str(err.value)


def test_multiclass_label_range(tmp_path):
    over = {f"{s}_labels": np.full((6, 1), 9, np.int64) for s in ("train", "val", "test")}
    with pytest.raises(InputError, match=r"expected class indices in \[0, 8\]"):
        load(tmp_path, flag="pathmnist", **over)


@pytest.mark.parametrize(
    "flag, top, needle",
    [
        ("organamnist", 11, "values span [0, 11]; expected class indices in [0, 10] (the 11 classes of organamnist)"),
        ("pneumoniamnist", 2, "values span [0, 2]; expected class indices in [0, 1] (the 2 classes of pneumoniamnist)"),
    ],
)
def test_labels_outside_the_flags_classes_are_refused_naming_the_flag(tmp_path, flag, top, needle):
    labels = {f"{s}_labels": (np.arange(6) * top // 5)[:, None] for s in ("train", "val", "test")}
    with pytest.raises(InputError) as err:
        load(tmp_path, flag=flag, **labels)
    assert "bad.npz: train_labels " + needle in str(err.value)


def test_truncated_and_non_npz_files(tmp_path):
    good = tmp_path / "good.npz"
    np.savez(good, **good_arrays())
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(InputError, match="cut.npz: not a readable .npz"):
        medmnist_format.load_splits(cut, "chestmnist")
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(InputError, match="text.npz: not a readable .npz"):
        medmnist_format.load_splits(text, "chestmnist")
    with pytest.raises(InputError, match="missing.npz: file not found"):
        medmnist_format.load_splits(tmp_path / "missing.npz", "chestmnist")


def test_pickled_arrays_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, **good_arrays(train_labels=np.array([{"a": 1}] * 6, dtype=object)))
    with pytest.raises(InputError, match="pickled objects"):
        medmnist_format.load_splits(path, "chestmnist")


def test_unknown_flag_and_size():
    with pytest.raises(InputError, match="unknown MedMNIST flag 'xraymnist'"):
        medmnist_format.flag_info("xraymnist")
    with pytest.raises(InputError, match="data.size: 32"):
        medmnist_format.official_file("chestmnist", 32)
    assert medmnist_format.official_file("chestmnist", 64)[0] == "chestmnist_64.npz"


def test_md5_mismatch(tmp_path):
    path = tmp_path / "f.npz"
    path.write_bytes(b"not the official file")
    medmnist_format.check_md5(path, hashlib.md5(b"not the official file").hexdigest())
    with pytest.raises(DownloadError, match="does not match the official"):
        medmnist_format.check_md5(path, "0" * 32)


def test_offline_download_names_url_md5_and_workaround(tmp_path, monkeypatch):
    import medmnist

    def offline(*args, **kwargs):
        raise RuntimeError("Automatic download failed!")

    monkeypatch.setattr(medmnist.ChestMNIST, "download", offline)
    with pytest.raises(DownloadError) as err:
        medmnist_format.download("chestmnist", 28, tmp_path)
    msg = str(err.value)
    assert "chestmnist.npz" in msg and "zenodo.org" in msg and "02c8a6516a18b556561a56cbdd36c4a8" in msg
    assert "{source: npz, npz: /path/to/chestmnist.npz, flag: chestmnist}" in msg
    assert not (tmp_path / "chestmnist.npz").exists()


def test_existing_official_file_checked_against_md5(tmp_path):
    (tmp_path / "chestmnist.npz").write_bytes(b"corrupt")
    with pytest.raises(DownloadError, match="MD5"):
        medmnist_format.download("chestmnist", 28, tmp_path)
    assert (tmp_path / "chestmnist.npz").exists()  # nothing deleted


def test_prune_stage_writes_splits(tmp_path):
    arrays = write_medmnist(tmp_path / "raw.npz")
    outs = {s: str(tmp_path / f"{s}.npz") for s in ("train", "val", "test")}
    run_prune(
        raw=str(tmp_path / "raw.npz"), data=npz_entry(), outputs=outs, classes_json=str(tmp_path / "classes.json")
    )
    for split in outs:
        with np.load(outs[split]) as f:
            kept = arrays[f"{split}_labels"].sum(1) <= 1
            assert f["images"].dtype == np.uint8 and f["labels"].dtype == np.int64
            np.testing.assert_array_equal(f["index"], np.flatnonzero(kept))
            np.testing.assert_array_equal(f["images"], arrays[f"{split}_images"][kept])


def test_prune_validates_every_split_before_writing(tmp_path):
    arrays = good_arrays(test_labels=np.full((6, 14), 3, np.uint8))
    save_npz(tmp_path / "raw.npz", **arrays)
    outs = {s: str(tmp_path / f"{s}.npz") for s in ("train", "val", "test")}
    with pytest.raises(InputError, match="test_labels"):
        run_prune(
            raw=str(tmp_path / "raw.npz"), data=npz_entry(), outputs=outs, classes_json=str(tmp_path / "classes.json")
        )
    assert not any((tmp_path / f"{s}.npz").exists() for s in outs)


def test_download_uses_medmnists_download_without_loading_the_dataset(tmp_path, monkeypatch):
    """Building medmnist's dataset would load the whole training split (gigabytes at 224px) just to fetch a file."""
    import medmnist

    calls = []

    def fake_download(dataset):
        calls.append((dataset.flag, dataset.size_flag, dataset.root))
        (tmp_path / f"{dataset.flag}{dataset.size_flag}.npz").write_bytes(b"not the official bytes")

    def no_dataset(*args, **kwargs):
        raise AssertionError("the dataset was built")

    monkeypatch.setattr(medmnist.ChestMNIST, "download", staticmethod(fake_download))
    monkeypatch.setattr(medmnist.ChestMNIST, "__init__", no_dataset)
    with pytest.raises(DownloadError, match="does not match the official"):
        medmnist_format.download("chestmnist", 64, tmp_path)
    assert calls == [("chestmnist", "_64", str(tmp_path))]


def multiclass_file(path, labels_shape, n=(40, 20, 60), classes=11):
    """A gray multi-class file (organamnist's 11 classes), its labels of shape (N,) or (N, 1)."""
    rng = np.random.default_rng(3)
    arrays = {}
    for split, k in zip(("train", "val", "test"), n):
        arrays[f"{split}_images"] = rng.integers(0, 256, (k, 28, 28), dtype=np.uint8)
        arrays[f"{split}_labels"] = (np.arange(k) % classes).astype(np.int64).reshape(labels_shape(k))
    save_npz(path, **arrays)
    return arrays


def test_multiclass_labels_of_shape_n_reach_the_official_task_as_medmnist_ships_them(tmp_path):
    """A multi-class file with (N,) labels gives the unpruned splits and the Evaluator (N, 1) labels, and the
    official scores of the same labels shipped as (N, 1); it used to fail only at official_evaluate."""
    from cxrcontrast.evaluation.official import evaluate_official, medmnist_metrics, scores
    from cxrcontrast.files import load_npz
    from cxrcontrast.stages.unpruned import run_unpruned

    entry = npz_entry("organamnist")
    results = {}
    for name, shape in {"flat": lambda k: (k,), "shipped": lambda k: (k, 1)}.items():
        raw = tmp_path / name / "raw.npz"
        raw.parent.mkdir()
        arrays = multiclass_file(raw, shape)
        outs = {s: str(raw.parent / f"unpruned_{s}.npz") for s in ("train", "val", "test")}
        run_unpruned(str(raw), {**entry, "npz": str(raw)}, outs)
        labels = load_npz(outs["test"], ("labels",))["labels"]
        assert labels.shape == (60, 1)
        np.testing.assert_array_equal(labels[:, 0], arrays["test_labels"].reshape(-1))
        logits = np.random.default_rng(0).normal(size=(60, 11)) + 2 * np.eye(11)[labels[:, 0]]
        y_score = scores(logits, "multi-class")
        results[name] = evaluate_official(str(raw), "organamnist", 28, "test", y_score, labels)
        assert results[name] == pytest.approx(medmnist_metrics(labels, y_score, "multi-class"))
    assert results["flat"] == results["shipped"]


def test_the_demo_source_makes_its_file_through_the_stage(tmp_path):
    """Rule ``source`` of a demo dataset, at tiny sizes: a MedMNIST-format file of the sizes asked for, that the
    prune step reads as the source's task says (a broken import in data/sources/demo.py was caught only by the demo)."""
    from conftest import DEMO_ENTRY

    from cxrcontrast.data import sources
    from cxrcontrast.stages.source import run_source

    entry = {**DEMO_ENTRY, "train": 30, "val": 29, "test": 28, "seed": 1}  # 28: the least the demo makes
    out = tmp_path / "demo.npz"
    run_source(entry, str(out))
    splits = medmnist_format.load_splits(out, sources.task(entry, str(out)))
    assert {s: images.shape for s, (images, _) in splits.items()} == {
        "train": (30, 28, 28),
        "val": (29, 28, 28),
        "test": (28, 28, 28),
    }
    assert all(labels.shape[1] == 14 for _, labels in splits.values())  # ChestMNIST-format: the 14 findings
