"""The summary of all experiments as Markdown (results/summary/summary.md)."""

from __future__ import annotations

from .. import __version__
from ..evaluation.display import METRIC_LABELS, experiment_label
from ..evaluation.metrics import HEADLINE
from ..evaluation.multiplicity import ALPHA, resamples_for_a_mark, significant
from ..evaluation.protocol_sensitivity import collapsed_states
from ..evaluation.published import paper_reported
from ..evaluation.robustness import collapsed_models
from ..vocabulary.experiments import experiment_key
from .encoder_states import embedding_section, official_section
from .markdown_text import markdown_text
from .pruning import pruning_section
from .sections import (
    EXPERIMENT_COLUMNS,
    calibration_section,
    equivalence_section,
    experiment_cells,
    protocols_section,
    robustness_section,
    table,
    with_interval,
)

# balanced accuracy first: the test split is imbalanced
COLUMNS = ("balanced_accuracy", *(k for k in HEADLINE if k != "balanced_accuracy"))


def paper_cell(row: dict, metric: str) -> str:
    """The paper protocol's value with its interval and, after ±, the SD of one balanced draw over draws."""
    sd = row.get(f"{metric}_resample_sd")
    return with_interval(row, metric) + ("" if sd is None else f" ±{100 * sd:.1f}")


def p_text(p: float | None, resamples: int) -> str:
    """A bootstrap p-value; at its floor 2 / (resamples + 1) (no resample across 0) it says only "at most this"."""
    if p is None:
        return "–"
    return f"≤ {p:.2g}" if p <= 2 / (resamples + 1) * (1 + 1e-9) else f"{p:.3f}"


def comparison_section(comp_rows: list[dict], resamples: int) -> list[str]:
    """Each experiment against its baseline: difference, interval, p and Holm-adjusted p over this table's tests;
    a * marks a Holm-adjusted p below ALPHA; a pair where either side collapsed claims no effect."""
    if not comp_rows:
        return []

    def cells(c):  # difference, interval, p, p (Holm); where either side collapsed, no effect is claimed
        if c.get("collapsed") in (True, "True"):
            return [f"no effect claimed ({markdown_text(c['collapsed_reason'])})", "–", "–", "–"]
        difference = f"{100 * c['difference']:+.1f}" + (" *" if significant(c.get("p_holm")) else "")
        interval = f"[{100 * c['ci_low']:+.1f}, {100 * c['ci_high']:+.1f}]"
        return [difference, interval, p_text(c["p_value"], resamples), p_text(c.get("p_holm"), resamples)]

    return [
        "",
        "## Against the baseline (paired bootstrap over test images, seeds paired)",
        "",
        *table(
            ["experiment", "baseline", "metric", "difference (points)", "95% interval", "p", "p (Holm)"],
            ([experiment_label(c), c["baseline"], c["metric"], *cells(c)] for c in comp_rows),
        ),
        "",
        f"p: two-sided, from {resamples} resamples as (k + 1) / ({resamples} + 1) per tail, so never 0 (≤: no "
        f"resample crossed 0). p (Holm): adjusted by Holm's step-down method over the {len(comp_rows)} paired tests "
        f"of this table (one family: this dataset's comparisons). *: Holm-adjusted p < {ALPHA}, the only mark of a "
        "difference that is not noise here (a 95% interval that excludes 0 is not adjusted for the other tests)."
        + resolution_note(len(comp_rows), resamples),
    ]


def resolution_note(tests: int, resamples: int) -> str:
    """Where the resamples cannot give any of ``tests`` a Holm p below ALPHA, say so and how many would."""
    needed = resamples_for_a_mark(tests)
    if resamples >= needed:
        return ""
    floor = 2 / (resamples + 1)
    return (
        f" With {resamples} resamples no p is below {floor:.2g}, so no Holm-adjusted p of {tests} tests can be "
        f"below {ALPHA} ({tests} × {floor:.2g} = {tests * floor:.2g}): nothing can be marked; evaluate.bootstrap: "
        f"{needed} or more would allow it."
    )


def setting_text(value) -> str:
    """A config value in a table cell: text (a weights file's path the user chose) escaped for Markdown; numbers,
    booleans and lists of them hold no markup and are shown as always (``hidden=[256]``, not ``\\[256\\]``)."""
    holds_text = isinstance(value, str) or (isinstance(value, list) and any(isinstance(v, str) for v in value))
    return markdown_text(value) if holds_text else str(value)


def markdown(
    exp_rows,
    comp_rows,
    differing,
    embedding,
    official,
    task: dict,
    resamples: int,
    protocols=None,
    collapsed: dict | None = None,
    left_out: list[str] = (),
) -> str:
    """``collapsed``: the states the protocols left out (``protocol_sensitivity.collapsed_states``); ``left_out``:
    the collapsed models robustness leaves out (``evaluation.robustness.collapsed_models``)."""
    k = task["classes"]
    warnings = [f"> **Data warning:** {markdown_text(w)}" for w in task["warnings"]]  # they quote class names
    # they quote version strings and experiment paths read from the metrics files
    warnings += [f"> **Numerics warning:** {markdown_text(w)}" for w in task.get("numerics_warnings", [])]
    top5 = k > 5
    shown = [m for m in COLUMNS if top5 or m != "top5"]
    paper = any(paper_reported(experiment_key(r), task) for r in exp_rows)
    names = ", ".join(map(markdown_text, task["class_names"]))  # a folder's class names, as the user named them
    chance = f"chance {1 / k:.1%} top-1" + (f", {5 / k:.0%} top-5" if top5 else "")
    lines = [
        "# Summary of all experiments",
        "",
        f"Data: {task['flag'] or 'own classes'}, {k} classes ({names}). Percentages; "
        "mean over seeds with a 95% t-interval over seeds where there are several. 'Natural' is the test split "
        "as it is; 'paper protocol' is a seeded "
        f"class-balanced resample of it ({chance}), the protocol behind the paper's numbers; after ± the SD of "
        "that one-draw number over balanced draws of the same predictions (mean over seeds): a gap smaller "
        "than about twice it is resampling noise. A single seed's intervals (over test images; for the paper "
        "protocol over balanced resamples and test images) are in metrics.csv."
        + (" The paper printed its numbers with '%d %%': a reported 19 is any value in [19, 20)." if paper else ""),
        "",
        *(w + "\n" for w in warnings),
    ]
    head = [*EXPERIMENT_COLUMNS, "config that differs", *(METRIC_LABELS[m] for m in shown)]
    head += ["paper protocol top-1" + (" / top-5" if top5 else "")] + ["paper reported top-1 / top-5"] * paper
    rows = []
    for r in exp_rows:
        key = experiment_key(r)
        diff = ", ".join(f"{name}={setting_text(v)}" for name, v in differing.get(key, {}).items()) or "–"
        cells = [*experiment_cells(r), diff, *(with_interval(r, m) for m in shown)]
        cells.append(" / ".join(paper_cell(r, m) for m in ("paper_accuracy", "paper_top5")[: 1 + top5]))
        if paper:
            reported = paper_reported(key, task)
            cells.append(" / ".join(f"[{v}, {v + 1})" for v in reported) if reported else "–")
        rows.append(cells)
    lines += table(head, rows)
    lines += comparison_section(comp_rows, resamples)
    lines += equivalence_section(exp_rows) + calibration_section(exp_rows) + robustness_section(exp_rows, left_out)
    lines += embedding_section(embedding) + protocols_section(protocols or {}, collapsed) + official_section(official)
    lines += pruning_section(official)
    return "\n".join(lines) + "\n"


def summary_markdown(tables: dict, differing: dict, task: dict, resamples: int, scores: dict, n_files: int) -> str:
    """summary.md: the sections over the summary's ``tables`` (output key -> rows), then what made it."""
    body = markdown(
        tables["summary"],
        tables["comparisons"],
        differing,
        tables["embedding_table"],
        tables["official"],
        task,
        resamples,
        scores,
        collapsed_states(tables["summary"], tables["embedding_table"]),
        collapsed_models(tables["metrics"]),
    )
    return body + (
        f"\nMade by cxrcontrast {__version__} from {n_files} metrics files; each "
        "metrics.json holds the config slices of its experiment.\n"
    )
