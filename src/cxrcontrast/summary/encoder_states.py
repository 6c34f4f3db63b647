"""The summary's sections per encoder state: its embeddings and probes, and the official MedMNIST task."""

from __future__ import annotations

import numpy as np

from ..evaluation.published import PUBLISHED, SOURCE
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
    """The official MedMNIST task: ours (mean over seeds) and, where the task is the same, the published figures;
    ACC beside the ACC of the constant prediction on the same labels, and mAP, which discriminates where ACC
    does not."""
    ours = [r for r in rows if r["source"] == "ours"]
    if not ours:
        return []
    cells = []
    for (enc, pre, tuning), members in group_by(ours, lambda r: (r["encoder"], r["pretrain"], r["tuning"])).items():
        what = {
            "end_to_end": "trained end to end",
            "finetune": f"{pre} pretrained, fine-tuned",
        }.get(tuning, f"head on frozen {'untrained' if pre == 'none' else pre + ' pretrained'} features")
        scores = (_mean(members, k) for k in ("auc", "map", "acc", "acc_constant"))
        cells.append([f"{enc}, {what}", str(len(members)), *scores])
    published = [r for r in rows if r["source"] != "ours"]
    cells += [
        [f"{r['encoder']}, published ({r['reference']})", "–", f"{r['auc']:.3f}", "–", f"{r['acc']:.3f}", "–"]
        for r in published
    ]
    multi_label = ours[0]["task"] == MULTI_LABEL
    constant = "every label negative" if multi_label else "the most frequent class"
    lines = [
        "",
        f"## The official MedMNIST task ({ours[0]['flag']}, {ours[0]['task']}; medmnist's Evaluator on the test split)",
        "",
        *table(["model", "seeds", "AUC", "mAP", "ACC", f"ACC of {constant}"], cells),
        "",
        f"ACC (threshold 0.5) is read against the ACC of predicting {constant} on the same test labels: a model "
        "near it has learned nothing ACC can show. mAP: the mean over the "
        + ("findings" if multi_label else "classes")
        + " of average precision (sklearn; over those with a positive in the test split), which a model that "
        "ranks no positive first cannot raise. Published rows give only AUC and ACC.",
    ]
    if not published:
        name, auc, acc = PUBLISHED["chestmnist"][0]
        lines += [
            "",
            f"The published figures ({SOURCE}; e.g. {name}: AUC {auc}, ACC {acc}) are shown only "
            "beside the official ChestMNIST file; this run's data is another.",
        ]
    return lines
