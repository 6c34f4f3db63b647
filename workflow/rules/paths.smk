# Where results go, and the lists of targets the config asks for: `all`, the summaries' inputs, --report.
from cxrcontrast.vocabulary.experiments import fraction_text

SPLITS = ["train", "val", "test"]
# every result belongs to a dataset: its path is results/{dataset}/<stage>/<experiment or state>
DS = "results/{dataset}"
EXPERIMENT = "{encoder}/{pretrain}/{trainset}/labels{labels}/seed{seed}"
STATE = "{encoder}/{pretrain}/seed{seed}"
OFFICIAL = "{encoder}/{pretrain}/{tuning}/seed{seed}"

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
ACROSS = {  # the run's datasets side by side
    "datasets": "results/summary/datasets.csv",
    "figure": "results/figures/datasets.png",
    "markdown": "results/summary/summary.md",
    "runtime": "results/summary/runtime.csv",
}


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
