"""Stage of the cross-dataset summary: every dataset's comparisons against its own baseline in one table
(results/summary/datasets.csv), one forest plot and one Markdown section."""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

from ..data.checks import warn
from ..errors import InputError
from ..evaluation.datasets import COLUMNS, dataset_rows, duplicate_warnings
from ..evaluation.display import resolution
from ..files import load_json, save_csv, save_text
from ..summary.datasets import datasets_section

log = logging.getLogger(__name__)


def read_rows(path: str) -> list[dict]:
    """The rows of a CSV file as text (an empty table, written as a lone header, has none)."""
    try:
        with open(path, newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found (expected a comparisons CSV of the summary)") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file: {exc}") from exc


def run_datasets(
    comparisons: dict[str, str],
    classes: dict[str, str],
    data: dict[str, dict],
    out_csv: str,
    out_figure: str,
    out_markdown: str,
    summaries: dict[str, str] | None = None,
) -> None:
    """``comparisons``, ``classes``: dataset name -> path of its comparisons.csv and classes.json; ``data``: name ->
    its config entry (source, size, image_size, ...). The three must name the same datasets. ``summaries``: name ->
    its summary.md, each appended under a heading of its own (its headings one level down)."""
    from ..figures.datasets import forest_plot

    names = set(comparisons)
    if set(classes) != names or set(data) != names:
        raise InputError(
            f"cross-dataset summary: the datasets differ between comparisons {sorted(comparisons)}, "
            f"classes {sorted(classes)} and data {sorted(data)}; expected the same names in all three"
        )
    info = {name: load_json(classes[name]) for name in sorted(names)}
    rows = dataset_rows(
        {
            name: {"comparisons": read_rows(comparisons[name]), "classes": info[name], "data": data[name]}
            for name in sorted(names)
        }
    )
    warnings = warn(duplicate_warnings(info))
    save_csv(out_csv, rows, COLUMNS)
    forest_plot(rows, out_figure)
    text = f"# Summary of {len(names)} dataset(s): {', '.join(sorted(names))}\n\n" + datasets_section(rows, warnings)
    for name, path in (summaries or {}).items():
        entry = data[name]
        own = Path(path).read_text(encoding="utf-8")
        text += (
            f"\n\n# Dataset {name} ({entry['source']}, {resolution(entry.get('size'), entry.get('image_size'))})\n\n"
        )
        text += re.sub(r"^(#+) ", r"#\1 ", own, flags=re.M)
    save_text(out_markdown, text)
    log.info("cross-dataset summary: %d rows from %d datasets", len(rows), len(names))
