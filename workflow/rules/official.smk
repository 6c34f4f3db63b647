# The official MedMNIST task: a head on each encoder state's frozen features, and the end-to-end baseline,
# trained (official), then scored by medmnist's Evaluator (official_evaluate).


rule official:
    input:
        unpack(official_inputs),
    output:
        model=f"results/official/{OFFICIAL}/model.pt",
        history=f"results/official/{OFFICIAL}/history.csv",
    log:
        f"results/logs/official/{OFFICIAL}.log",
    benchmark:
        f"results/benchmarks/official/{OFFICIAL}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 10),
        runtime=240,
    params:
        job=lambda w: CONFIG.official_params(w.encoder, w.tuning),
        execution=CONFIG.execution,
    script:
        "../scripts/official.py"


rule official_evaluate:
    input:
        model=f"results/official/{OFFICIAL}/model.pt",
        test="results/data/unpruned/test.npz",
        raw=raw_npz(),
        classes="results/data/pruned/classes.json",
    output:
        metrics=f"results/official/{OFFICIAL}/metrics.json",
    log:
        f"results/logs/official_evaluate/{OFFICIAL}.log",
    benchmark:
        f"results/benchmarks/official_evaluate/{OFFICIAL}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 8),
        runtime=30,
    params:
        execution=CONFIG.execution,
    script:
        "../scripts/official_evaluate.py"
