"""Every job of the whole grid a resolved config asks for, counted with the same grid the workflow makes its
targets from (``DatasetRun``), and for each job the work that costs time: images passed through the model to
train it (forward, backward, step) and to infer, at the model's input size, and the bytes it leaves on disk.

A dry run (``snakemake -n``) counts only what is not finished yet; this counts the whole grid (a test checks it
equals a dry run's count per rule on a fresh folder). The work figures are projections: training reads each
image once per epoch and view (triplets 3 views, SimCLR and SupCon 2), a frozen encoder encodes its inputs once
(its head trains on the cached features: negligible), validation is one inference pass per epoch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..config.dataset_run import DatasetRun
from ..config.run_config import RunConfig
from ..data import sources
from ..vocabulary.objectives import OBJECTIVES
from .data_sizes import DataSize, data_size

FIGURE_BYTES = 100_000  # one PNG figure, about (the plan's disk figure is a projection too)
CHECKPOINT_COPIES = 1  # the store's checkpoint; the output is a hard link to it (training/finished.py)
DATA_RULES = ("download", "source", "prune", "unpruned", "augment_copies", "augmentation_figure", "corrupt")
# the order of a dry run's job stats, where a rule runs at all
RULE_ORDER = (*DATA_RULES, "pretrain", "classify", "evaluate", "embed", "probe", "official", "official_evaluate")
RULE_ORDER += ("summary", "datasets", "runtime_table", "all")


@dataclass(frozen=True)
class Job:
    rule: str
    encoder: str | None = None
    image_size: int = 0
    train_images: float = 0.0  # images through forward, backward and an optimizer step
    infer_images: float = 0.0  # images through the encoder without gradient
    disk_bytes: float = 0.0
    head: tuple[int, ...] = ()  # output widths of the linear layers its checkpoint holds on the encoder's features


PROJECTION_HEAD = (256, 128)  # models/heads.py: ProjectionHead
HEAD_OUTPUTS = 15  # the last layer's outputs, about (the pruned task's classes; a few parameters either way)


def classifier_head(r: DatasetRun, encoder: str) -> tuple[int, ...]:
    """Widths of the classification head of ``encoder``'s checkpoints (its hidden layers, then the classes)."""
    return (*r.settings["encoders"][encoder]["head"]["hidden"], HEAD_OUTPUTS)


def views(objective: str) -> int:
    """Images one training sample passes through the model: a triplet 3, two views (SimCLR, SupCon) 2."""
    spec = OBJECTIVES[objective]
    if spec.views.ref.endswith("TwoViews"):
        return 2
    return 3 if spec.miner is not None and spec.miner.ref.endswith("GivenTriplets") else 1


def grid_jobs(run: RunConfig, sizes: dict[str, DataSize] | None = None) -> list[Job]:
    """Every job of the run; ``sizes`` per dataset (default: read with ``data_size``)."""
    sizes = sizes or {name: data_size(r.data) for name, r in run.datasets.items()}
    downloads = {sources.raw_file(r.data) for r in run.datasets.values() if r.data["source"] == "medmnist"}
    jobs = [Job("download", disk_bytes=_raw_bytes(sizes, run, f)) for f in sorted(downloads)]
    for name, r in run.datasets.items():
        jobs += dataset_jobs(r, sizes[name])
    return jobs + [Job("datasets", disk_bytes=2 * FIGURE_BYTES), Job("runtime_table"), Job("all")]


def _raw_bytes(sizes: dict[str, DataSize], run: RunConfig, raw: str) -> float:
    name = next(n for n, r in run.datasets.items() if sources.raw_file(r.data) == raw)
    return sum(sizes[name].rows.values()) * sizes[name].image_bytes()


def dataset_jobs(r: DatasetRun, size: DataSize) -> list[Job]:
    """The jobs of one dataset: its data stage, its grid, its summary."""
    n, seeds, px = size.rows, len(r.seeds), r.data["image_size"]
    every_row = sum(n.values()) * size.image_bytes()
    evaluate = r.settings["evaluate"]
    copies = len(evaluate["corruptions"]) * len(evaluate["severities"])
    jobs = [Job("source", disk_bytes=every_row)] if sources.raw_file(r.data) is None else []
    jobs += [Job("prune", disk_bytes=every_row), Job("augmentation_figure", disk_bytes=FIGURE_BYTES)]
    if r.official_jobs or any(r.pretrain_split(p) == "unpruned" for _, p in r.pretrainings):
        jobs.append(Job("unpruned", disk_bytes=every_row))
    if r.stored_augmented_copy and any(e.trainset == "train_aug" for e in r.experiments):
        jobs += [Job("augment_copies", disk_bytes=n["train"] * size.image_bytes(px))] * seeds
    if r.experiments:
        jobs += [Job("corrupt", disk_bytes=n["test"] * size.image_bytes() * copies)] * seeds
    for encoder, objective in r.pretrainings:
        epochs, k = r.objective(encoder, objective)["epochs"], views(objective)
        # every training row: SimCLR's `images: all` reads them, the others the pruned subset (fewer)
        job = Job("pretrain", encoder, px, epochs * k * n["train"], epochs * k * n["val"], head=PROJECTION_HEAD)
        jobs += [job] * seeds
    for e in r.experiments:
        block, share = r.classify_block(e), e.labels * (2 if e.trainset == "train_aug" else 1)
        head = classifier_head(r, e.encoder)
        if e.pretrain == "none":  # end to end
            epochs = block["epochs"]
            job = Job("classify", e.encoder, px, epochs * share * n["train"], epochs * e.labels * n["val"], head=head)
        else:  # frozen: each split encoded once
            job = Job("classify", e.encoder, px, 0.0, share * n["train"] + e.labels * n["val"], head=head)
        scored = Job("evaluate", e.encoder, px, 0.0, n["test"] * (1 + copies) + n["val"], 4 * FIGURE_BYTES)
        jobs += [job] * seeds + [scored] * seeds
    for encoder, _ in r.states:
        jobs += [Job("embed", encoder, px, 0.0, n["train"] + n["val"], 2 * FIGURE_BYTES)] * seeds
        jobs += [Job("probe", encoder, px, 0.0, sum(n.values()))] * seeds
    for encoder, _, tuning in r.official_jobs:
        epochs = r.settings["official"][tuning]["epochs"]
        head = classifier_head(r, encoder)
        if tuning != "frozen":  # end_to_end, finetune: every layer trains on every image each epoch
            job = Job("official", encoder, px, epochs * n["train"], epochs * n["val"], head=head)
        else:
            job = Job("official", encoder, px, 0.0, n["train"] + n["val"], head=head)
        jobs += [job] * seeds + [Job("official_evaluate", encoder, px, 0.0, n["test"])] * seeds
    return jobs + [Job("summary", disk_bytes=10 * FIGURE_BYTES)]


def jobs_per_rule(jobs: list[Job]) -> dict[str, int]:
    """rule -> number of jobs, in the order of the workflow's stages."""
    counts = Counter(job.rule for job in jobs)
    return {rule: counts[rule] for rule in RULE_ORDER if counts[rule]}
