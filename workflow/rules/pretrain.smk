# Pretraining stage: encoder + z head per (encoder x objective x seed).


rule pretrain:
    input:
        unpack(pretrain_inputs),
    output:
        encoder=f"{DS}/pretrain/{STATE}/encoder.pt",
        history=f"{DS}/pretrain/{STATE}/history.csv",
    log:
        f"{DS}/logs/pretrain/{STATE}.log",
    benchmark:
        f"{DS}/benchmarks/pretrain/{STATE}.tsv"
    wildcard_constraints:
        pretrain="|".join(
            p for p in CONFIG.wildcard_patterns()["pretrain"].split("|") if p != "none"
        ),
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 8),
        runtime=minutes(240),
    params:
        job=lambda w: run_of(w).pretrain_params(w.encoder, w.pretrain),
        execution=CONFIG.execution,
    script:
        "../scripts/pretrain.py"
