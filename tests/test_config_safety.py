"""Config layers are data, never code; what a user names reaches the report as text; each hostile layer,
data file or history is refused in one line naming the file (and key, line or member)."""

import csv
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest
import yaml
from conftest import REPO, SCHEMA, config, run_config, snakemake, workflow_copy

from cxrcontrast.config import load_layers, read_yaml
from cxrcontrast.errors import InputError

YTE = '__use_yte__: true\nseeds:\n  - ?__import__("pathlib").Path("PWNED").write_text("ran") and 0\n'
HOSTILE_NAME = "y.yaml\n\n.. raw:: html\n\n   <img src=x onerror=alert(2)>\n\n.. include:: secret.txt\n\nz.yaml"
SECRET = "TOP-SECRET-TEXT-0451"


def front_door(work, *args):
    return subprocess.run([sys.executable, "-m", "cxrcontrast", *args], cwd=work, capture_output=True, text=True)


# ---- 1. a config layer runs Python (YTE) ------------------------------------------------------------
@pytest.mark.workflow
def test_the_front_door_refuses_a_yte_layer_before_snakemake_loads_it(tmp_path):
    work = workflow_copy(tmp_path)
    (work / "yte.yaml").write_text(YTE)
    layers = ["--configfile", "config/config.yaml", "config/demo.yaml", "yte.yaml"]
    ran = front_door(work, "run", "-n", *layers)
    assert ran.returncode != 0 and not (work / "PWNED").exists(), ran.stdout + ran.stderr
    line = ran.stderr.strip()
    assert "yte.yaml" in line and "__use_yte__" in line and len(line.splitlines()) == 1, line
    checked = front_door(work, "check", *layers)
    assert checked.returncode != 0 and checked.stderr == ran.stderr  # check and run say the same
    assert not (work / "PWNED").exists()


BAD_LAYERS = {
    "yte.yaml": YTE,
    "empty.yaml": "# nothing set here\n",
    "dup.yaml": "seeds: [0]\nseeds: [1]\n",
    "octal.yaml": "seeds: [010]\n",
    "unknown.yaml": "augment:\n  rotaton_deg: 5\n",
}


@pytest.mark.workflow
def test_check_and_run_agree(tmp_path):
    """The front door refuses exactly what `check` refuses (same line), and hands a good config to Snakemake
    with the same arguments."""
    work = workflow_copy(tmp_path)
    for name, text in BAD_LAYERS.items():
        (work / name).write_text(text)
        layers = ["--configfile", "config/config.yaml", "config/demo.yaml", name]
        checked, ran = front_door(work, "check", *layers), front_door(work, "run", "-n", *layers)
        assert checked.returncode == ran.returncode == 1, (name, checked.stderr, ran.stderr)
        assert checked.stderr == ran.stderr and name in ran.stderr, (name, ran.stderr)
    ran = front_door(work, "run", "-n", "--quiet", "all", "--configfile", "config/config.yaml", "config/demo.yaml")
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "81" in ran.stdout + ran.stderr  # Snakemake's dry run of the demo: its job count
    assert not (work / "results").exists()


def test_make_and_the_readme_run_through_the_front_door():
    """Every documented command that gives Snakemake config layers goes through `cxrcontrast run`."""
    for path in (REPO / "Makefile", REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))):
        for line in path.read_text().splitlines():
            if "--configfile" in line and "snakemake" in line.lower().split("#")[0]:
                assert "cxrcontrast run" in line or "Snakemake" in line, f"{path.name}: {line}"
    make = (REPO / "Makefile").read_text()
    assert "RUN     = $(BIN)/python -m cxrcontrast run\n" in make
    for target in ("demo", "report", "lint", "rulegraph"):
        recipe = make.split(f"\n{target}: ")[1].split("\n\n")[0]
        assert "$(RUN) " in recipe and "/snakemake" not in recipe, recipe
    assert "config layer given straight to Snakemake is code" in (REPO / "README.md").read_text()
    assert "config layer given straight to Snakemake is code" in (REPO / "docs/safety.md").read_text()


# ---- 2. script and local files in the HTML report ---------------------------------------------------
def landing_html(facts: dict) -> str:
    """workflow.rst rendered as Snakemake renders it (Jinja, then docutils with its default settings)."""
    from docutils.core import publish_parts
    from jinja2 import Environment

    class Snakemake:
        config = {"_report": facts}

    text = Environment(trim_blocks=True, lstrip_blocks=True).from_string(
        (REPO / "workflow/report/workflow.rst").read_text()
    )
    rst = text.render(snakemake=Snakemake)
    return publish_parts(rst, writer="html")["html_body"]


def test_a_hostile_layer_name_and_npz_path_reach_the_landing_text_as_text(tmp_path, monkeypatch):
    from cxrcontrast.config import fidelity_rows, report_facts

    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.txt").write_text(SECRET)
    npz = tmp_path / HOSTILE_NAME.replace("y.yaml", "d.npz")
    npz.write_bytes(b"PK\x03\x04 not read here")
    run = run_config("config.yaml", datasets={"chestmnist": {"source": "npz", "npz": str(npz)}})
    facts = report_facts(
        run, ["config/config.yaml", HOSTILE_NAME], fidelity_rows(run, SCHEMA, REPO / "config/paper_code.yaml")
    )
    html = landing_html(facts)
    assert "<img" not in html, html
    assert SECRET not in html
    assert "Config layers:" in html and "onerror=alert(2)&gt;" in html  # shown, as text
    assert html.count("onerror=alert(2)&gt;") == 2  # the layer name and the npz path, both literal


# ---- 7, 8, 6: data files and histories ---------------------------------------------------------------
def test_an_npz_whose_members_are_not_arrays_is_one_line(tmp_path):
    from cxrcontrast.files import load_npz

    path = tmp_path / "raw.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("train_images.txt", "not an array")
    with pytest.raises(InputError) as err:
        load_npz(path)
    assert str(err.value).startswith(f"{path}: member 'train_images.txt' is not a NumPy array"), err.value
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("train_images.npy", b"\x93NUMPY garbage")
    with pytest.raises(InputError) as err:
        load_npz(path)
    assert "member 'train_images.npy'" in str(err.value) and "\n" not in str(err.value), err.value


HISTORY = ["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "val_balanced_accuracy"]


def write_history(path, rows: int) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HISTORY)
        for epoch in range(1, rows + 1):
            writer.writerow([epoch, 1.5, 1.6, 0.4, 0.3, 0.2])


def test_a_history_cut_mid_row_is_one_line_naming_it(tmp_path):
    from cxrcontrast.figures.experiment import training_curves

    path = tmp_path / "history.csv"
    write_history(path, 3)
    path.write_text(path.read_text()[:-12])  # cut inside the last row
    with pytest.raises(InputError) as err:
        training_curves(str(path), "t", str(tmp_path / "curves.png"))
    assert str(err.value).startswith(f"{path}: ") and "cut" in str(err.value) and "\n" not in str(err.value)


def test_a_history_cut_to_its_header_is_warned_about_in_log_and_figure(tmp_path, caplog, monkeypatch):
    from cxrcontrast.figures import experiment

    shown = []
    monkeypatch.setattr(experiment, "save_figure", lambda fig, out, **kw: shown.append(fig))
    path = tmp_path / "history.csv"
    write_history(path, 0)
    experiment.training_curves(str(path), "t", str(tmp_path / "curves.png"))
    assert f"{path}: no epochs recorded" in caplog.text
    texts = [t.get_text() for ax in shown[0].axes for t in ax.texts]
    assert any("no epochs recorded" in t for t in texts), texts


# ---- 9-16: the config alone ----------------------------------------------------------------------------
EXP = {"encoder": "minivgg", "pretrain": "none", "trainset": "train"}
PARSE_TIME = [
    ({"experiments": [{**EXP, "labels": [1.0e-300]}]}, "experiments[0].labels: 1e-300 is below 1e-06"),
    ({"experiments": [{**EXP, "labels": [0.123456789012345]}]}, "experiments[0].labels: 0.123456789012345 is written"),
    (
        {"datasets": {"chestmnist": {"source": "medmnist", "flag": "fakemnist"}}},
        "datasets.chestmnist.flag: 'fakemnist' is not a 2D MedMNIST flag; expected one of",
    ),
    ({"encoders": {"efficientnet_b0": {"weights": "none "}}}, "encoders.efficientnet_b0.weights: 'none ' is"),
    ({"encoders": {"efficientnet_b0": {"weights": "nothere.pt"}}}, "encoders.efficientnet_b0.weights: 'nothere.pt'"),
]


@pytest.mark.parametrize("layer, message", PARSE_TIME, ids=[m[:40] for _, m in PARSE_TIME])
def test_values_the_config_alone_shows_wrong_are_refused(layer, message, monkeypatch):
    monkeypatch.chdir(REPO)
    with pytest.raises(InputError) as err:
        config("config.yaml", **layer)
    assert message in str(err.value), err.value
    if "weights" in message:
        assert "none, imagenet or the path of" in str(err.value)


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):
        levels.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(levels) + "\n")
    assert len(path.read_bytes()) < 700  # the 622 bytes
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_yaml(path)
    assert time.perf_counter() - start < 2
    assert str(err.value).startswith(f"{path}: ") and "aliases" in str(err.value), err.value
    (tmp_path / "loop.yaml").write_text("a: &a [*a]\n")
    with pytest.raises(InputError, match="loop.yaml: .*refers to itself"):
        read_yaml(tmp_path / "loop.yaml")


def test_a_schema_error_names_layer_key_path_and_allowed_keys_in_one_line(tmp_path):
    layer = tmp_path / "typo.yaml"
    layer.write_text("base: &b {epochs: 3, lrr: 0.1}\npretrain:\n  normal: *b\n")
    with pytest.raises(InputError) as err:
        load_layers([REPO / "config/config.yaml", layer], SCHEMA)
    line = str(err.value)
    assert "\n" not in line and len(line) < 1000, line
    assert line.startswith(f"{layer}: ") and "'base' was unexpected" in line and "allowed keys: " in line, line
    layer.write_text("pretrain:\n  normal: {epochs: 3, lrr: 0.1}\n")
    with pytest.raises(InputError) as err:
        load_layers([REPO / "config/config.yaml", layer], SCHEMA)
    line = str(err.value)
    assert line.startswith(f"{layer}: pretrain.normal.lrr: ") and "'lrr' was unexpected" in line, line
    assert "batch_size" in line.split("allowed keys: ")[1] and "\n" not in line


def test_chestmnist_labels_of_shape_n_quote_that_shape(tmp_path):
    from conftest import write_medmnist

    from cxrcontrast.data.medmnist_format import load_splits

    arrays = write_medmnist(tmp_path / "raw.npz")
    arrays["train_labels"] = arrays["train_labels"][:, 0]
    np.savez(tmp_path / "raw.npz", **arrays)
    with pytest.raises(InputError) as err:
        load_splits(tmp_path / "raw.npz", "chestmnist")
    assert "train_labels has shape (40,); expected (N, 14)" in str(err.value), err.value


def test_an_empty_layer_is_refused_by_check_as_by_snakemake(tmp_path):
    work = workflow_copy(tmp_path)
    (work / "empty.yaml").write_text("# only a comment\n")
    with pytest.raises(InputError, match="empty.yaml: empty config layer"):
        read_yaml(work / "empty.yaml")
    proc = snakemake(work, "-n", "--configfile", "config/config.yaml", "empty.yaml", check=False)
    assert proc.returncode != 0  # Snakemake refuses it as well (a layer must be a mapping)
    (work / "braces.yaml").write_text("{}\n")
    assert read_yaml(work / "braces.yaml") == {}  # both accept an explicit empty mapping


@pytest.mark.parametrize(
    "text, message",
    [
        ("seeds: [0]\nepochs: 1\nseeds: [1]\n", "line 3, column 1: duplicate key 'seeds' (first on line 1)"),
        ("data:\n  size: 28\n  size: 64\n", "line 3, column 3: duplicate key 'size' (first on line 2)"),
        ("seeds: [010]\n", "line 1, column 9: 010 is ambiguous"),
        ("seeds: [-007]\n", "-007 is ambiguous"),
        ("seeds: [1:30]\n", "1:30 is ambiguous"),
    ],
)
def test_duplicate_keys_and_leading_zeros_are_refused(tmp_path, text, message):
    (tmp_path / "l.yaml").write_text(text)
    with pytest.raises(InputError) as err:
        read_yaml(tmp_path / "l.yaml")
    assert str(err.value).startswith(f"{tmp_path / 'l.yaml'}: ") and message in str(err.value), err.value


def test_merge_keys_and_plain_numbers_still_load(tmp_path):
    (tmp_path / "ok.yaml").write_text("b: &b {epochs: 3, lr: 0.1}\nc:\n  <<: *b\n  epochs: 4\nseeds: [0, 10, 1_000]\n")
    assert read_yaml(tmp_path / "ok.yaml") == {
        "b": {"epochs": 3, "lr": 0.1},
        "c": {"epochs": 4, "lr": 0.1},
        "seeds": [0, 10, 1000],
    }
    assert yaml.safe_load((REPO / "config/config.yaml").read_text()) == read_yaml(REPO / "config/config.yaml")


def test_a_csv_cell_that_starts_like_a_formula_is_neutralised(tmp_path):
    """OWASP's CSV-injection advice: a text cell (or header) starting with = + - @ tab or CR gets a leading
    single quote, so a spreadsheet shows it and runs nothing; numbers and numeric text read back as they were."""
    from cxrcontrast.files import save_csv

    hostile = {
        '=HYPERLINK("http://x","y")': '\'=HYPERLINK("http://x","y")',
        "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
        "-2+3": "'-2+3",
        "@SUM(A1:A9)": "'@SUM(A1:A9)",
        "\t=1+1": "'\t=1+1",
        "\r=1+1": "'\r=1+1",
        "Effusion": "Effusion",
        "-0.5": "-0.5",
        "a=b": "a=b",
    }
    rows = [{"class": name, "value": -0.25} for name in hostile]
    save_csv(tmp_path / "t.csv", rows, columns=["class", "value"])
    save_csv(tmp_path / "h.csv", [{"=cmd": 1}])
    with open(tmp_path / "t.csv", newline="") as fh:
        back = list(csv.DictReader(fh))
    assert [r["class"] for r in back] == list(hostile.values())
    assert {r["value"] for r in back} == {"-0.25"}
    assert (tmp_path / "h.csv").read_text().splitlines() == ["'=cmd", "1"]
