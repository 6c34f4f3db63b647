# The config, resolved once by the package into what each rule gets; paths and input functions.
import sys
from pathlib import Path

from cxrcontrast.config import fidelity_rows, report_facts, resolve
from cxrcontrast.config.recorded import results_of_other_settings
from cxrcontrast.config.report_facts import rst_text
from cxrcontrast.summary.label_equivalence import findings
from cxrcontrast.vocabulary.experiments import fraction_text
from cxrcontrast.data import sources
from cxrcontrast.digests import content_digest
from cxrcontrast.resources import mem_mb, minutes
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
    name="[a-z]+mnist(_64|_128|_224)?",
    source="[a-z_]+",


ENV = "../envs/cxrcontrast.yaml"
SPLITS = ["train", "val", "test"]
# every result belongs to a dataset: its path is results/{dataset}/<stage>/<experiment or state>
DS = "results/{dataset}"
EXPERIMENT = "{encoder}/{pretrain}/{trainset}/labels{labels}/seed{seed}"
STATE = "{encoder}/{pretrain}/seed{seed}"
OFFICIAL = "{encoder}/{pretrain}/{tuning}/seed{seed}"


def run_of(w):
    """The grid and slices of the wildcards' dataset."""
    return CONFIG.on(w.dataset)


def raw_npz(w):
    """The MedMNIST-format file a dataset starts from: the user's or a download, else made by rule `source`."""
    entry = run_of(w).data
    made = f"results/{w.dataset}/data/raw/{entry['source']}.npz"
    return sources.raw_file(entry) or made


def raw_sha256(w):
    """The raw file's content as a param of the rules that read it: replaced under its path, even with an
    older time stamp, it reruns them (Snakemake compares times only), and by time all that follows.
    """
    return content_digest(raw_npz(w))


def experiment(w):
    return run_of(w).experiment(w.encoder, w.pretrain, w.trainset, w.labels)


def data_file(w, name):
    return f"results/{w.dataset}/data/{name}"


def pretrain_inputs(w):
    return {
        "train": data_file(w, f"{run_of(w).pretrain_split(w.pretrain)}/train.npz"),
        **weights_input(w),
        "val": data_file(w, "pruned/val.npz"),
        "classes": data_file(w, "pruned/classes.json"),
    }


def classify_inputs(w):
    inputs = {
        "train": [data_file(w, "pruned/train.npz")],
        "val": data_file(w, "pruned/val.npz"),
        "classes": data_file(w, "pruned/classes.json"),
    }
    if w.trainset == "train_aug" and run_of(w).stored_augmented_copy:
        inputs["train"].append(data_file(w, f"augmented/seed{w.seed}/train.npz"))
    # (train_aug on_access: the stage doubles the pruned set and augments the second half anew)
    return {**inputs, **start_input(w)}


def weights_input(w):
    """A local weights file the encoder starts from is an input: its content is part of what jobs compute."""
    weights = run_of(w).local_weights(w.encoder)
    return {} if weights is None else {"weights": weights}


def start_input(w):
    """What the encoder starts from: its pretraining's checkpoint, or (pretrain none) a local weights file."""
    if w.pretrain == "none":
        return weights_input(w)
    return {"pretrained": f"{DS}/pretrain/{STATE}/encoder.pt".format(**w)}


def pretrain_history(w):
    if w.pretrain == "none":
        return []
    return f"{DS}/pretrain/{STATE}/history.csv".format(**w)


def embed_inputs(w):
    inputs = {s: data_file(w, f"pruned/{s}.npz") for s in ("train", "val")}
    return {**inputs, "classes": data_file(w, "pruned/classes.json"), **start_input(w)}


def probe_inputs(w):
    return {**embed_inputs(w), "test": data_file(w, "pruned/test.npz")}


def official_inputs(w):
    inputs = {s: data_file(w, f"unpruned/{s}.npz") for s in ("train", "val")}
    return {**inputs, **start_input(w)}


def official_targets(pattern, dataset):
    return [
        pattern.format(
            dataset=dataset, encoder=enc, pretrain=pre, tuning=tuning, seed=s
        )
        for enc, pre, tuning in CONFIG.on(dataset).official_jobs
        for s in CONFIG.seeds
    ]


def experiment_targets(pattern, dataset):
    return [
        pattern.format(
            dataset=dataset,
            encoder=e.encoder,
            pretrain=e.pretrain,
            trainset=e.trainset,
            labels=fraction_text(e.labels),
            seed=s,
        )
        for e in CONFIG.on(dataset).experiments
        for s in CONFIG.seeds
    ]


def state_targets(pattern, dataset, states=None):
    run = CONFIG.on(dataset)
    return [
        pattern.format(dataset=dataset, encoder=enc, pretrain=pre, seed=s)
        for enc, pre in (run.states if states is None else states)
        for s in CONFIG.seeds
    ]


def data_targets(dataset):
    return [
        expand(f"results/{dataset}/data/pruned/{{split}}.npz", split=SPLITS),
        f"results/{dataset}/figures/augmentation_examples.png",
    ]


def benchmark_files(dataset):
    """Benchmark files of every job of a dataset that runs a model, and of its summary."""
    run, bench = CONFIG.on(dataset), f"{DS}/benchmarks"
    files = state_targets(f"{bench}/pretrain/{STATE}.tsv", dataset, run.pretrainings)
    for stage in ("classify", "evaluate"):
        files += experiment_targets(f"{bench}/{stage}/{EXPERIMENT}.tsv", dataset)
    for stage in ("embed", "probe"):
        files += state_targets(f"{bench}/{stage}/{STATE}.tsv", dataset)
    for stage in ("official", "official_evaluate"):
        files += official_targets(f"{bench}/{stage}/{OFFICIAL}.tsv", dataset)
    return files + [f"results/{dataset}/benchmarks/report/summary.tsv"]


SUMMARY = {  # of each dataset
    "metrics": f"{DS}/summary/metrics.csv",
    "summary": f"{DS}/summary/summary.csv",
    "comparisons": f"{DS}/summary/comparisons.csv",
    "embedding_table": f"{DS}/summary/embedding_quality.csv",
    "official": f"{DS}/summary/medmnist_official.csv",
    "fidelity": f"{DS}/summary/fidelity.csv",
    "protocols": f"{DS}/summary/protocols.csv",
    "robustness": f"{DS}/summary/robustness.csv",
    "markdown": f"{DS}/summary/summary.md",
    "figure13": f"{DS}/figures/figure13.png",
    "embedding_quality": f"{DS}/figures/embedding_quality.png",
    "label_efficiency": f"{DS}/figures/label_efficiency.png",
    "robustness_figure": f"{DS}/figures/robustness.png",
}
# --report (or --report=path): only then is anything read from results/ while the DAG is built, and what is
# read (the findings, the recorded settings) never changes what is scheduled
REPORTING = any(a == "--report" or a.startswith("--report=") for a in sys.argv)
# the landing page's findings: read from the summaries a finished run has written (the report is built after it)
config["_report"]["findings"] = (
    [
        rst_text(line)
        for line in findings(
            {d: SUMMARY["summary"].format(dataset=d) for d in CONFIG.datasets}
        )
    ]
    if REPORTING
    else []
)

ACROSS = {  # the run's datasets side by side
    "datasets": "results/summary/datasets.csv",
    "figure": "results/figures/datasets.png",
    "markdown": "results/summary/summary.md",
    "runtime": "results/summary/runtime.csv",
}


def table_page(name):
    """Each table of a dataset's summary as the report shows it."""
    return f"{DS}/summary/tables/{name}.html"


def summary_inputs(w):
    d = w.dataset
    return {
        "metrics": experiment_targets(f"{DS}/metrics/{EXPERIMENT}/metrics.json", d),
        "predictions": experiment_targets(
            f"{DS}/metrics/{EXPERIMENT}/predictions.npz", d
        ),
        "qualities": state_targets(f"{DS}/embeddings/{STATE}/quality.json", d),
        "probes": state_targets(f"{DS}/probes/{STATE}/probes.json", d),
        "official": official_targets(f"{DS}/official/{OFFICIAL}/metrics.json", d),
        "classes": f"results/{d}/data/pruned/classes.json",
    }


def page(name, caption, category, table):
    """A summary table in the report, per dataset."""
    return report(
        table_page(name),
        caption=f"../report/{caption}.rst",
        category=category,
        subcategory="{dataset}",
        labels={"table": table},
    )


def figure(path, caption, category, name):
    """A summary figure in the report, per dataset."""
    return report(
        path,
        caption=f"../report/{caption}.rst",
        category=category,
        subcategory="{dataset}",
        labels={"figure": name},
    )


SCORING = {  # the rules that score a model, and the targets of their jobs on a dataset
    "evaluate": experiment_targets,
    "embed": state_targets,
    "probe": state_targets,
    "official_evaluate": official_targets,
}


def result_files(dataset):
    """Every file the jobs that score a model write for ``dataset``: what the summaries read and the report
    shows. `all` asks for them because Snakemake makes a missing file again only for a job that runs and
    needs it, and a summary newer than its inputs does not run: a deleted metrics.json was never rebuilt.
    (Called once the rules are defined: their outputs are the patterns.)"""
    return [
        target
        for rule, targets in SCORING.items()
        for pattern in getattr(rules, rule).output
        for target in targets(pattern, dataset)
    ]


def dataset_targets(dataset):
    summaries = [path.format(dataset=dataset) for path in SUMMARY.values()]
    return data_targets(dataset) + result_files(dataset) + summaries


def all_targets():
    return [t for d in CONFIG.datasets for t in dataset_targets(d)] + list(
        ACROSS.values()
    )


def check_report_inputs():
    """--report reads the finished results of the config it is given: say so, not a missing file's name."""
    if not Path(ACROSS["markdown"]).exists():
        raise WorkflowError(
            f"--report: no finished run here ({ACROSS['markdown']} is missing): run the workflow first, "
            "with the same --configfile layers, then build its report"
        )
    targets = [
        t
        for group in all_targets()
        for t in ([group] if isinstance(group, str) else group)
    ]
    # one per job that runs a model: every dataset, experiment, state and seed
    targets += [t for d in CONFIG.datasets for t in benchmark_files(d)]
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
    stale = results_of_other_settings(CONFIG, f"{DS}/metrics/{EXPERIMENT}/metrics.json")
    if stale:
        raise WorkflowError(
            f"--report: {stale}: give --report the --configfile layers the run used, or rerun the workflow "
            "with these layers first"
        )


localrules:
    all,
    data,
    datasets,
