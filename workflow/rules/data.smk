# Data stage: raw MedMNIST file -> pruned single-label splits (and the unpruned ones) -> augmented copies.


rule demo_data:
    output:
        "results/data/raw/demo.npz",
    log:
        "results/logs/data/demo_data.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        sizes=DATA["demo"],
        image_size=DATA["size"],
    script:
        "../scripts/demo_data.py"


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
        runtime=60,
    params:
        flag=DATA["flag"],
        size=DATA["size"],
    script:
        "../scripts/download.py"


rule prune:
    input:
        raw=raw_npz(),
    output:
        train="results/data/pruned/train.npz",
        val="results/data/pruned/val.npz",
        test="results/data/pruned/test.npz",
        classes="results/data/pruned/classes.json",
    log:
        "results/logs/data/prune.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 4),
        runtime=20,
    params:
        flag=DATA["flag"],
        size=DATA["size"],
        raw_sha256=raw_sha256,
    script:
        "../scripts/prune.py"


rule unpruned:
    input:
        raw=raw_npz(),
    output:
        train="results/data/unpruned/train.npz",
        val="results/data/unpruned/val.npz",
        test="results/data/unpruned/test.npz",
    log:
        "results/logs/data/unpruned.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 4),
        runtime=20,
    params:
        flag=DATA["flag"],
        raw_sha256=raw_sha256,
    script:
        "../scripts/unpruned.py"


rule augment_copies:
    input:
        "results/data/pruned/train.npz",
    output:
        "results/data/augmented/seed{seed}/train.npz",
    log:
        "results/logs/data/augment_copies/seed{seed}.log",
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        mem_mb=mem_mb(1500, 6),
        runtime=30,
    params:
        execution=CONFIG.execution,
        image_size=DATA["image_size"],
        augment=CONFIG.augment(),
    script:
        "../scripts/augment_copies.py"


rule augmentation_figure:
    input:
        train="results/data/pruned/train.npz",
        classes="results/data/pruned/classes.json",
    output:
        report(
            "results/figures/augmentation_examples.png",
            caption="../report/augmentation.rst",
            category="data",
            labels={"figure": "augmentation examples"},
        ),
    log:
        "results/logs/data/augmentation_figure.log",
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        mem_mb=mem_mb(1500, 2),
        runtime=10,
    params:
        execution=CONFIG.execution,
        image_size=DATA["image_size"],
        augment=CONFIG.augment(),
        seed=CONFIG.settings["augment"]["figure_seed"],
    script:
        "../scripts/augmentation_figure.py"


rule data:
    # `snakemake data`: the data stage alone
    input:
        data_targets(),
