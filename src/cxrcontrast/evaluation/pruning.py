"""The cost of the paper's pruning on the official task: pretraining on the pruned single-label images against
pretraining on every image with every finding, each pair of one loss family, seeds paired.

The pairs (``PRUNING_PAIRS``): SupCon (pruned: Normal or one finding per image, one class each) against
``supcon_jaccard`` and against ``mulsupcon`` (every training image, its multi-hot findings). The three are one
family: a softmax over the other view and the batch's images at temperature 0.1, two augmented views, the same
encoder and optimizer block; what differs is which images and which labels the loss sees, the question asked.
The triplet objectives (normal, augmented, hard) have no multi-label counterpart: set against one of SupCon's
family, their difference would mix the loss with the pruning, so they are left out.

Each pair is scored by the official task's test AUC (rule ``official``) of a head on the frozen features and,
where both objectives were fine-tuned (``official.finetune_pretrain``), of the fine-tuned encoders, per seed;
the difference (every image minus pruned) is paired by seed, with its mean and 95% t-interval over the paired
seeds (``tables.mean_interval``; none with one seed).
"""

from __future__ import annotations

from .tables import group_by, mean_interval

PRUNING_PAIRS = (("supcon", "supcon_jaccard"), ("supcon", "mulsupcon"))  # (pruned, every image), one loss family
PRUNING_TUNINGS = ("frozen", "finetune")  # the official models that start from the pretrained encoder


def pruning_rows(official: list[dict]) -> list[dict]:
    """Per official model (``PRUNING_TUNINGS``), encoder and pair present in ``official`` (rows of
    ``tables.official_rows``): the mean official AUC of each side over the seeds both have, and the paired
    difference (every image - pruned) with its interval."""
    ours = [r for r in official if r["source"] == "ours" and r["tuning"] in PRUNING_TUNINGS and r["auc"] is not None]
    auc = {
        key: {r["seed"]: r["auc"] for r in rows}
        for key, rows in group_by(ours, lambda r: (r["tuning"], r["encoder"], r["pretrain"])).items()
    }
    out = []
    for tuning, encoder in ((t, enc) for t in PRUNING_TUNINGS for enc in sorted({e for u, e, _ in auc if u == t})):
        for pruned, every in PRUNING_PAIRS:
            a, b = auc.get((tuning, encoder, pruned), {}), auc.get((tuning, encoder, every), {})
            seeds = sorted(set(a) & set(b))
            if not seeds:
                continue
            diff = mean_interval([b[s] - a[s] for s in seeds])
            out.append(
                {
                    "tuning": tuning,
                    "encoder": encoder,
                    "pruned": pruned,
                    "every_image": every,
                    "seeds": len(seeds),
                    "auc_pruned": mean_interval([a[s] for s in seeds])["mean"],
                    "auc_every_image": mean_interval([b[s] for s in seeds])["mean"],
                    "difference": diff["mean"],
                    "ci_low": diff["ci_low"],
                    "ci_high": diff["ci_high"],
                }
            )
    return out
