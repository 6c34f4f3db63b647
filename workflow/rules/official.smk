# The official MedMNIST task: a head on each encoder state's frozen features, the end-to-end baseline, and
# the pretrained encoders of official.finetune_pretrain fine-tuned (tuning finetune), trained (official), then
# scored by medmnist's Evaluator (official_evaluate).


rule official:
    input:
        unpack(official_inputs),
    output:
        model=f"{DS}/official/{OFFICIAL}/model.pt",
        history=f"{DS}/official/{OFFICIAL}/history.csv",
    log:
        f"{DS}/logs/official/{OFFICIAL}.log",
    benchmark:
        f"{DS}/benchmarks/official/{OFFICIAL}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 10),
        runtime=minutes(240),
    params:
        job=lambda w: run_of(w).official_params(w.encoder, w.tuning),
        pretrained_made_by=lambda w: run_of(w).pretraining_made_by(
            w.encoder, w.pretrain, w.seed
        ),
        execution=CONFIG.execution,
    script:
        "../scripts/official.py"


rule official_evaluate:
    input:
        model=f"{DS}/official/{OFFICIAL}/model.pt",
        test="results/{dataset}/data/unpruned/test.npz",
        raw=raw_npz,
        classes="results/{dataset}/data/pruned/classes.json",
    output:
        metrics=f"{DS}/official/{OFFICIAL}/metrics.json",
    log:
        f"{DS}/logs/official_evaluate/{OFFICIAL}.log",
    benchmark:
        f"{DS}/benchmarks/official_evaluate/{OFFICIAL}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 8),
        runtime=minutes(30),
    params:
        model_made_by=lambda w: run_of(w).official_made_by(
            w.encoder, w.pretrain, w.tuning, w.seed
        ),
        execution=CONFIG.execution,
    script:
        "../scripts/official_evaluate.py"
