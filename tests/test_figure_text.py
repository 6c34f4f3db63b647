"""What a user named (a class folder, a dataset, a file) is drawn in every figure as written: a '$' is a dollar
sign, not mathtext that fails to parse; a CJK name takes its glyphs from an installed CJK font; a name no
installed font can draw is named in the log."""

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib import cbook
from matplotlib.text import Text

from cxrcontrast.data.augment import AugmentParams
from cxrcontrast.figures import augmentation, datasets, embeddings, experiment, style

# mathtext would stop at the unknown command (ValueError) and kill the figure job after training
DOLLARS = r"cost $\notacommand{x}$ per case"
NAMES = ["Normal", DOLLARS, "Hernia"]
SRC = str(Path(__file__).resolve().parents[1] / "src")


def captured(monkeypatch, module) -> list:
    """Make ``module`` save its figures as always, keeping each figure to read its texts after."""
    figures = []

    def keep(fig, path, **kwargs):
        figures.append(fig)
        style.save_figure(fig, path, **kwargs)

    monkeypatch.setattr(module, "save_figure", keep)
    return figures


def texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text()]


def drawn_literally(text: Text) -> bool:
    """matplotlib draws a text as mathtext when its parse_math is on and it holds a pair of unescaped '$'."""
    return not (text.get_parse_math() and cbook.is_math_text(text.get_text()))


def figures_with(names, tmp_path, monkeypatch) -> dict:
    """Every figure a class name reaches, drawn with ``names``: {figure: its texts}."""
    k = len(names)
    drawn = {}
    rng = np.random.default_rng(0)
    labels = np.arange(12) % k

    figures = captured(monkeypatch, augmentation)
    params = AugmentParams(32, 28, 10.0, 0.1, False, (0.08, 1.0), (0.75, 1.33))
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    augmentation.plot_examples(images, labels, names, str(tmp_path / "examples.png"), 28, params, seed=0, views=1)
    drawn["examples"] = texts(figures[-1])

    figures = captured(monkeypatch, experiment)
    experiment.confusion(rng.integers(1, 9, (k, k)), names, "VGG baseline, seed 0", str(tmp_path / "confusion.png"))
    drawn["confusion"] = texts(figures[-1])
    experiment.auc_bars([0.6] * k, names, "VGG baseline, seed 0", str(tmp_path / "auc.png"))
    drawn["auc"] = texts(figures[-1])

    figures = captured(monkeypatch, embeddings)
    xy = rng.normal(size=(12, 2))
    embeddings.tsne_panels([("h", xy, labels)], names, "t-SNE", str(tmp_path / "tsne.png"))
    drawn["tsne"] = texts(figures[-1])
    return drawn


def test_a_dollar_in_a_class_name_is_drawn_as_written(tmp_path, monkeypatch):
    drawn = figures_with(NAMES, tmp_path, monkeypatch)
    for figure, found in drawn.items():
        strings = [t.get_text() for t in found]
        if figure == "tsne":  # its legend: the name and the count of its points
            assert f"{DOLLARS} (4)" in strings, figure
        else:  # a panel title, a tick label, the name itself
            assert DOLLARS in strings, figure
        assert all(drawn_literally(t) for t in found), figure
        assert (tmp_path / f"{figure}.png").read_bytes()[:4] == b"\x89PNG"


def test_a_dollar_in_a_file_or_dataset_name_is_drawn_as_written(tmp_path, monkeypatch):
    """A history file's path (written on the curves when it holds no epoch) and a dataset's name (the forest
    plot's rows; the schema admits [a-z0-9_] only, the figure draws anything literally all the same)."""
    folder = tmp_path / "$x^2$"
    folder.mkdir()
    history = folder / "history.csv"
    history.write_text(",".join(experiment.CLASSIFY_COLUMNS) + "\n")
    figures = captured(monkeypatch, experiment)
    experiment.training_curves(str(history), DOLLARS, str(tmp_path / "curves.png"))
    found = texts(figures[-1])
    assert DOLLARS in [t.get_text() for t in found] and any(str(history) in t.get_text() for t in found)
    assert all(drawn_literally(t) for t in found)

    from test_datasets_summary import HAND_ROW

    figures = captured(monkeypatch, datasets)
    labels = datasets.forest_plot([{**HAND_ROW, "dataset": DOLLARS}], str(tmp_path / "forest.png"))
    assert labels == [f"{DOLLARS} 64 px · VGG simclr pretrain, 10% labels"]
    found = texts(figures[-1])
    assert labels[0] in [t.get_text() for t in found] and all(drawn_literally(t) for t in found)


# A character of Unicode's last private use plane: no font draws it, here or on any machine.
NO_FONT = "Hernia \U0010fffd"


def test_a_name_no_font_draws_is_named_in_the_log(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="cxrcontrast.figures.style"):
        experiment.auc_bars([0.6, 0.7], ["Normal", "Hernia"], "t", str(tmp_path / "plain.png"))
    assert not caplog.records  # every character of an ordinary name has its glyph
    with caplog.at_level(logging.WARNING, logger="cxrcontrast.figures.style"):
        experiment.auc_bars([0.6, 0.7], ["Normal", NO_FONT], "t", str(tmp_path / "boxes.png"))
    (record,) = caplog.records
    message = record.getMessage()
    assert message.startswith(f"{tmp_path / 'boxes.png'}: no installed font")
    assert f"{NO_FONT!r} (U+10FFFD)" in message and "'Normal'" not in message


def test_an_installed_cjk_font_draws_a_cjk_name(tmp_path):
    """With the fonts of this machine: skipped where none covers CJK (the next test brings its own)."""
    if not style.cjk_families():
        pytest.skip("no CJK font installed here")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")  # matplotlib's word for a box
        experiment.auc_bars([0.6, 0.7], ["Normal", "肺結節 폐결절"], "t", str(tmp_path / "cjk.png"))


def han_font(path: Path) -> None:
    """A TrueType font of one glyph, U+4E2D (中), family "CXR Test Han": a CJK font any machine has in a test."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def square():
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0))
        pen.lineTo((100, 800))
        pen.lineTo((900, 800))
        pen.lineTo((900, 0))
        pen.closePath()
        return pen.glyph()

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "uni4E2D"])
    fb.setupCharacterMap({0x4E2D: "uni4E2D"})
    fb.setupGlyf({".notdef": square(), "uni4E2D": square()})
    fb.setupHorizontalMetrics({".notdef": (1000, 100), "uni4E2D": (1000, 100)})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "CXR Test Han", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    fb.save(str(path))


# Run in a fresh interpreter: the font is installed (in matplotlib's font list) before the figures' style is
# imported, as a font of the machine would be, and this process's fonts stay as they are.
WITH_HAN_FONT = """
import io, logging, sys, warnings
from matplotlib import font_manager
font_manager.fontManager.addfont(sys.argv[1])
import matplotlib
import matplotlib.pyplot as plt
from cxrcontrast.figures import experiment, style

assert "CXR Test Han" in matplotlib.rcParams["font.family"], matplotlib.rcParams["font.family"]
logging.basicConfig(level=logging.WARNING)
with warnings.catch_warnings():
    warnings.filterwarnings("error", message=".*missing from font")  # matplotlib's word for a box
    experiment.auc_bars([0.6, 0.7], ["Normal", "中"], "t", sys.argv[2])


def ascii_png():
    fig, ax = plt.subplots()
    ax.set_title("Normal, Atelectasis, Pleural_thickening (42)")
    ax.plot([0, 1], [0, 1], label="VGG baseline")
    ax.legend()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


with_fallback = ascii_png()
with matplotlib.rc_context({"font.family": ["sans-serif"]}):
    without = ascii_png()
print("same bytes" if with_fallback == without else "other bytes")
"""


def test_a_cjk_font_is_the_fallback_and_ascii_is_drawn_as_before(tmp_path):
    """A CJK font installed: the figures take 中 from it (matplotlib warns of no missing glyph, the log names no
    text), and a figure of ASCII text is byte for byte the one drawn without the fallback."""
    font = tmp_path / "han.ttf"
    han_font(font)
    run = subprocess.run(
        [sys.executable, "-c", WITH_HAN_FONT, str(font), str(tmp_path / "han.png")],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": SRC, "MPLCONFIGDIR": str(tmp_path / "mpl"), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "no installed font" not in run.stderr
    assert run.stdout.strip() == "same bytes"
