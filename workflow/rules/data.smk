# Data stage, per dataset: its source -> one MedMNIST-format file -> pruned single-label splits (and the
# unpruned ones) -> augmented copies.


rule source:
    # a source that is made, not found (demo, folder): data/sources/<source>.py
    output:
        "results/{dataset}/data/raw/{source}.npz",
    log:
        "results/{dataset}/logs/data/source_{source}.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=minutes(60),
    params:
        data=lambda w: run_of(w).data_params(),
        fingerprint=lambda w: sources.fingerprint(run_of(w).data),
    script:
        "../scripts/source.py"


rule download:
    output:
        protected("data/raw/{name}.npz"),
    log:
        "results/logs/data/download_{name}.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=minutes(60),
    script:
        "../scripts/download.py"


rule prune:
    input:
        raw=raw_npz,
    output:
        train="results/{dataset}/data/pruned/train.npz",
        val="results/{dataset}/data/pruned/val.npz",
        test="results/{dataset}/data/pruned/test.npz",
        classes="results/{dataset}/data/pruned/classes.json",
    log:
        "results/{dataset}/logs/data/prune.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 4),
        runtime=minutes(20),
    params:
        data=lambda w: run_of(w).data_params(),
        raw_sha256=raw_sha256,
    script:
        "../scripts/prune.py"


rule unpruned:
    input:
        raw=raw_npz,
    output:
        train="results/{dataset}/data/unpruned/train.npz",
        val="results/{dataset}/data/unpruned/val.npz",
        test="results/{dataset}/data/unpruned/test.npz",
    log:
        "results/{dataset}/logs/data/unpruned.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 4),
        runtime=minutes(20),
    params:
        data=lambda w: run_of(w).data_params(),
        raw_sha256=raw_sha256,
    script:
        "../scripts/unpruned.py"


rule augment_copies:
    input:
        "results/{dataset}/data/pruned/train.npz",
    output:
        "results/{dataset}/data/augmented/seed{seed}/train.npz",
    log:
        "results/{dataset}/logs/data/augment_copies/seed{seed}.log",
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        mem_mb=mem_mb(1500, 6),
        runtime=minutes(30),
    params:
        execution=CONFIG.execution,
        image_size=lambda w: run_of(w).data["image_size"],
        augment=lambda w: run_of(w).augment(),
    script:
        "../scripts/augment_copies.py"


rule corrupt:
    # the test split under MedMNIST-C's chest corruptions, once per seed (the noise is the seed's)
    input:
        test="results/{dataset}/data/pruned/test.npz",
    output:
        "results/{dataset}/data/corrupted/seed{seed}/test.npz",
    log:
        "results/{dataset}/logs/data/corrupt/seed{seed}.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 140),
        runtime=minutes(60),
    params:
        job=CONFIG.corrupt_params(),
    script:
        "../scripts/corrupt.py"


rule augmentation_figure:
    input:
        train="results/{dataset}/data/pruned/train.npz",
        classes="results/{dataset}/data/pruned/classes.json",
    output:
        report(
            "results/{dataset}/figures/augmentation_examples.png",
            caption="../report/augmentation.rst",
            category="data",
            subcategory="{dataset}",
            labels={"figure": "augmentation examples"},
        ),
    log:
        "results/{dataset}/logs/data/augmentation_figure.log",
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        mem_mb=mem_mb(1500, 2),
        runtime=minutes(10),
    params:
        execution=CONFIG.execution,
        image_size=lambda w: run_of(w).data["image_size"],
        augment=lambda w: run_of(w).augment(),
        seed=CONFIG.settings["augment"]["figure_seed"],
    script:
        "../scripts/augmentation_figure.py"


rule data:
    # `snakemake data`: the data stage alone, every dataset
    input:
        [data_targets(d) for d in CONFIG.datasets],
