"""The resolved config of a run: experiments, seeds, and each rule's canonical slice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from ..vocabulary.experiments import Experiment, fraction_text
from ..vocabulary.objectives import OBJECTIVES, OPTIM_KEYS, used_block


def canonical(value):
    """Keys sorted at every level, tuples as lists: the one form Snakemake's params trigger compares."""
    return json.loads(json.dumps(value, sort_keys=True))


@dataclass(frozen=True)
class Execution:
    """How jobs run: never part of a job's identity (see config/README.md), but recorded with every result,
    and the key of a finished result holds what of it changes floats. Handed to rules as one object, which
    Snakemake's params trigger does not track."""

    device: str
    performance: tuple[tuple[str, bool], ...]
    threads: int  # torch's intra-op threads in every job that runs torch

    @property
    def performance_dict(self) -> dict:
        return dict(self.performance)


class RunConfig:
    """The validated, normalized config (``settings``: the nested keys) and what follows from it: the grid,
    which files each job reads, and each rule's canonical slice."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.seeds = tuple(settings["seeds"])
        self.experiments = tuple(
            Experiment(e["encoder"], e["pretrain"], e["trainset"], float(f))
            for e in settings["experiments"]
            for f in e["labels"]
        )
        self._overrides = {
            (e["encoder"], e["pretrain"], e["trainset"]): e.get("classify", {}) for e in settings["experiments"]
        }

    # ---- what the grid holds --------------------------------------------------------------
    @cached_property
    def encoders(self) -> tuple[str, ...]:
        return tuple(sorted({e.encoder for e in self.experiments}))

    @cached_property
    def pretrainings(self) -> tuple[tuple[str, str], ...]:
        """(encoder, objective) of every pretraining an experiment uses."""
        return tuple(sorted({(e.encoder, e.pretrain) for e in self.experiments if e.pretrain != "none"}))

    @cached_property
    def states(self) -> tuple[tuple[str, str], ...]:
        """(encoder, pretrain) of every encoder state: each encoder untrained ("none"), each pretraining."""
        return tuple(sorted({(enc, "none") for enc in self.encoders} | set(self.pretrainings)))

    def experiment(self, encoder: str, pretrain: str, trainset: str, labels: str) -> Experiment:
        for e in self.experiments:
            if (e.encoder, e.pretrain, e.trainset, fraction_text(e.labels)) == (encoder, pretrain, trainset, labels):
                return e
        raise KeyError(f"no experiment {encoder}/{pretrain}/{trainset}/labels{labels} in config `experiments:`")

    def wildcard_patterns(self) -> dict[str, str]:
        """Wildcard constraints from the config and the objective registry."""
        return {
            "encoder": "|".join(self.settings["encoders"]),
            "pretrain": "|".join(["none", *OBJECTIVES]),
            "trainset": "|".join(sorted({e.trainset for e in self.experiments})),
            "labels": "|".join(sorted({fraction_text(e.labels) for e in self.experiments})),
            "tuning": "|".join(sorted({tuning for *_, tuning in self.official_jobs})) or "frozen",
            "seed": r"\d+",
        }

    # ---- which files a job reads ------------------------------------------------------------
    def pretrain_split(self, objective: str) -> str:
        """The data a pretraining reads: ``unpruned`` (SimCLR with ``images: all``) or ``pruned``."""
        block = self.settings["pretrain"][objective]
        return "unpruned" if "images" in OBJECTIVES[objective].workflow_keys and block["images"] == "all" else "pruned"

    @property
    def stored_augmented_copy(self) -> bool:
        """train_aug reads a stored augmented copy (``stored``), or augments anew on access."""
        return self.settings["classify"]["train_aug"] == "stored"

    def local_weights(self, encoder: str) -> str | None:
        """A local weights file the encoder starts from (an input of its jobs), or None."""
        weights = self.settings["encoders"][encoder].get("weights", "none")  # only EfficientNet has the key
        return None if weights in ("none", "imagenet") else weights

    def describe(self) -> str:
        """The modes a run uses, in a few lines (printed when the workflow starts, dry runs too)."""
        lines = [
            f"{len(self.experiments)} experiments x {len(self.seeds)} seeds, data: {self.settings['data']['source']} "
            f"{self.settings['data']['flag']}, device {self.settings['device']}"
        ]
        for encoder, objective in self.pretrainings:
            block = self.objective(encoder, objective)
            modes = ", ".join(
                f"{k} {block[k]}" for k in ("batches", "embedding", "forward", "positive", "images") if k in block
            )
            lines.append(
                f"pretrain {encoder}/{objective}: {modes}, z_head {self.settings['encoders'][encoder]['z_head']}"
            )
        c = self.settings["classify"]
        lines.append(
            f"classify: select_on {c['select_on']}, freeze_batchnorm {c['freeze_batchnorm']}, "
            f"softmax_before_loss {c['softmax_before_loss']}, train_aug {c['train_aug']}"
        )
        return "\n".join(lines)

    # ---- slices, one per rule -------------------------------------------------------------
    @property
    def execution(self) -> Execution:
        performance = tuple(sorted(self.settings["performance"].items()))
        return Execution(self.settings["device"], performance, self.settings["torch_threads"])

    def augment(self) -> dict:
        """The augmentation's shape (its figure's seed apart)."""
        return canonical({k: v for k, v in self.settings["augment"].items() if k != "figure_seed"})

    def architecture(self, encoder: str) -> dict:
        """The keys of ``encoders.<name>`` that build the encoder (not its heads or training)."""
        block = self.settings["encoders"][encoder]
        return {k: v for k, v in block.items() if k not in ("head", "train_overrides", "z_head")}

    def objective(self, encoder: str, pretrain: str) -> dict:
        """``pretrain.<objective>`` with the encoder's training overrides, the keys the job reads."""
        return used_block(
            pretrain, {**self.settings["pretrain"][pretrain], **self.settings["encoders"][encoder]["train_overrides"]}
        )

    def pretrain_params(self, encoder: str, pretrain: str) -> dict:
        block = self.settings["encoders"][encoder]
        z_head = block["z_head"]
        return canonical(
            {
                "encoder": encoder,
                "architecture": self.architecture(encoder),
                "z_head": z_head,
                # the authors' typo trains the classification head as z: it is part of the pretrained model
                "head": block["head"] if z_head == "classifier" else None,
                "objective": pretrain,
                "block": self.objective(encoder, pretrain),
                "augment": self.augment() if OBJECTIVES[pretrain].augments else None,
                "image_size": self.settings["data"]["image_size"],
            }
        )

    def classify_block(self, e: Experiment) -> dict:
        """SGD settings (baseline or finetune block, encoder overrides, experiment overrides) and the
        stage's shared settings that this experiment uses."""
        stage = self.settings["classify"]
        block = {
            **stage["baseline" if e.pretrain == "none" else "finetune"],
            **{k: v for k, v in self.settings["encoders"][e.encoder]["train_overrides"].items() if k in OPTIM_KEYS},
            **self._overrides.get((e.encoder, e.pretrain, e.trainset), {}),
            "select_on": stage["select_on"],
            "softmax_before_loss": stage["softmax_before_loss"],
        }
        if e.pretrain != "none":  # only a frozen encoder has BatchNorm statistics to freeze
            block["freeze_batchnorm"] = stage["freeze_batchnorm"]
        if e.trainset == "train_aug":
            block["train_aug"] = stage["train_aug"]
        return block

    def classify_params(self, e: Experiment) -> dict:
        block = self.classify_block(e)
        redrawn = block.get("train_aug") == "on_access"
        return canonical(
            {
                "encoder": e.encoder,
                "architecture": self.architecture(e.encoder),
                "head": self.settings["encoders"][e.encoder]["head"],
                "classify": block,
                "labels": e.labels,
                "augment": self.augment() if redrawn else None,
                "image_size": self.settings["data"]["image_size"],
            }
        )

    def embed_params(self, encoder: str) -> dict:
        return canonical(
            {
                "encoder": encoder,
                "architecture": self.architecture(encoder),
                "image_size": self.settings["data"]["image_size"],
                "embeddings": self.settings["embeddings"],
            }
        )

    def probe_params(self, encoder: str) -> dict:
        return canonical(
            {
                "encoder": encoder,
                "architecture": self.architecture(encoder),
                "image_size": self.settings["data"]["image_size"],
                "probes": self.settings["probes"],
            }
        )

    @cached_property
    def official_jobs(self) -> tuple[tuple[str, str, str], ...]:
        """(encoder, pretrain, tuning) of the official task: a frozen head on every encoder state, and the
        end-to-end baselines."""
        frozen = [(enc, pre, "frozen") for enc, pre in self.states]
        ends = [
            (enc, "none", "end_to_end")
            for enc in self.settings["official"]["end_to_end_encoders"]
            if enc in self.encoders
        ]
        return tuple(frozen + ends)

    def official_params(self, encoder: str, tuning: str) -> dict:
        official = self.settings["official"]
        return canonical(
            {
                "encoder": encoder,
                "architecture": self.architecture(encoder),
                "head": self.settings["encoders"][encoder]["head"],
                "image_size": self.settings["data"]["image_size"],
                "data": {k: self.settings["data"][k] for k in ("flag", "size")},
                "official": {tuning: official[tuning], "select_on": official["select_on"]},
            }
        )

    def evaluate_params(self) -> dict:
        return canonical(self.settings["evaluate"])

    def summary_params(self) -> dict:
        """The comparisons' bootstrap (the paper protocol's seed is the evaluation's alone)."""
        return canonical({k: self.settings["evaluate"][k] for k in ("bootstrap", "seed")})

    def data_params(self) -> dict:
        return canonical(self.settings["data"])
