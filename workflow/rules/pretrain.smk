# Pretraining stage: encoder + z head per (encoder x objective x seed).


rule pretrain:
    input:
        unpack(pretrain_inputs),
    output:
        encoder=f"results/pretrain/{STATE}/encoder.pt",
        history=f"results/pretrain/{STATE}/history.csv",
    log:
        f"results/logs/pretrain/{STATE}.log",
    benchmark:
        f"results/benchmarks/pretrain/{STATE}.tsv"
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
        runtime=240,
    params:
        job=lambda w: CONFIG.pretrain_params(w.encoder, w.pretrain),
        execution=CONFIG.execution,
    script:
        "../scripts/pretrain.py"
