"""The summary's section on the cost of the paper's pruning (``evaluation.pruning``): the official-task AUC of
pretraining on the pruned single-label images against every image with every finding."""

from __future__ import annotations

from ..evaluation.pruning import PRUNING_PAIRS, pruning_rows
from .sections import table

MODEL = {"frozen": "head on frozen features", "finetune": "fine-tuned"}  # the tunings of PRUNING_TUNINGS


def _points(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def pruning_section(official: list[dict]) -> list[str]:
    """The pairs of ``PRUNING_PAIRS`` that ran, each a row per official model (head on frozen features,
    fine-tuned): both AUCs, their paired difference and its interval; nothing where no pair ran (no multi-label
    objective beside SupCon)."""
    rows = pruning_rows(official)
    if not rows:
        return []
    cells = [
        [
            r["encoder"],
            MODEL[r["tuning"]],
            f"{r['pruned']} (pruned, one class)",
            f"{r['every_image']} (every image, every finding)",
            str(r["seeds"]),
            _points(r["auc_pruned"]),
            _points(r["auc_every_image"]),
            f"{r['difference']:+.3f}",
            "– (one seed)" if r["ci_low"] is None else f"[{r['ci_low']:+.3f}, {r['ci_high']:+.3f}]",
        ]
        for r in rows
    ]
    pairs = ", ".join(f"{a} vs {b}" for a, b in PRUNING_PAIRS)
    return [
        "",
        "## The cost of the paper's pruning on the official task (test AUC)",
        "",
        *table(
            [
                "encoder",
                "official model",
                "pretrained on",
                "against",
                "seeds",
                "AUC pruned",
                "AUC every image",
                "difference",
                "95% interval over seeds",
            ],
            cells,
        ),
        "",
        f"Pairs of one loss family ({pairs}): SupCon's softmax over two augmented views, the same encoder and "
        "optimizer; what differs is the images and labels the loss sees (the pruned single-label images, or every "
        "image with every finding). The triplet objectives have no multi-label counterpart and are not paired. "
        "Difference: every image minus pruned, paired by seed, mean over the seeds both ran; its 95% t-interval "
        "over those seeds (none with one seed). A positive difference: pruning cost the official task that much. "
        "Official model: a head on the pretrained encoder's frozen features, or the pretrained encoder fine-tuned "
        "with its head (where both objectives are in official.finetune_pretrain).",
    ]
