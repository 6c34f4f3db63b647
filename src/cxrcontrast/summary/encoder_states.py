"""The summary's sections per encoder state: its embeddings and probes, and the official MedMNIST task."""

from __future__ import annotations

import numpy as np

from ..evaluation.tables import group_by
from ..vocabulary.tasks import MULTI_LABEL
from .markdown_text import markdown_text
from .sections import table


def _mean(rows: list[dict], key: str) -> str:
    values = [r[key] for r in rows if r.get(key) is not None]
    return f"{np.nanmean(values):.3f}" if values else "–"


EMBEDDING_COLUMNS = {  # column of embedding_table.csv -> its header
    "h_precision_at_1": "P@1 (h)",
    "h_map_at_r": "MAP@R (h)",
    "h_silhouette": "silhouette (h)",
    "z_precision_at_1": "P@1 (z)",
    "knn_balanced_accuracy": "kNN bal. acc",
    "knn_auc_macro": "kNN AUC",
    "linear_balanced_accuracy": "linear bal. acc",
    "linear_auc_macro": "linear AUC",
}
FINDINGS_COLUMNS = {  # where the official task is multi-label: the probes on it, per finding
    "knn_findings_auc": "kNN AUC (official findings)",
    "linear_findings_auc": "linear AUC (official findings)",
}


def embedding_cell(seeds: list[dict], column: str) -> str:
    """The mean over seeds of ``column``; a probe's column of features collapsed in a seed shows why instead (its
    probes scored nothing there, and a mean over the other seeds would be a biased one)."""
    gone = [r for r in seeds if r.get("collapsed")]
    if gone and column.startswith(("knn_", "linear_")):
        return f"collapsed ({markdown_text(gone[0].get('collapsed_reason') or 'no spread')})"
    return _mean(seeds, column)


def embedding_section(rows: list[dict]) -> list[str]:
    """Per encoder state, mean over seeds: retrieval on val, kNN and linear probes on test (features h)."""
    if not rows:
        return []
    columns = {**EMBEDDING_COLUMNS, **(FINDINGS_COLUMNS if any("knn_findings_auc" in r for r in rows) else {})}
    groups = group_by(rows, lambda r: (r["encoder"], r["pretrain"]))
    rows = (
        [
            enc,
            "untrained" if pre == "none" else pre,
            str(len(seeds)),
            *(embedding_cell(seeds, k) for k in columns),
        ]
        for (enc, pre), seeds in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] != "none", kv[0][1]))
    )
    lines = [
        "",
        "## Embeddings: retrieval (val) and probes of the frozen features h (test), mean over seeds",
        "",
        *table(["encoder", "pretrain", "seeds", *columns.values()], rows),
    ]
    if len(columns) > len(EMBEDDING_COLUMNS):
        lines += [
            "",
            "The probes score the paper's pruned task (one class per image) and, in the last two columns, the "
            "official multi-label task on every image: each finding's test AUC, then their mean over the findings "
            "(per finding in probes.json).",
        ]
    return lines


def official_section(rows: list[dict]) -> list[str]:
    """The official MedMNIST task: ours (mean over seeds), ACC beside the ACC of the constant prediction on the same
    labels and mAP, which discriminates where ACC does not; then each model beside the published row of the same
    flag, official file, encoder, size, protocol and recipe settings, or why none is shown."""
    ours = [r for r in rows if r["source"] == "ours"]
    if not ours:
        return []
    cells = []
    for (enc, pre, tuning), members in group_by(ours, lambda r: (r["encoder"], r["pretrain"], r["tuning"])).items():
        scores = (_mean(members, k) for k in ("auc", "map", "acc", "acc_constant"))
        cells.append([model_name(enc, pre, tuning), str(len(members)), *scores])
    multi_label = ours[0]["task"] == MULTI_LABEL
    constant = "every label negative" if multi_label else "the most frequent class"
    return [
        "",
        f"## The official MedMNIST task ({ours[0]['flag']}, {ours[0]['task']}; medmnist's Evaluator on the test split)",
        "",
        *table(["model", "seeds", "AUC", "mAP", "ACC", f"ACC of {constant}"], cells),
        "",
        f"ACC (threshold 0.5) is read against the ACC of predicting {constant} on the same test labels: a model "
        "near it has learned nothing ACC can show. mAP: the mean over the "
        + ("findings" if multi_label else "classes")
        + " of average precision (sklearn; over those with a positive in the test split), which a model that "
        "ranks no positive first cannot raise.",
        *published_lines([r for r in rows if r["source"] == "published"]),
    ]


def model_name(encoder: str, pretrain: str, tuning: str) -> str:
    if tuning == "end_to_end":
        return f"{encoder}, trained end to end"
    if tuning == "finetune":
        return f"{encoder}, {pretrain} pretrained, fine-tuned"
    return f"{encoder}, head on frozen {'untrained' if pretrain == 'none' else pretrain + ' pretrained'} features"


def _score(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def beside_cells(row: dict, metric: str) -> list[str]:
    """Ours [95% interval], published, ours - published, and whether the published value lies in our interval."""
    ours = _score(row[f"{metric}_mean"])
    if row[f"{metric}_ci_low"] is not None:
        ours += f" [{row[f'{metric}_ci_low']:.3f}, {row[f'{metric}_ci_high']:.3f}]"
    inside = {True: "yes", False: "no", None: "– (one seed)"}[row[f"{metric}_inside"]]
    difference = "–" if row[f"{metric}_difference"] is None else f"{row[f'{metric}_difference']:+.3f}"
    return [ours, _score(row[metric]), difference, inside if row[metric] is not None else "–"]


def published_lines(published: list[dict]) -> list[str]:
    """Each of our models beside its published row (like for like), then a line per model shown without one."""
    matched = [r for r in published if r["note"] is None]
    lines = []
    if matched:
        header = ["model", "px", "published", "AUC ours [95%]", "AUC published", "difference", "in our interval"]
        header += ["ACC ours [95%]", "ACC published", "difference", "in our interval"]
        cells = [
            [model_name(r["encoder"], r["pretrain"], r["tuning"]), str(r["size"]), f"{r['reference']} ({r['recipe']})"]
            + beside_cells(r, "auc")
            + beside_cells(r, "acc")
            for r in matched
        ]
        lines += [
            "",
            "Published beside ours, like for like (same flag, official file, encoder, input size, "
            "protocol and recipe settings); the interval is Student's t over seeds.",
            "",
            *table(header, cells),
        ]
    unmatched = [r for r in published if r["note"] is not None and r["protocol"] is not None]
    if unmatched:
        lines += ["", "No published value is shown beside:"]
        lines += [
            f"- {model_name(r['encoder'], r['pretrain'], r['tuning'])}: {markdown_text(r['note'])}" for r in unmatched
        ]
    if any(r["protocol"] is None for r in published):
        lines += [
            "",
            "Heads with hidden layers on frozen features, and heads on features pretrained here, have no "
            "published counterpart.",
        ]
    return lines
