"""The plan printed before a run (``python -m cxrcontrast check`` and ``run``): its jobs per rule against
Snakemake's own dry run, its projections against the arithmetic on a small table; the own-data presets and
``python -m cxrcontrast own``; the one warning when a folder's images are shrunk."""

import logging
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, SCHEMA, run_config, workflow_copy, write_medmnist
from PIL import Image

from cxrcontrast.config import load_layers
from cxrcontrast.cost.data_sizes import DataSize
from cxrcontrast.cost.jobs import Job, grid_jobs, jobs_per_rule
from cxrcontrast.cost.projection import ThroughputTable, plan
from cxrcontrast.data.imagefolder.layout import scan
from cxrcontrast.data.imagefolder.pixels import convert
from cxrcontrast.own_data import LAYER, own_arguments

TABLE = {
    "machine": "a test table",
    "device": "cpu",
    "rows": [
        {"encoder": "minivgg", "image_size": 32, "train_images_per_s": 1000.0, "infer_images_per_s": 4000.0,
         "checkpoint_bytes": 500},
    ],
}  # fmt: skip


def stats_of_dry_run(said: str) -> dict[str, int]:
    """Snakemake's job stats (rule, count; no indent) from a dry run's output."""
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", said, re.M) if m[1] != "total"}


def rows_of_plan(said: str) -> dict[str, int]:
    """The printed plan's rows (indented: rule, jobs, hours)."""
    return {m[1]: int(m[2]) for m in re.finditer(r"^  (\w+)\s+(\d+)\s+(?:[\d.]+|-)$", said, re.M) if m[1] != "total"}


@pytest.mark.workflow
@pytest.mark.parametrize("layers", [["config/config.yaml"], ["config/config.yaml", "config/demo.yaml"]])
def test_the_printed_plan_has_the_jobs_of_a_dry_run_per_rule(tmp_path, layers):
    """Reference: Snakemake's own job stats of a dry run on a fresh folder, run through the front door, which
    prints the plan before Snakemake starts."""
    work = workflow_copy(tmp_path)
    args = ["run", "-n", "--quiet", "rules", "--configfile", *layers]
    proc = subprocess.run([sys.executable, "-m", "cxrcontrast", *args], cwd=work, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    planned = rows_of_plan(proc.stderr)
    assert planned == stats_of_dry_run(proc.stdout + proc.stderr) != {}
    assert planned == jobs_per_rule(grid_jobs(run_config(*(name.removeprefix("config/") for name in layers))))


def test_the_projection_is_images_over_the_measured_rate():
    table = ThroughputTable(TABLE)
    jobs = [
        Job("pretrain", "minivgg", 32, train_images=3_600_000, infer_images=720_000, disk_bytes=10),
        Job("evaluate", "minivgg", 32, infer_images=1_440_000, disk_bytes=7),
        Job("prune", disk_bytes=1000),
    ]
    p = plan(jobs, table)
    assert p.jobs == {"prune": 1, "pretrain": 1, "evaluate": 1}
    assert p.hours["pretrain"] == pytest.approx(3_600_000 / 1000 / 3600 + 720_000 / 4000 / 3600)  # 1.05
    assert p.hours["evaluate"] == pytest.approx(0.1) and p.hours["prune"] == 0
    assert p.disk_bytes == 10 + 500 + 7 + 1000  # one copy of a model: its output is a hard link to the store's
    # a size the table lacks: the nearest measured one, its rate scaled by the pixels (64 px: a quarter)
    assert table.hours(Job("classify", "minivgg", 64, train_images=900_000)) == pytest.approx(1.0)


def test_the_own_folder_preset_loads_and_validates_with_a_folder(tmp_path, monkeypatch):
    work = workflow_copy(tmp_path)
    images = tmp_path / "xrays"
    for split in ("train", "val", "test"):
        for label in ("NORMAL", "PNEUMONIA"):
            (images / split / label).mkdir(parents=True)
            Image.fromarray(np.zeros((300, 200), np.uint8)).save(images / split / label / "a.png")
    monkeypatch.chdir(work)
    args = own_arguments([str(images), "-n", "--cores", "2", "all"])
    assert args[:4] == ["-n", "--cores", "2", "all"] and args[-1] == LAYER  # a target is not read as a layer
    layers = args[args.index("--configfile") + 1 : args.index(LAYER) + 1]
    run = load_layers(layers, SCHEMA)
    assert list(run.datasets) == ["own"] and run.seeds == (0, 1, 2)
    own = run.on("own")
    assert own.data == {"source": "folder", "root": str(images), "size": 64, "image_size": 64, "channels": 1}
    assert {(e.pretrain, e.labels) for e in own.experiments} == {
        (p, f) for p in ("none", "supcon", "simclr", "normal") for f in (1.0, 0.1, 0.01)
    }
    assert {e.encoder for e in own.experiments} == {"minivgg"} and not own.official_jobs
    assert jobs_per_rule(grid_jobs(run))["classify"] == 36
    assert load_layers(layers, SCHEMA, None).on("own").data["size"] == 64
    again = own_arguments([str(images), "--size", "128"])
    assert load_layers(again[1:], SCHEMA).on("own").data["image_size"] == 128


def test_own_keeps_the_users_layers_between_the_preset_and_the_path(tmp_path, monkeypatch):
    """A --configfile among Snakemake's arguments was dropped by the preset's (Snakemake keeps the last option):
    own takes it, applies it over the preset, and the path's layer stays last."""
    work = workflow_copy(tmp_path)
    images = tmp_path / "xrays"
    for split in ("train", "val", "test"):
        (images / split / "NORMAL").mkdir(parents=True)
        Image.fromarray(np.zeros((64, 64), np.uint8)).save(images / split / "NORMAL/a.png")
    (work / "tiny.yaml").write_text("seeds: [0]\npretrain:\n  supcon: {epochs: 1}\ndatasets: {other: {source: demo}}\n")
    monkeypatch.chdir(work)
    args = own_arguments([str(images), "--configfile", "tiny.yaml", "--cores", "2"])
    assert args.count("--configfile") == 1  # one option: Snakemake reads every layer
    assert args[args.index("--configfile") + 1 :] == [
        "config/config.yaml",
        "config/own_folder.yaml",
        "tiny.yaml",
        LAYER,
    ]
    run = load_layers(args[args.index("--configfile") + 1 :], SCHEMA)
    assert run.seeds == (0,) and run.settings["pretrain"]["supcon"]["epochs"] == 1  # the user's layer applied
    assert list(run.datasets) == ["own"] and run.on("own").data["root"] == str(images)  # the path's layer last


def test_the_own_npz_preset_takes_the_files_side(tmp_path, monkeypatch):
    work = workflow_copy(tmp_path)
    write_medmnist(tmp_path / "mine.npz", size=28)
    monkeypatch.chdir(work)
    args = own_arguments([str(tmp_path / "mine.npz")])
    own = load_layers(args[1:], SCHEMA).on("own")
    assert (own.data["size"], own.data["image_size"], own.flag) == (28, 32, "chestmnist")  # 28 px: input 32
    assert own.official_jobs  # a flag's file: its official task runs too


def test_a_path_that_is_neither_folder_nor_npz_is_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    proc = subprocess.run(
        [sys.executable, "-m", "cxrcontrast", "own", str(tmp_path / "notes.txt")],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "notes.txt: neither a folder" in proc.stderr


def test_shrinking_a_folders_images_logs_one_warning(tmp_path, caplog):
    for split in ("train", "val", "test"):
        for i, side in enumerate((100, 120, 40)):
            path = tmp_path / split / "NORMAL" / f"{i}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.zeros((side, side + 10), np.uint8)).save(path)
    with caplog.at_level(logging.WARNING):
        convert(scan(tmp_path), 64, 1, tmp_path / "raw.npz")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "6 of 9 images" in warnings[0] and "up to 120 px" in warnings[0] and "size" in warnings[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        convert(scan(tmp_path), 128, 1, tmp_path / "raw.npz")  # none larger: nothing said
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


def test_the_plan_of_a_folder_counts_its_images(tmp_path):
    sizes = {"own": DataSize({"train": 700, "val": 100, "test": 200}, 64)}
    entry = {"source": "folder", "root": str(tmp_path), "size": 64, "image_size": 64}
    for split in ("train", "val", "test"):
        (tmp_path / split / "NORMAL").mkdir(parents=True)
        Image.fromarray(np.zeros((64, 64), np.uint8)).save(tmp_path / split / "NORMAL/a.png")
    layers = [REPO / "config/config.yaml", REPO / "config/own_folder.yaml"]
    run = load_layers(layers, SCHEMA, {"datasets": {"own": entry}})
    pretrain = [j for j in grid_jobs(run, sizes) if j.rule == "pretrain"]
    # normal triplets: 3 images a sample; SupCon and SimCLR: 2 views; every epoch of every seed
    epochs = {o: run.on("own").objective("minivgg", o)["epochs"] for o in ("normal", "supcon", "simclr")}
    assert sorted(j.train_images for j in pretrain) == sorted(
        [3 * 700 * epochs["normal"]] * 3 + [2 * 700 * epochs["supcon"]] * 3 + [2 * 700 * epochs["simclr"]] * 3
    )


def test_an_encoder_the_table_has_not_measured_is_counted_and_named_not_projected():
    """A ResNet job before its throughput row exists: counted in its rule, left out of hours and disk, named."""
    from cxrcontrast.cost.projection import plan_text

    jobs = [
        Job("pretrain", "minivgg", 32, train_images=3_600_000, disk_bytes=10),
        Job("pretrain", "resnet18", 32, train_images=3_600_000, disk_bytes=10),
    ]
    p = plan(jobs, ThroughputTable(TABLE))
    assert p.jobs == {"pretrain": 2} and p.unmeasured == ("resnet18",)
    assert p.hours["pretrain"] == pytest.approx(1.0) and p.disk_bytes == 10 + 500
    assert "not projected (no row in throughput.json): the jobs of resnet18" in plan_text(p)


def test_an_encoder_that_pads_to_224_costs_the_same_at_every_smaller_size():
    """DenseNet-121 and ViT-B/16 zero-pad every smaller input to 224 px (MedMNIST+): their one row at 224 px
    projects a 28-px job at the same rate, not 64 times faster; above 224 px the pixels scale as for any encoder."""
    row = {"encoder": "densenet121", "image_size": 224, "train_images_per_s": 5.0, "infer_images_per_s": 20.0,
           "checkpoint_bytes": 7, "pads_to": 224}  # fmt: skip
    table = ThroughputTable({"machine": "a test table", "device": "cpu", "rows": [row]})
    for side in (28, 64, 128):
        assert (table.at("densenet121", side).train_images_per_s, table.at("densenet121", side).infer_images_per_s) == (
            5.0,
            20.0,
        )
    assert table.at("densenet121", 448).train_images_per_s == pytest.approx(5.0 / 4)
    assert table.hours(Job("classify", "densenet121", 28, train_images=18_000)) == pytest.approx(1.0)


def test_the_shipped_table_projects_every_encoder_of_the_registry():
    """Every encoder the config accepts has measured rows at the sizes MedMNIST publishes (28, 64, 128, 224 px;
    the padded ones at 224), with peak memory, so no plan says "not projected"; the demo's ResNet rows included."""
    from cxrcontrast.models import ENCODERS

    table = ThroughputTable.shipped()
    measured = {(row.encoder, row.image_size) for row in table.rows}
    for encoder in ENCODERS:
        rows = [row for row in table.rows if row.encoder == encoder]
        assert rows, f"no throughput row for {encoder}"
        sides = (224,) if rows[0].pads_to else (28, 32, 64, 128) if encoder == "minivgg" else (28, 32, 64, 128, 224)
        assert {(encoder, s) for s in sides} <= measured
        assert all(r.train_peak_mb > 0 and r.train_batch > 0 and r.checkpoint_bytes > 0 for r in rows)
    assert not plan(grid_jobs(run_config("config.yaml", "demo.yaml")), table).unmeasured


@pytest.mark.parametrize(("encoder", "size"), [("minivgg", 32), ("minivgg", 64), ("minivgg", 48), ("resnet18", 64)])
def test_a_classifiers_projected_bytes_are_those_torch_saves(tmp_path, encoder, size):
    """The plan's bytes of a classify checkpoint (one copy) against a real classifier built and saved as the jobs do:
    at 64 px a mini-VGG's head on 4,096 features, not its 24k-parameter encoder, makes the file (48 px: a size
    the table lacks, its features scaled from the nearest row)."""
    import io

    import torch

    from cxrcontrast.cost import jobs, projection
    from cxrcontrast.models.build import build_classifier

    torch.set_num_threads(1)
    run = run_config("config.yaml")
    head = run.settings["encoders"][encoder]["head"]
    model = build_classifier(encoder, size, {"xavier": True}, head, jobs.HEAD_OUTPUTS, 0, softmax_output=False)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    job = Job("classify", encoder, size, head=(*head["hidden"], jobs.HEAD_OUTPUTS))
    projected = ThroughputTable.shipped().disk_bytes(job) / jobs.CHECKPOINT_COPIES
    assert projected == pytest.approx(buffer.tell(), rel=0.05)
    assert projection.head_parameters(ThroughputTable.shipped().at(encoder, size), job.head) == sum(
        p.numel() for p in model.head.parameters()
    )
