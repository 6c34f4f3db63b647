# Classification stage: the baseline (pretrain "none", end to end) or a head on a frozen pretrained encoder.


rule classify:
    input:
        unpack(classify_inputs),
    output:
        model=f"{DS}/classify/{EXPERIMENT}/model.pt",
        history=f"{DS}/classify/{EXPERIMENT}/history.csv",
    log:
        f"{DS}/logs/classify/{EXPERIMENT}.log",
    benchmark:
        f"{DS}/benchmarks/classify/{EXPERIMENT}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 8),
        runtime=minutes(240),
    params:
        job=lambda w: run_of(w).classify_params(experiment(w)),
        pretrained_made_by=lambda w: run_of(w).pretraining_made_by(
            w.encoder, w.pretrain, w.seed
        ),
        execution=CONFIG.execution,
    script:
        "../scripts/classify.py"
