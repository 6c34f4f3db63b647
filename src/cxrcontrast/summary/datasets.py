"""The cross-dataset section of the summary ("## Across datasets"), from the rows of
``evaluation.datasets.dataset_rows``."""

from __future__ import annotations

from ..evaluation.datasets import EMPTY, FAMILY, METRICS, by_experiment, finite
from ..evaluation.display import METRIC_LABELS, experiment_label, resolution
from ..evaluation.multiplicity import ALPHA, significant
from .markdown_text import markdown_text
from .sections import table


def points(row: dict | None) -> str:
    """A difference and its interval in percentage points, then its Holm-adjusted p: "+3.1 [+0.4, +5.9], p_Holm
    0.012 *" (* below ALPHA); "n/a" where undefined; no effect where either side collapsed."""
    if row is not None and row.get("collapsed"):
        return f"**collapsed**: no effect claimed ({markdown_text(row.get('collapsed_reason') or 'collapsed')})"
    if row is None or not finite(row["difference"]):
        return "n/a"
    text = f"{100 * row['difference']:+.1f}"
    if finite(row["ci_low"]) and finite(row["ci_high"]):
        text += f" [{100 * row['ci_low']:+.1f}, {100 * row['ci_high']:+.1f}]"
    p_holm = row.get("p_holm")
    if p_holm is not None and finite(p_holm):
        text += f", p_Holm {p_holm:.3f}" + (" *" if significant(p_holm) else "")
    return text


def datasets_section(rows: list[dict], warnings: list[str]) -> str:
    """Markdown: the duplicate warnings first, then one table row per dataset x experiment."""
    lines = ["## Across datasets", ""]
    lines += [f"> **Data warning:** {markdown_text(w)}\n" for w in warnings]
    lines += [
        "Each pretraining against its own dataset's baseline (same encoder, label budget and training set, no "
        "pretraining): the difference in percentage points on that dataset's test split, with the 95% interval "
        "of a paired bootstrap over its test images (seeds paired), and its p-value adjusted by Holm's step-down "
        f"method over {FAMILY} (p_Holm; each dataset's own summary adjusts over its own tests only). *: p_Holm < "
        f"{ALPHA}, the mark of a difference that is not noise (an interval that excludes 0 is not adjusted).",
        "",
    ]
    if not rows:
        return "\n".join([*lines, f"_{EMPTY}._"]) + "\n"
    head = ["dataset", "resolution", "classes", "experiment", *(f"Δ {METRIC_LABELS[m]} [95% CI]" for m in METRICS)]
    cells = []
    for group in by_experiment(rows):
        first = next(iter(group.values()))
        size = resolution(first["size"], first["image_size"])
        dataset = [markdown_text(first["dataset"]), size, str(first["classes"])]
        cells.append([*dataset, experiment_label(first), *(points(group.get(m)) for m in METRICS)])
    return "\n".join(lines + table(head, cells)) + "\n"
