"""An experiment's identity: the keys its results are filed under, read by the config and the evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The keys of an experiment, in the order of its path (``{encoder}/{pretrain}/{trainset}/labels{labels}``).
EXPERIMENT_KEYS = ("encoder", "pretrain", "trainset", "labels")


def fraction_text(fraction: float) -> str:
    """A label fraction as it stands in paths: 1, 0.1, 0.01, 0.05 (never 1e-05)."""
    return np.format_float_positional(float(fraction), trim="-")


@dataclass(frozen=True)
class Experiment:
    """One classification experiment; with a seed, its results live under ``path``/seed{seed}."""

    encoder: str
    pretrain: str
    trainset: str
    labels: float = 1.0

    @property
    def path(self) -> str:
        return f"{self.encoder}/{self.pretrain}/{self.trainset}/labels{fraction_text(self.labels)}"

    @property
    def key(self) -> tuple:
        return self.encoder, self.pretrain, self.trainset, self.labels

    @classmethod
    def from_row(cls, row: dict) -> Experiment:
        """The experiment of a table row or a metrics file (labels as text or number)."""
        return cls(row["encoder"], row["pretrain"], row["trainset"], float(row.get("labels", 1.0)))


def experiment_key(row: dict) -> tuple:
    """An experiment's identity (``Experiment.key``) from a table row or a metrics file."""
    return Experiment.from_row(row).key
