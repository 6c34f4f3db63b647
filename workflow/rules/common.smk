# The config, resolved once by the package into what each rule gets; paths and input functions.
import sys
from pathlib import Path

from cxrcontrast.config import fidelity_rows, report_facts, resolve
from cxrcontrast.config.recorded import results_of_other_settings
from cxrcontrast.vocabulary.experiments import fraction_text
from cxrcontrast.data.source import size_suffix
from cxrcontrast.digests import content_digest
from cxrcontrast.runtime import check_device
from snakemake.logging import logger

SCHEMA = Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
CONFIG = resolve(config, SCHEMA)
# which modes of the paper's text or the authors' code this run uses; facts for the report's landing page
FIDELITY = fidelity_rows(
    CONFIG, SCHEMA, Path(workflow.basedir) / "config/paper_code.yaml"
)
LAYERS = [
    Path(p).resolve()
    for p in ["config/config.yaml", *(workflow.overwrite_configfiles or [])]
]
LAYERS = [
    str(p.relative_to(Path.cwd())) if p.is_relative_to(Path.cwd()) else str(p)
    for p in LAYERS
]
config["_report"] = report_facts(CONFIG, list(dict.fromkeys(LAYERS)), FIDELITY)
if workflow.is_main_process:
    logger.info(CONFIG.describe())
    if workflow.local_exec:
        # a GPU asked for where there is none: refused now, not in a job
        check_device(CONFIG.execution.device)


wildcard_constraints:
    **CONFIG.wildcard_patterns(),
    split="train|val|test",


ENV = "../envs/cxrcontrast.yaml"
SPLITS = ["train", "val", "test"]
DATA = CONFIG.data_params()
EXPERIMENT = "{encoder}/{pretrain}/{trainset}/labels{labels}/seed{seed}"
STATE = "{encoder}/{pretrain}/seed{seed}"
OFFICIAL = "{encoder}/{pretrain}/{tuning}/seed{seed}"


def mem_mb(base, per_input_mb):
    """Memory that grows with the data: `base` MB plus `per_input_mb` MB per MB of input files."""
    return lambda wildcards, input: int(base + per_input_mb * input.size_mb)


def raw_npz():
    """The MedMNIST-format file the workflow starts from, by `data.source`."""
    if DATA["source"] == "npz":
        return DATA["npz"]
    if DATA["source"] == "demo":
        return "results/data/raw/demo.npz"
    return f"data/raw/{DATA['flag']}{size_suffix(DATA['size'])}.npz"


def raw_sha256(wildcards):
    """The raw file's content as a param of the rules that read it: replaced under its path, even with an
    older time stamp, it reruns them (Snakemake compares times only), and by time all that follows.
    """
    return content_digest(raw_npz())


def experiment(w):
    return CONFIG.experiment(w.encoder, w.pretrain, w.trainset, w.labels)


def pretrain_inputs(w):
    return {
        "train": f"results/data/{CONFIG.pretrain_split(w.pretrain)}/train.npz",
        **weights_input(w),
        "val": "results/data/pruned/val.npz",
        "classes": "results/data/pruned/classes.json",
    }


def classify_inputs(w):
    inputs = {
        "train": ["results/data/pruned/train.npz"],
        "val": "results/data/pruned/val.npz",
        "classes": "results/data/pruned/classes.json",
    }
    if w.trainset == "train_aug" and CONFIG.stored_augmented_copy:
        inputs["train"].append(f"results/data/augmented/seed{w.seed}/train.npz")
    # (train_aug on_access: the stage doubles the pruned set and augments the second half anew)
    return {**inputs, **start_input(w)}


def weights_input(w):
    """A local weights file the encoder starts from is an input: its content is part of what jobs compute."""
    weights = CONFIG.local_weights(w.encoder)
    return {} if weights is None else {"weights": weights}


def start_input(w):
    """What the encoder starts from: its pretraining's checkpoint, or (pretrain none) a local weights file."""
    if w.pretrain == "none":
        return weights_input(w)
    return {"pretrained": f"results/pretrain/{STATE.format(**w)}/encoder.pt"}


def pretrain_history(w):
    if w.pretrain == "none":
        return []
    return f"results/pretrain/{w.encoder}/{w.pretrain}/seed{w.seed}/history.csv"


def embed_inputs(w):
    inputs = {
        "train": "results/data/pruned/train.npz",
        "val": "results/data/pruned/val.npz",
        "classes": "results/data/pruned/classes.json",
    }
    return {**inputs, **start_input(w)}


def probe_inputs(w):
    return {**embed_inputs(w), "test": "results/data/pruned/test.npz"}


def official_inputs(w):
    inputs = {s: f"results/data/unpruned/{s}.npz" for s in ("train", "val")}
    return {**inputs, **start_input(w)}


def official_targets(pattern):
    return [
        pattern.format(encoder=enc, pretrain=pre, tuning=tuning, seed=s)
        for enc, pre, tuning in CONFIG.official_jobs
        for s in CONFIG.seeds
    ]


def experiment_targets(pattern):
    return [
        pattern.format(
            encoder=e.encoder,
            pretrain=e.pretrain,
            trainset=e.trainset,
            labels=fraction_text(e.labels),
            seed=s,
        )
        for e in CONFIG.experiments
        for s in CONFIG.seeds
    ]


def state_targets(pattern, states=None):
    return [
        pattern.format(encoder=enc, pretrain=pre, seed=s)
        for enc, pre in (CONFIG.states if states is None else states)
        for s in CONFIG.seeds
    ]


def data_targets():
    return [
        expand("results/data/pruned/{split}.npz", split=SPLITS),
        "results/figures/augmentation_examples.png",
    ]


def benchmark_files():
    """Benchmark files of every job that runs a model, and of the summary."""
    files = state_targets(
        f"results/benchmarks/pretrain/{STATE}.tsv", CONFIG.pretrainings
    )
    for stage in ("classify", "evaluate"):
        files += experiment_targets(f"results/benchmarks/{stage}/{EXPERIMENT}.tsv")
    for stage in ("embed", "probe"):
        files += state_targets(f"results/benchmarks/{stage}/{STATE}.tsv")
    for stage in ("official", "official_evaluate"):
        files += official_targets(f"results/benchmarks/{stage}/{OFFICIAL}.tsv")
    return files + ["results/benchmarks/report/summary.tsv"]


SUMMARY = {
    "metrics": "results/summary/metrics.csv",
    "summary": "results/summary/summary.csv",
    "comparisons": "results/summary/comparisons.csv",
    "embedding_table": "results/summary/embedding_quality.csv",
    "official": "results/summary/medmnist_official.csv",
    "fidelity": "results/summary/fidelity.csv",
    "markdown": "results/summary/summary.md",
    "figure13": "results/figures/figure13.png",
    "embedding_quality": "results/figures/embedding_quality.png",
    "label_efficiency": "results/figures/label_efficiency.png",
}
TABLE_PAGE = "results/summary/tables/{}.html"  # each table as the report shows it


def all_targets():
    return data_targets() + list(SUMMARY.values()) + ["results/summary/runtime.csv"]


def check_report_inputs():
    """--report reads the finished results of the config it is given: say so, not a missing file's name."""
    if not Path(SUMMARY["markdown"]).exists():
        raise WorkflowError(
            f"--report: no finished run here ({SUMMARY['markdown']} is missing): run the workflow first, "
            "with the same --configfile layers, then build its report"
        )
    targets = [
        t
        for group in all_targets()
        for t in ([group] if isinstance(group, str) else group)
    ]
    targets += (
        benchmark_files()
    )  # one per job that runs a model: every experiment, state and seed
    missing = [t for t in targets if not Path(t).exists()]
    if missing:
        raise WorkflowError(
            f"--report: the results of the config layers given ({', '.join(dict.fromkeys(LAYERS))}) are not "
            f"all here ({missing[0]} and {len(missing) - 1} more missing): give --report the --configfile "
            "layers the run used (after make demo: make report, or --configfile config/config.yaml "
            "config/demo.yaml), or run the workflow with these layers first"
        )


def check_report_settings():
    """--report describes this config: the results it shows must have been made by it, not only be there."""
    stale = results_of_other_settings(
        CONFIG, f"results/metrics/{EXPERIMENT}/metrics.json"
    )
    if stale:
        raise WorkflowError(
            f"--report: {stale}: give --report the --configfile layers the run used, or rerun the workflow "
            "with these layers first"
        )


if "--report" in sys.argv:
    check_report_inputs()
    check_report_settings()


localrules:
    all,
    data,
