# The official MedMNIST task: a head on each encoder state's frozen features, and the end-to-end baseline.


rule official:
    input:
        unpack(official_inputs),
    output:
        model=f"results/official/{OFFICIAL}/model.pt",
        history=f"results/official/{OFFICIAL}/history.csv",
        metrics=f"results/official/{OFFICIAL}/metrics.json",
    log:
        f"results/logs/official/{OFFICIAL}.log",
    benchmark:
        f"results/benchmarks/official/{OFFICIAL}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 10),
        runtime=240,
    params:
        job=lambda w: CONFIG.official_params(w.encoder, w.tuning),
        execution=CONFIG.execution,
    script:
        "../scripts/official.py"
