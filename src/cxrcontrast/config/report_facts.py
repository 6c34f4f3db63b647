"""What the HTML report says about a run: the facts of its landing page, and the fidelity table
(each mode this run used, beside the paper's text and the authors' code)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..slices import value_at
from ..vocabulary.experiments import fraction_text
from .run_config import RunConfig
from .schema import _resolve

# The settings that tell the paper's text from the authors' code (config/paper_code.yaml).
MODES = (
    "encoders.minivgg.z_head",
    "encoders.minivgg.xavier",
    "encoders.minivgg.head.dropout",
    "encoders.efficientnet_b0.xavier",
    "encoders.efficientnet_b0.frozen_tensors",
    "encoders.efficientnet_b0.features",
    "encoders.efficientnet_b0.head.dropout",
    "pretrain.normal.batches",
    "pretrain.normal.forward",
    "pretrain.augmented.batches",
    "pretrain.augmented.forward",
    "pretrain.augmented.positive",
    "pretrain.augmented.positive_wrap",
    "pretrain.hard.batches",
    "pretrain.hard.embedding",
    "pretrain.hard.validation",
    "augment.authors_resized_crop",
    "classify.select_on",
    "classify.freeze_batchnorm",
    "classify.softmax_before_loss",
    "classify.train_aug",
)
FOLLOWS = {  # (this run's value is the paper's text, is the authors' code) -> the row's "this run follows"
    (True, True): "both",
    (True, False): "the paper's text",
    (False, True): "the authors' code",
    (False, False): "neither",
}


def _default(schema: dict, path: str):
    node = schema
    for key in path.split("."):
        node = _resolve(node["properties"][key], schema)
    return node["default"]


def fidelity_rows(run: RunConfig, schema_path: str | Path, paper_code_path: str | Path) -> list[dict]:
    """One row per mode: this run's value, the paper's text (the schema's default), the authors' code
    (config/paper_code.yaml where it sets the key, else the default)."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    layer = yaml.safe_load(Path(paper_code_path).read_text())
    rows = []
    for path in MODES:
        text = _default(schema, path)
        value, code = value_at(run.settings, path.split(".")), value_at(layer, path.split("."), text)
        follows = FOLLOWS[value == text, value == code]
        rows.append(
            {
                "setting": path,
                "this run": value,
                "paper's text": text,
                "authors' code": code,
                "this run follows": follows,
            }
        )
    return rows


def rst_text(value) -> str:
    """``value`` as inert reStructuredText: shown as written, never markup. Snakemake puts the report's
    texts through docutils with its defaults, which honour ``.. raw:: html`` and ``.. include::``;
    so a file name a user chose (a layer, ``data.npz``) could carry script or another file into the
    page. A control character (a newline, which could start a directive) is shown as its escape, and
    every ASCII punctuation mark is backslash-escaped (no inline markup, link or role)."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(value))
    return re.sub(r"([!-/:-@\\[-`{-~])", r"\\\1", text)


SOURCES = {  # a dataset's source -> where its images come from, as the landing page says it
    "medmnist": lambda d: "the official MedMNIST file",
    "npz": lambda d: f"a local file ({d.get('npz')})",
    "folder": lambda d: f"a folder of images ({d.get('root')})",
}


def data_text(runs: dict) -> str:
    """Per dataset: its classes, where its images come from, their size and the model's input size."""
    return "; ".join(
        f"{name}: {run.flag or 'its own classes'} "
        f"({SOURCES.get(run.data['source'], lambda d: 'synthetic demo data')(run.data)}), "
        f"{run.data['size']}px source images, model input {run.data['image_size']}px"
        for name, run in runs.items()
    )


def epochs_texts(runs: dict) -> tuple[str, str]:
    """The pretrainings' and the classifiers' epochs, one ``encoder/...: epochs`` entry per distinct one."""
    pretrain = {f"{enc}/{obj}: {r.objective(enc, obj)['epochs']}" for r in runs.values() for enc, obj in r.pretrainings}
    classify = {
        f"{e.encoder}/{e.pretrain}/{e.trainset}: {r.classify_block(e)['epochs']}"
        for r in runs.values()
        for e in r.experiments
    }
    return "; ".join(sorted(pretrain)) or "none", "; ".join(sorted(classify))


def followed_layer(fidelity: list[dict]) -> str:
    """The one the run follows wherever the paper's text and the authors' code differ (the paper's text if
    they never do)."""
    followed = {r["this run follows"] for r in fidelity} - {"both"}
    return next(
        (f for f in ("the paper's text", "the authors' code") if followed <= {f}),
        "a mix of both (see the fidelity table)",
    )


def rst_escaped(facts: dict) -> dict:
    """Every text (and each text of a list) through ``rst_text``; numbers as numbers."""
    return {
        key: [rst_text(v) for v in value]
        if isinstance(value, list)
        else value
        if isinstance(value, int)
        else rst_text(value)
        for key, value in facts.items()
    }


def report_facts(config: RunConfig, layers: list[str], fidelity: list[dict]) -> dict:
    """The landing page's facts (workflow/report/workflow.rst and the captions that quote them): every
    text escaped for reStructuredText (``rst_text``), numbers as numbers."""
    runs, experiments = config.datasets, config.experiments
    pretrain_epochs, classify_epochs = epochs_texts(runs)
    simclr_split = next(iter(runs.values())).pretrain_split("simclr")
    return rst_escaped(
        {
            "data": data_text(runs),
            "layers": ", ".join(layers),
            "experiments": [f"{name}/{e.path}" for name, e in experiments],
            "n_experiments": len(experiments),
            "seeds": ", ".join(map(str, config.seeds)),
            "n_seeds": len(config.seeds),
            "simclr_images": "every training image of the source split"
            if simclr_split == "unpruned"
            else "the pruned training images",
            "pretrain_epochs": pretrain_epochs,
            "classify_epochs": classify_epochs,
            "budgets": ", ".join(sorted({fraction_text(e.labels) for _, e in experiments}, key=float)),
            "layer": followed_layer(fidelity),
            "device": config.settings["device"],
        }
    )
