"""Shared look of the figures: class colours with Normal in red, readable labels, and every text drawn as
written: a name a user chose (class, dataset, file) is never read as mathtext, and characters the default font
lacks (a CJK class name) fall back to an installed font that has them, else the log names the texts drawn as
boxes."""

from __future__ import annotations

import logging
import os
from functools import cache

import matplotlib

matplotlib.use("Agg")  # files, never a window; pyplot settles its backend at the first figure, after this
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager, ft2font  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from ..files import atomic_path  # noqa: E402

log = logging.getLogger(__name__)

# One character of each CJK script (Han, kana, Hangul): a font that draws any of them is a fallback.
CJK_SAMPLES = "中あ한"
# matplotlib's (>= 3.10) font of last resort draws a box for any character: it covers nothing for a reader.
LAST_RESORT = "LastResort"


@cache
def _face(path: str, index: int = 0) -> ft2font.FT2Font:
    return ft2font.FT2Font(path, face_index=index) if index else ft2font.FT2Font(path)


if hasattr(os, "register_at_fork"):  # a FreeType face is not valid in a forked child (as matplotlib's own cache)
    os.register_at_fork(after_in_child=_face.cache_clear)


def _has_glyph(face: ft2font.FT2Font, char: str) -> bool:
    return face.get_char_index(ord(char)) != 0  # a face of its own (no fallback list): its glyphs only


def cjk_families() -> list[str]:
    """The installed font families that draw CJK characters, those drawing the most samples first."""
    scores: dict[str, int] = {}
    for entry in font_manager.fontManager.ttflist:
        if entry.name in scores or LAST_RESORT in entry.fname:
            continue
        try:
            face = _face(entry.fname, getattr(entry, "index", 0))
        except (OSError, RuntimeError, ValueError):  # a font file matplotlib listed but FreeType cannot open
            continue
        scores[entry.name] = sum(_has_glyph(face, c) for c in CJK_SAMPLES)
    return sorted((name for name, n in scores.items() if n), key=lambda name: (-scores[name], name))


def literal_text_with_fallback_fonts() -> None:
    """Set once for every figure: no mathtext (a '$' in a class name is a dollar sign, not a formula that can
    fail to parse), and the installed CJK fonts after the default ones (matplotlib takes each character from
    the first font of the list that has it, so text the default font draws is drawn as before)."""
    matplotlib.rcParams["text.parse_math"] = False
    families = list(matplotlib.rcParams["font.family"])
    matplotlib.rcParams["font.family"] = list(dict.fromkeys(families + cjk_families()))


def _fonts_of(text: Text) -> list[ft2font.FT2Font]:
    """The fonts matplotlib draws ``text`` with: the first font of each of its families that is installed."""
    faces = []
    for family in text.get_fontfamily():
        prop = text.get_fontproperties().copy()
        prop.set_family([family])
        try:
            found = font_manager.findfont(prop, fallback_to_default=False)
        except ValueError:  # a family not installed here: matplotlib skips it too
            continue
        if LAST_RESORT not in str(found):
            faces.append(_face(str(found), getattr(found, "face_index", 0)))
    return faces


def undrawable(fig) -> dict[str, str]:
    """{text: its characters no font of the figure draws (they show as boxes)} over every text of ``fig``."""
    missing = {}
    for text in fig.findobj(Text):
        string = text.get_text()
        if not text.get_visible() or not string.strip():
            continue
        faces = _fonts_of(text)
        lacking = [c for c in dict.fromkeys(string) if not c.isspace() and not any(_has_glyph(f, c) for f in faces)]
        if lacking:
            missing[string] = "".join(lacking)
    return missing


def class_colors(n: int) -> list:
    """Class 0 (Normal) red, the findings from a qualitative palette without red."""
    palette = [c for i, c in enumerate(plt.get_cmap("tab20").colors) if i not in (6, 7)]
    return [(0.85, 0.1, 0.1)] + [palette[i % len(palette)] for i in range(n - 1)]


def percent_axis(ax, axis="y", decimals=None):
    fmt = matplotlib.ticker.PercentFormatter(1.0, decimals=decimals)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def save_figure(fig, path, **kwargs) -> None:
    """Save a figure atomically (the format follows the path's suffix) and close it; the log names any text
    drawn with boxes for characters no font has (a class name in a script no installed font covers)."""
    path = str(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.rsplit(".", 1)[-1] if "." in path else "png", **kwargs)
    missing = undrawable(fig)
    if missing:
        shown = "; ".join(f"{text!r} ({' '.join(f'U+{ord(c):04X}' for c in chars)})" for text, chars in missing.items())
        log.warning(
            "%s: no installed font the figures use (%s) draws these texts, shown with boxes: %s; install a font "
            "that covers them (Chinese, Japanese, Korean: e.g. Noto Sans CJK) and rerun",
            path,
            ", ".join(matplotlib.rcParams["font.family"]),
            shown,
        )
    plt.close(fig)


literal_text_with_fallback_fonts()
