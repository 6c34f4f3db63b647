"""The resolved config of a run: its datasets, each with its grid (``DatasetRun``), and the settings every
job shares (seeds, how jobs run, evaluation)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..slices import canonical
from ..vocabulary.experiments import fraction_text
from ..vocabulary.objectives import OBJECTIVES
from .dataset_run import DatasetRun


@dataclass(frozen=True)
class Execution:
    """How jobs run: never part of a job's identity (see config/README.md), but recorded with every result,
    and the key of a finished result holds what of it changes floats. Handed to rules as one object, which
    Snakemake's params trigger does not track."""

    device: str
    performance: tuple[tuple[str, bool], ...]
    threads: int  # torch's intra-op threads in every job that runs torch
    tensorboard: bool = False  # training jobs write TensorBoard curves (logging.tensorboard)

    @property
    def performance_dict(self) -> dict:
        return dict(self.performance)


class RunConfig:
    """The validated, normalized config (``settings``: the nested keys): one ``DatasetRun`` per dataset,
    in the config's order, and the slices all datasets share."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.seeds = tuple(settings["seeds"])
        self.datasets = {name: DatasetRun(settings, name) for name in settings["datasets"]}

    def on(self, dataset: str) -> DatasetRun:
        return self.datasets[dataset]

    @cached_property
    def experiments(self) -> tuple[tuple[str, object], ...]:
        """(dataset, experiment) of the whole run."""
        return tuple((name, e) for name, run in self.datasets.items() for e in run.experiments)

    def wildcard_patterns(self) -> dict[str, str]:
        """Wildcard constraints from the config and the objective registry."""
        tunings = {tuning for run in self.datasets.values() for *_, tuning in run.official_jobs}
        return {
            "dataset": "|".join(self.datasets),
            "encoder": "|".join(self.settings["encoders"]),
            "pretrain": "|".join(["none", *OBJECTIVES]),
            "trainset": "|".join(sorted({e.trainset for _, e in self.experiments}) or ["train"]),
            "labels": "|".join(sorted({fraction_text(e.labels) for _, e in self.experiments}) or ["1"]),
            "tuning": "|".join(sorted(tunings)) or "frozen",
            "seed": "[0-9]+",  # not \d, which takes any Unicode digit (int() reads '٣' as 3)
        }

    def describe(self) -> str:
        """The modes a run uses, in a few lines (printed when the workflow starts, dry runs too)."""
        lines = [
            f"dataset {name}: {run.data['source']} {run.flag or ''} {run.data['size']}px -> "
            f"{run.data['image_size']}px, {len(run.experiments)} experiments x {len(self.seeds)} seeds"
            for name, run in self.datasets.items()
        ]
        pretrainings = {pair for run in self.datasets.values() for pair in run.pretrainings}
        some = next(iter(self.datasets.values()))
        for encoder, objective in sorted(pretrainings):
            block = some.objective(encoder, objective)
            modes = ", ".join(
                f"{k} {block[k]}" for k in ("batches", "embedding", "forward", "positive", "images") if k in block
            )
            lines.append(
                f"pretrain {encoder}/{objective}: {modes}, z_head {self.settings['encoders'][encoder]['z_head']}"
            )
        c = self.settings["classify"]
        lines.append(
            f"classify: select_on {c['select_on']}, freeze_batchnorm {c['freeze_batchnorm']}, "
            f"softmax_before_loss {c['softmax_before_loss']}, train_aug {c['train_aug']}; "
            f"device {self.settings['device']}"
        )
        return "\n".join(lines)

    @property
    def execution(self) -> Execution:
        performance = tuple(sorted(self.settings["performance"].items()))
        tensorboard = self.settings["logging"]["tensorboard"]
        return Execution(self.settings["device"], performance, self.settings["torch_threads"], tensorboard)

    def evaluate_params(self) -> dict:
        return canonical(self.settings["evaluate"])

    def corrupt_params(self) -> dict:
        """The corrupted copies of the test split: which corruptions, at which severities."""
        return canonical({k: self.settings["evaluate"][k] for k in ("corruptions", "severities")})

    def summary_params(self) -> dict:
        """The comparisons' bootstrap (the paper protocol's seed is the evaluation's alone)."""
        return canonical({k: self.settings["evaluate"][k] for k in ("bootstrap", "seed")})
