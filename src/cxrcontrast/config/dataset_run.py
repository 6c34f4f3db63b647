"""The grid on one dataset: its experiments, encoder states and official jobs, and each rule's canonical slice."""

from __future__ import annotations

from functools import cached_property

from ..slices import canonical
from ..vocabulary.experiments import EXPERIMENT_KEYS, Experiment, fraction_text
from ..vocabulary.objectives import OBJECTIVES, OPTIM_KEYS, used_block
from ..vocabulary.optimizers import slice_block


class DatasetRun:
    """The experiments of the config that run on dataset ``name`` (all, unless an experiment lists
    ``datasets:``), what follows from them (encoder states, official jobs, which files each job reads) and
    each rule's canonical slice: the dataset's entry (``data``) with the run's shared settings."""

    def __init__(self, settings: dict, name: str):
        self.settings, self.name = settings, name
        self.data = settings["datasets"][name]
        self.seeds = tuple(settings["seeds"])
        entries = [e for e in settings["experiments"] if name in e.get("datasets", [name])]
        self._overrides = {
            Experiment(e["encoder"], e["pretrain"], e["trainset"], float(f)): e.get("classify", {})
            for e in entries
            for f in e["labels"]
        }
        self.experiments = tuple(self._overrides)

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
        raise KeyError(
            f"no experiment {encoder}/{pretrain}/{trainset}/labels{labels} on dataset {self.name} in `experiments:`"
        )

    def experiment_identities(self) -> list[dict]:
        """Each experiment and seed as its metrics.json records it, in the order of the summary's inputs."""
        return [
            {**{k: getattr(e, k) for k in EXPERIMENT_KEYS}, "seed": s} for e in self.experiments for s in self.seeds
        ]

    # ---- which files a job reads ------------------------------------------------------------
    def pretrain_split(self, objective: str) -> str:
        """The data a pretraining reads: ``unpruned`` (SimCLR with ``images: all``, the multi-label objectives)
        or ``pruned``."""
        if OBJECTIVES[objective].multi_hot:
            return "unpruned"
        return "unpruned" if self.settings["pretrain"][objective].get("images") == "all" else "pruned"

    def pretrain_val_split(self, objective: str) -> str:
        """The split a pretraining's validation loss reads: ``unpruned`` for the multi-label objectives (their
        losses need the multi-hot labels), else ``pruned`` (SimCLR validates on the task's val split)."""
        return "unpruned" if OBJECTIVES[objective].multi_hot else "pruned"

    @property
    def stored_augmented_copy(self) -> bool:
        """train_aug reads a stored augmented copy (``stored``), or augments anew on access."""
        return self.settings["classify"]["train_aug"] == "stored"

    def local_weights(self, encoder: str) -> str | None:
        """A local weights file the encoder starts from (an input of its jobs), or None."""
        weights = self.settings["encoders"][encoder].get("weights", "none")  # minivgg has no weights key
        return None if weights in ("none", "imagenet") else weights

    # ---- the job that made a checkpoint a job reads (what the checkpoint must record) ----------
    def pretraining_made_by(self, encoder: str, pretrain: str, seed: int | str) -> dict | None:
        """The pretraining checkpoint of an encoder state and seed; None for the untrained state."""
        if pretrain == "none":
            return None
        return canonical({"params": self.pretrain_params(encoder, pretrain), "seed": int(seed)})

    def classifier_made_by(self, e: Experiment, seed: int | str) -> dict:
        pretrain = self.pretraining_made_by(e.encoder, e.pretrain, seed)
        return canonical(
            {"params": self.classify_params(e), "pretrain": pretrain and pretrain["params"], "seed": int(seed)}
        )

    def official_made_by(self, encoder: str, pretrain: str, tuning: str, seed: int | str) -> dict:
        """``frozen`` and ``finetune`` start from the encoder state's pretraining (none for pretrain none);
        ``end_to_end`` from a fresh encoder."""
        start = self.pretraining_made_by(encoder, pretrain, seed) if tuning != "end_to_end" else None
        return canonical(
            {
                "params": self.official_params(encoder, tuning),
                "pretrain": start and start["params"],
                "tuning": tuning,
                "seed": int(seed),
            }
        )

    # ---- slices, one per rule -------------------------------------------------------------
    def augment(self) -> dict:
        """The augmentation's shape (its figure's seed apart)."""
        return canonical({k: v for k, v in self.settings["augment"].items() if k != "figure_seed"})

    def architecture(self, encoder: str) -> dict:
        """The keys of ``encoders.<name>`` that build the encoder (not its heads or training)."""
        block = self.settings["encoders"][encoder]
        return {k: v for k, v in block.items() if k not in ("head", "train_overrides", "z_head")}

    def objective(self, encoder: str, pretrain: str) -> dict:
        """``pretrain.<objective>`` with the encoder's training overrides, the keys the job reads."""
        block = {**self.settings["pretrain"][pretrain], **self.settings["encoders"][encoder]["train_overrides"]}
        return slice_block(used_block(pretrain, block), f"pretrain.{pretrain} (for {encoder})")

    def _model_params(self, encoder: str, **job) -> dict:
        """A model job's slice: the encoder it builds, at the dataset's image size, with the job's own keys."""
        arch = {"encoder": encoder, "architecture": self.architecture(encoder), "image_size": self.data["image_size"]}
        return canonical({**arch, **job})

    def pretrain_params(self, encoder: str, pretrain: str) -> dict:
        block = self.settings["encoders"][encoder]
        return self._model_params(
            encoder,
            z_head=block["z_head"],
            # the authors' typo trains the classification head as z: it is part of the pretrained model
            head=block["head"] if block["z_head"] == "classifier" else None,
            objective=pretrain,
            block=self.objective(encoder, pretrain),
            augment=self.augment() if OBJECTIVES[pretrain].augments else None,
        )

    def classify_block(self, e: Experiment) -> dict:
        """Optimizer settings (baseline or finetune block, encoder overrides, experiment overrides) and the
        stage's shared settings that this experiment uses."""
        stage, tuning = self.settings["classify"], "baseline" if e.pretrain == "none" else "finetune"
        block = {
            **stage[tuning],
            **{k: v for k, v in self.settings["encoders"][e.encoder]["train_overrides"].items() if k in OPTIM_KEYS},
            **self._overrides[e],
            "select_on": stage["select_on"],
            "softmax_before_loss": stage["softmax_before_loss"],
        }
        if e.pretrain != "none":  # only a frozen encoder has BatchNorm statistics to freeze
            block["freeze_batchnorm"] = stage["freeze_batchnorm"]
        if e.trainset == "train_aug":
            block["train_aug"] = stage["train_aug"]
        return slice_block(block, f"classify.{tuning} (for {e.encoder}/{e.pretrain}/{e.trainset})")

    def classify_params(self, e: Experiment) -> dict:
        block = self.classify_block(e)
        redrawn = block.get("train_aug") == "on_access"
        return self._model_params(
            e.encoder,
            head=self.settings["encoders"][e.encoder]["head"],
            classify=block,
            labels=e.labels,
            augment=self.augment() if redrawn else None,
        )

    def embed_params(self, encoder: str) -> dict:
        return self._model_params(encoder, embeddings=self.settings["embeddings"])

    def probe_params(self, encoder: str) -> dict:
        return self._model_params(encoder, probes=self.settings["probes"])

    @cached_property
    def flag(self) -> str | None:
        """The dataset's MedMNIST flag (its official task), or None (a folder of images, a demo of other classes)."""
        from ..data import sources

        return sources.flag(self.data)

    @cached_property
    def multi_label_official(self) -> bool:
        """The dataset's official task is multi-label (ChestMNIST's): the probes score each finding on it too."""
        from ..data import sources
        from ..vocabulary.tasks import MULTI_LABEL

        return self.flag is not None and sources.task_type(self.data) == MULTI_LABEL

    @cached_property
    def official_jobs(self) -> tuple[tuple[str, str, str], ...]:
        """(encoder, pretrain, tuning) of the official task: a frozen head on every encoder state, the
        end-to-end baselines, and each pretraining of an objective in ``official.finetune_pretrain`` fine-tuned;
        none where the dataset has no MedMNIST flag."""
        if self.flag is None:
            return ()
        official = self.settings["official"]
        frozen = [(enc, pre, "frozen") for enc, pre in self.states]
        ends = [(enc, "none", "end_to_end") for enc in official["end_to_end_encoders"] if enc in self.encoders]
        tuned = [(enc, pre, "finetune") for enc, pre in self.pretrainings if pre in official["finetune_pretrain"]]
        return tuple(frozen + ends + tuned)

    def official_params(self, encoder: str, tuning: str) -> dict:
        official = self.settings["official"]
        return self._model_params(
            encoder,
            head=self.settings["encoders"][encoder]["head"],
            data={"flag": self.flag, "size": self.data["size"]},
            official={tuning: slice_block(official[tuning], f"official.{tuning}"), "select_on": official["select_on"]},
        )

    def data_params(self) -> dict:
        return canonical(self.data)
