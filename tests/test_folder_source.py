"""The folder source on a small folder of PNG and JPEG files the test writes: layout, class order
(torchvision's ImageFolder is the reference), labels, pixels (a conversion done here with Pillow), and
each refusal naming its path."""

import json
import os
import re
import signal
import struct
import time
import unicodedata
import zlib
from pathlib import Path

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


# ---- reliability round four (issue 32) -------------------------------------------------------------
def write_uncompressed(path, seed):
    """A 28x28 grey PNG stored uncompressed: any two such files have the same byte length."""
    pixels = np.random.default_rng(seed).integers(0, 256, (28, 28), dtype=np.uint8)
    Image.fromarray(pixels).save(path, compress_level=0)


def wait_for_the_clock_to_pass(ctime_ns, probe, deadline_s: float = 10.0):
    """The kernel stamps ctime with a coarse clock (a tick of a few ms): wait until a fresh stamp is later
    than ``ctime_ns``, so a rewrite gets a ctime of its own (a wait on a condition, not a fixed sleep). A file
    system whose ctime never advances (frozen or coarse to seconds) skips the test after ``deadline_s``."""
    give_up = time.monotonic() + deadline_s
    while time.monotonic() < give_up:
        probe.write_bytes(b"")
        if probe.stat().st_ctime_ns > ctime_ns:
            return
    pytest.skip("ctime does not advance here")


def test_the_wait_for_the_clock_gives_up_where_ctime_never_advances(tmp_path):
    """A ctime stamped in the far future is never passed: the wait ends in a skip at its deadline, not a hang."""
    with pytest.raises(pytest.skip.Exception, match="ctime does not advance here"):
        wait_for_the_clock_to_pass(2**62, tmp_path / "probe", deadline_s=0.05)


def test_an_image_replaced_with_its_size_and_mtime_kept_changes_the_fingerprint(tmp_path):
    root = make_folder(tmp_path / "data")
    image = root / "test/NORMAL/s.png"
    write_uncompressed(image, 1)
    entry = {"root": str(root)}
    before, old = folder.fingerprint(entry), image.stat()
    wait_for_the_clock_to_pass(old.st_ctime_ns, tmp_path / "probe")
    write_uncompressed(image, 2)  # other pixels, the same length
    os.utime(image, ns=(old.st_atime_ns, old.st_mtime_ns))  # the old mtime put back
    new = image.stat()
    assert (new.st_size, new.st_mtime_ns) == (old.st_size, old.st_mtime_ns) and image.read_bytes() != b""
    assert folder.fingerprint(entry) != before
    assert folder.fingerprint(entry) == folder.fingerprint(entry)  # nothing changed: the same text


def test_without_a_trusted_ctime_the_fingerprint_is_the_images_content(tmp_path, monkeypatch):
    monkeypatch.setattr(folder, "ctime_is_kept", lambda stat: False)  # as on a filesystem without ctime
    root = make_folder(tmp_path / "data")
    image = root / "test/NORMAL/s.png"
    write_uncompressed(image, 1)
    entry = {"root": str(root)}
    before = folder.fingerprint(entry)
    os.utime(image, ns=(1, 1))  # time stamps alone: the same content, the same fingerprint
    assert folder.fingerprint(entry) == before
    old = image.stat()
    write_uncompressed(image, 2)
    os.utime(image, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert folder.fingerprint(entry) != before


def test_a_dangling_class_folder_link_is_refused_naming_link_and_target(tmp_path):
    root = make_folder(tmp_path / "data")
    (root / "test/atelectasis").symlink_to(tmp_path / "unmounted/atelectasis")
    for files in (True, False):
        expect_refusal(root, f"{root / 'test/atelectasis'}: a broken symbolic link to {tmp_path}/unmounted", files)


def test_an_unreadable_class_folder_is_refused_naming_it(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "data")
    locked = root / "train/effusion"
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):  # root reads any folder: make os.scandir fail as it would for a user
            real = os.scandir

            def scandir(path="."):
                if Path(path) == locked:
                    raise PermissionError(13, "Permission denied", str(path))
                return real(path)

            monkeypatch.setattr(os, "scandir", scandir)
        for files in (True, False):
            expect_refusal(root, f"{locked}: cannot be listed (Permission denied)", files)
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize("target", ["missing.png", "loop"])
def test_a_broken_image_link_is_refused_by_the_check(tmp_path, target):
    """An unfetched git-annex or DVC file is a link to data that is not there; a link to itself loops."""
    root = make_folder(tmp_path / "data")
    link = root / "train/NORMAL/annexed.png"
    link.symlink_to(link if target == "loop" else tmp_path / ".git/annex/objects" / target)
    with pytest.raises(InputError, match=re.escape(f"datasets.own.root: {link}: a broken symbolic link to")):
        folder.check("datasets.own", {"root": str(root)})
    (root / "train/NORMAL/notes.txt").unlink()
    (root / "train/NORMAL/notes.txt").symlink_to(tmp_path / "nowhere.txt")  # not an image: skipped
    link.unlink()
    assert folder.scan(root).skipped["train"] == 1


def test_a_fifo_named_like_an_image_is_refused_before_any_open(tmp_path):
    root = make_folder(tmp_path / "data")
    fifo = root / "train/NORMAL/pipe.png"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever; the scan only lists it
    for files in (True, False):
        expect_refusal(root, f"{fifo}: a FIFO (named pipe), not a regular file", files)


def test_a_fifo_swapped_in_after_the_scan_is_refused_without_blocking(tmp_path):
    root = make_folder(tmp_path / "data")
    found = folder.scan(root)
    fifo = root / "train/NORMAL/c.png"
    fifo.unlink()
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a writer that never writes: any read would block

    def stuck(signum, frame):
        raise TimeoutError("the conversion blocked on a FIFO")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(60)  # a fail-safe so the test never hangs; the refusal comes before any read
    try:
        with pytest.raises(InputError, match=re.escape(f"{fifo}: a FIFO (named pipe), not a regular file")):
            folder.convert(found, size=16, channels=1, out=tmp_path / "o.npz")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.close(writer)


def png_header_only(path, width, height):
    """A PNG whose header says width x height 16-bit grey but that holds no pixel data: decoding it fails."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"") + chunk(b"IEND", b""))


def test_an_image_of_too_many_pixels_is_refused_from_its_header(tmp_path):
    root = make_folder(tmp_path / "data")
    big = root / "train/effusion/big.png"
    png_header_only(big, 9000, 8000)  # 72 Mpixel, under Pillow's bomb warning (89 Mpixel)
    assert 9000 * 8000 > folder.MAX_PIXELS
    with pytest.raises(InputError, match=re.escape(f"{big}: 9000x8000 pixels (72 Mpixel); at most")):
        folder.convert(folder.scan(root), size=16, channels=1, out=tmp_path / "o.npz")


@pytest.mark.parametrize("dtype", [np.uint16, np.int32])
def test_wide_grey_is_scaled_as_the_whole_image_float64_formula_scales_it(tmp_path, monkeypatch, dtype):
    """Scaled in bands of rows (here bands of 3 rows, so several bands), the values of the documented
    formula computed on the whole image in float64."""
    from cxrcontrast.data.imagefolder import pixels as imagepixels

    monkeypatch.setattr(imagepixels, "BAND_PIXELS", 3 * 37)
    rng = np.random.default_rng(5)
    pixels = rng.integers(1000, 4096 if dtype == np.uint16 else 70000, (29, 37)).astype(dtype)
    image = Image.fromarray(pixels)
    assert image.mode == ("I;16" if dtype == np.uint16 else "I")
    values = pixels.astype(np.float64)
    expected = np.round((values - values.min()) * (255.0 / np.ptp(values))).astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(imagepixels.scaled_to_8_bits(image)), expected)
    flat = Image.fromarray(np.full((4, 4), 700, np.uint16))
    np.testing.assert_array_equal(np.asarray(imagepixels.scaled_to_8_bits(flat)), np.zeros((4, 4), np.uint8))


def test_a_grey_palette_png_is_grey(tmp_path):
    root = make_folder(tmp_path / "data")
    levels = np.arange(256, dtype=np.uint8)[::-1]  # palette entry i is grey level 255 - i
    indices = np.random.default_rng(3).integers(0, 256, (30, 30), dtype=np.uint8)
    palette = Image.fromarray(indices, "P")
    palette.putpalette(np.repeat(levels, 3).tolist())
    path = root / "test/effusion/r.jpg"
    path.unlink()
    palette.save(path.with_suffix(".png"))
    assert Image.open(path.with_suffix(".png")).mode == "P"
    folder.convert(folder.scan(root), size=30, channels=1, out=tmp_path / "o.npz")
    np.testing.assert_array_equal(load_npz(tmp_path / "o.npz")["test_images"][-1], levels[indices])

    palette.putpalette([0, 0, 0, 255, 0, 0] + [128] * 762)  # entry 1 is red: a colour image
    palette.save(path.with_suffix(".png"))
    with pytest.raises(InputError, match=re.escape(f"{path.with_suffix('.png')} is colour (mode P)")):
        folder.convert(folder.scan(root), size=30, channels=1, out=tmp_path / "o.npz")


def test_class_names_are_nfc_whatever_form_the_folders_are_written_in(tmp_path):
    nfc, nfd = unicodedata.normalize("NFC", "Pneumonié"), unicodedata.normalize("NFD", "Pneumonié")
    assert nfc != nfd
    root = make_folder(tmp_path / "data")
    for split, form in (("train", nfc), ("valid", nfd), ("test", nfd)):
        write_image(root / split / form / "x.png", (28, 28), 7)
    found = folder.scan(root)
    assert found.classes == ("NORMAL", "PNEUMONIA", nfc, "effusion")
    assert found.files["test"][nfc] == [root / "test" / nfd / "x.png"]
    summary = folder.convert(found, size=16, channels=1, out=tmp_path / "o.npz")
    assert summary["counts"]["test"][nfc] == 1 and summary["classes"][2] == nfc

    write_image(root / "train" / nfd / "y.png", (28, 28), 8)  # both forms in one split: which is meant?
    expect_refusal(root, "the same class name 'Pneumonié' written in two Unicode forms")
