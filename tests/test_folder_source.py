"""The folder source on a small folder of PNG and JPEG files the test writes: layout, class order
(torchvision's ImageFolder is the reference), labels, pixels (a conversion done here with Pillow), and
each refusal naming its path."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from cxrcontrast.data.sources import folder
from cxrcontrast.errors import InputError
from cxrcontrast.files import load_npz

# class folder -> {split: [(file name, (width, height)), ...]}; upper case sorts before lower case
LAYOUT = {
    "PNEUMONIA": {
        "train": [("a.png", (40, 30)), ("b.JPG", (30, 50))],
        "valid": [("v.png", (28, 28))],
        "test": [("t.jpeg", (64, 32))],
    },
    "NORMAL": {
        "train": [("c.png", (33, 33)), ("d.jpg", (50, 20)), ("e.PNG", (28, 29))],
        "valid": [("w.jpg", (31, 40))],
        "test": [("u.png", (29, 60)), ("s.png", (30, 30))],
    },
    "effusion": {"train": [("f.jpeg", (45, 45))], "test": [("r.jpg", (32, 48))]},
}


def write_image(path, size, seed, mode="L"):
    rng = np.random.default_rng(seed)
    shape = (size[1], size[0]) + ((3,) if mode == "RGB" else ())
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(path)


def make_folder(root, mode="L"):
    for seed, (name, splits) in enumerate(LAYOUT.items()):
        for split, files in splits.items():
            for i, (file, size) in enumerate(files):
                write_image(root / split / name / file, size, 100 * seed + i, mode)
    (root / "train/NORMAL/notes.txt").write_text("not an image")
    (root / "test/README.md").write_text("not an image either")
    (root / "valid/effusion").mkdir()  # a class with no val images is allowed
    return root


def reference(path, size, mode):
    """The documented conversion, done independently: Pillow convert, centre square crop, LANCZOS resize."""
    image = Image.open(path).convert(mode)
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    return np.asarray(image.resize((size, size), Image.Resampling.LANCZOS))


def test_classes_are_sorted_as_torchvision_imagefolder_sorts_them(tmp_path):
    from torchvision.datasets import ImageFolder

    found = folder.scan(make_folder(tmp_path))
    reference_set = ImageFolder(str(tmp_path / "train"))
    assert found.classes == tuple(reference_set.classes) == ("NORMAL", "PNEUMONIA", "effusion")
    listed = sorted(str(path) for paths in found.files["train"].values() for path in paths)
    assert listed == sorted(path for path, _ in reference_set.samples)
    assert found.split_dirs["val"] == tmp_path / "valid"
    assert found.skipped == {"train": 1, "val": 0, "test": 1}


@pytest.mark.parametrize("channels, mode", [(1, "L"), (3, "RGB")])
def test_convert_writes_medmnist_format_with_reference_pixels(tmp_path, channels, mode):
    root = make_folder(tmp_path / "data")
    out = tmp_path / "out.npz"
    summary = folder.convert(folder.scan(root), size=24, channels=channels, out=out)
    arrays = load_npz(out)
    classes = ("NORMAL", "PNEUMONIA", "effusion")
    assert summary["classes"] == list(classes)
    assert summary["skipped"] == {"train": 1, "val": 0, "test": 1}
    for split, folder_name in (("train", "train"), ("val", "valid"), ("test", "test")):
        expected = [
            (root / folder_name / name / file, index)
            for index, name in enumerate(classes)
            for file, _ in sorted(
                LAYOUT[name].get(folder_name, []), key=lambda f: str(root / folder_name / name / f[0])
            )
        ]
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        assert images.dtype == np.uint8 and images.shape == (len(expected), 24, 24) + ((3,) if channels == 3 else ())
        assert labels.dtype == np.int64 and labels.tolist() == [[index] for _, index in expected]
        for row, (path, _) in enumerate(expected):
            np.testing.assert_array_equal(images[row], reference(path, 24, mode), err_msg=str(path))
        assert summary["counts"][split] == {name: len(LAYOUT[name].get(folder_name, [])) for name in classes}
    assert json.loads(str(arrays["provenance"]))["params"]["classes"] == list(classes)


def test_centre_crop_keeps_the_middle_square(tmp_path):
    """Independent of Pillow's resampling: a 56x28 image cropped to 28x28 needs no resize at size 28."""
    pixels = np.zeros((28, 56), np.uint8)
    pixels[:, 14:42] = 200
    for split in ("train", "val", "test"):
        (tmp_path / split / "a").mkdir(parents=True)
        Image.fromarray(pixels).save(tmp_path / split / "a" / "x.png")
    folder.convert(folder.scan(tmp_path), size=28, channels=1, out=tmp_path / "o.npz")
    assert (load_npz(tmp_path / "o.npz")["train_images"] == 200).all()


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path):
    pixels = np.arange(28 * 28, dtype=np.uint16).reshape(28, 28) * 5  # 0..3915, as 12-bit X-rays hold
    for split in ("train", "val", "test"):
        (tmp_path / split / "a").mkdir(parents=True)
        Image.fromarray(pixels).save(tmp_path / split / "a" / "x.png")
    assert Image.open(tmp_path / "train/a/x.png").mode.startswith("I")
    folder.convert(folder.scan(tmp_path), size=28, channels=1, out=tmp_path / "o.npz")
    expected = np.round(pixels * (255.0 / pixels.max())).astype(np.uint8)
    np.testing.assert_array_equal(load_npz(tmp_path / "o.npz")["test_images"][0], expected)


def test_structure_only_scan_lists_nothing_and_converts_all_the_same(tmp_path):
    root = make_folder(tmp_path / "data")
    quick = folder.scan(root, files=False)
    assert quick.classes == folder.scan(root).classes and quick.files == {} and quick.skipped == {}
    summary = folder.convert(quick, size=16, channels=1, out=tmp_path / "o.npz")
    assert sum(summary["counts"]["train"].values()) == 6


def expect_refusal(root, needle, files=True):
    with pytest.raises(InputError, match=re.escape(str(needle))):
        folder.scan(root, files=files)


@pytest.mark.parametrize("files", [True, False])
def test_bad_layouts_are_refused_naming_the_path(tmp_path, files):
    expect_refusal(tmp_path / "nowhere", tmp_path / "nowhere", files)
    (tmp_path / "file").write_text("x")
    expect_refusal(tmp_path / "file", f"{tmp_path / 'file'}: not a directory", files)

    root = make_folder(tmp_path / "a")
    (root / "test").rename(root / "holdout")
    expect_refusal(root, f"{root}: no test split; expected a folder 'test'", files)
    (root / "holdout").rename(root / "test")
    (root / "valid").rename(root / "dev")
    expect_refusal(root, "no val split; expected a folder 'val' or 'valid' or 'validation'", files)
    (root / "dev").rename(root / "valid")
    (root / "val").mkdir()
    expect_refusal(root, f"{root / 'val'} and {root / 'valid'} are both the val split", files)
    (root / "val").rmdir()

    (root / "test/PNEUMONIA/t.jpeg").rename(root / "test/t.jpeg")
    expect_refusal(root, f"{root / 'test/t.jpeg'}: an image directly in the test split", files)
    (root / "test/t.jpeg").rename(root / "test/PNEUMONIA/t.jpeg")

    write_image(root / "test/atelectasis/z.png", (28, 28), 0)
    expect_refusal(
        root, f"{root / 'test/atelectasis'}: class 'atelectasis' is in the test split but not in train", files
    )


def test_empty_split_no_class_folders_and_imageless_class_are_refused(tmp_path):
    root = make_folder(tmp_path / "a")
    for path in (root / "valid").rglob("*.*"):
        path.unlink()
    (root / "valid/NORMAL/notes.txt").write_text("x")
    expect_refusal(root, f"{root / 'valid'}: the val split holds no images")
    expect_refusal(root, f"{root / 'valid'}: the val split holds no images", files=False)

    root = make_folder(tmp_path / "b")
    for path in (root / "test").rglob("*.*"):
        path.unlink()
    for path in list((root / "test").iterdir()):
        path.rmdir()
    (root / "test/notes.txt").write_text("x")
    expect_refusal(root, f"{root / 'test'}: no class folders")

    root = make_folder(tmp_path / "c")
    (root / "train/effusion/f.jpeg").rename(root / "train/effusion/f.tif")
    expect_refusal(root, f"{root / 'train/effusion'}: no images (.png/.jpg/.jpeg) for class 'effusion'")


def test_hidden_files_and_folders_are_never_classes_or_images(tmp_path):
    root = make_folder(tmp_path)
    (root / "train/.ipynb_checkpoints").mkdir()
    (root / "train/NORMAL/._c.png").write_bytes(b"AppleDouble, not a PNG")
    found = folder.scan(root)
    assert found.classes == ("NORMAL", "PNEUMONIA", "effusion") and found.skipped["train"] == 2


def test_corrupt_image_is_named(tmp_path):
    root = make_folder(tmp_path / "a")
    bad = root / "test/effusion/x.png"
    bad.write_bytes(np.random.default_rng(0).bytes(500))
    with pytest.raises(InputError, match=re.escape(f"{bad}: not a readable image")):
        folder.convert(folder.scan(root), size=16, channels=1, out=tmp_path / "o.npz")
    assert not (tmp_path / "o.npz").exists()
    truncated = root / "train/NORMAL/c.png"
    truncated.write_bytes(truncated.read_bytes()[:60])
    bad.unlink()
    with pytest.raises(InputError, match=re.escape(f"{truncated}: not a readable image")):
        folder.convert(folder.scan(root), size=16, channels=1, out=tmp_path / "o.npz")


def test_mixed_grey_and_colour_images_are_refused_naming_one_of_each(tmp_path):
    root = make_folder(tmp_path / "a")
    colour = root / "test/effusion/r.jpg"
    write_image(colour, (32, 32), 1, "RGB")
    with pytest.raises(InputError, match="mixed channel counts") as err:
        folder.convert(folder.scan(root), size=16, channels=3, out=tmp_path / "o.npz")
    assert str(colour) in str(err.value) and str(root / "train/NORMAL") in str(err.value)


def test_a_decompression_bomb_is_refused_naming_it(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "a")
    write_image(root / "train/effusion/big.png", (200, 200), 0)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)  # big.png: 40000 pixels, over twice the limit
    with pytest.raises(InputError, match=re.escape(str(root / "train/effusion/big.png"))):
        folder.convert(folder.scan(root), size=16, channels=1, out=tmp_path / "o.npz")
