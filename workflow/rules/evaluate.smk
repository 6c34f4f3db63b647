# Evaluation stage: test metrics per experiment and seed; embeddings per encoder state and seed.


rule evaluate:
    input:
        model=f"{DS}/classify/{EXPERIMENT}/model.pt",
        history=f"{DS}/classify/{EXPERIMENT}/history.csv",
        pretrain_history=pretrain_history,
        test="results/{dataset}/data/pruned/test.npz",
        val="results/{dataset}/data/pruned/val.npz",
        corrupted="results/{dataset}/data/corrupted/seed{seed}/test.npz",
        classes="results/{dataset}/data/pruned/classes.json",
    output:
        metrics=f"{DS}/metrics/{EXPERIMENT}/metrics.json",
        predictions=f"{DS}/metrics/{EXPERIMENT}/predictions.npz",
        confusion=report(
            f"{DS}/metrics/{EXPERIMENT}/confusion.png",
            caption="../report/confusion.rst",
            category="classification",
            subcategory="{dataset}/{encoder}/{pretrain}/{trainset}/labels{labels}",
            labels={"figure": "confusion matrix", "seed": "{seed}"},
        ),
        auc=report(
            f"{DS}/metrics/{EXPERIMENT}/auc.png",
            caption="../report/auc.rst",
            category="classification",
            subcategory="{dataset}/{encoder}/{pretrain}/{trainset}/labels{labels}",
            labels={"figure": "per-class ROC AUC", "seed": "{seed}"},
        ),
        curves=report(
            f"{DS}/metrics/{EXPERIMENT}/curves.png",
            caption="../report/curves.rst",
            category="classification",
            subcategory="{dataset}/{encoder}/{pretrain}/{trainset}/labels{labels}",
            labels={"figure": "training curves", "seed": "{seed}"},
        ),
        reliability=report(
            f"{DS}/metrics/{EXPERIMENT}/reliability.png",
            caption="../report/reliability.rst",
            category="classification",
            subcategory="{dataset}/{encoder}/{pretrain}/{trainset}/labels{labels}",
            labels={"figure": "reliability diagram", "seed": "{seed}"},
        ),
    log:
        f"{DS}/logs/evaluate/{EXPERIMENT}.log",
    benchmark:
        f"{DS}/benchmarks/evaluate/{EXPERIMENT}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 8),
        runtime=minutes(30),
    params:
        job=CONFIG.evaluate_params(),
        model_made_by=lambda w: run_of(w).classifier_made_by(experiment(w), w.seed),
        execution=CONFIG.execution,
    script:
        "../scripts/evaluate.py"


rule embed:
    input:
        unpack(embed_inputs),
    output:
        tsne=report(
            f"{DS}/embeddings/{STATE}/tsne.png",
            caption="../report/tsne.rst",
            category="pretraining",
            subcategory="{dataset}/{encoder}",
            labels={"figure": "t-SNE", "pretrain": "{pretrain}", "seed": "{seed}"},
        ),
        quality=f"{DS}/embeddings/{STATE}/quality.json",
    log:
        f"{DS}/logs/embed/{STATE}.log",
    benchmark:
        f"{DS}/benchmarks/embed/{STATE}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 6),
        runtime=minutes(60),
    params:
        job=lambda w: run_of(w).embed_params(w.encoder),
        pretrained_made_by=lambda w: run_of(w).pretraining_made_by(
            w.encoder, w.pretrain, w.seed
        ),
        execution=CONFIG.execution,
    script:
        "../scripts/embed.py"


rule probe:
    input:
        unpack(probe_inputs),
    output:
        f"{DS}/probes/{STATE}/probes.json",
    log:
        f"{DS}/logs/probe/{STATE}.log",
    benchmark:
        f"{DS}/benchmarks/probe/{STATE}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(3000, 12),
        runtime=minutes(60),
    params:
        job=lambda w: run_of(w).probe_params(w.encoder),
        pretrained_made_by=lambda w: run_of(w).pretraining_made_by(
            w.encoder, w.pretrain, w.seed
        ),
        execution=CONFIG.execution,
    script:
        "../scripts/probe.py"
