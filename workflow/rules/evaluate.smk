# Evaluation stage: test metrics per experiment and seed; embeddings per encoder state and seed.


rule evaluate:
    input:
        model=f"results/classify/{EXPERIMENT}/model.pt",
        history=f"results/classify/{EXPERIMENT}/history.csv",
        pretrain_history=pretrain_history,
        test="results/data/pruned/test.npz",
        classes="results/data/pruned/classes.json",
    output:
        metrics=f"results/metrics/{EXPERIMENT}/metrics.json",
        predictions=f"results/metrics/{EXPERIMENT}/predictions.npz",
        confusion=report(
            f"results/metrics/{EXPERIMENT}/confusion.png",
            caption="../report/confusion.rst",
            category="classification",
            subcategory="{encoder}/{pretrain}/{trainset}/labels{labels}",
            labels={"figure": "confusion matrix", "seed": "{seed}"},
        ),
        auc=report(
            f"results/metrics/{EXPERIMENT}/auc.png",
            caption="../report/auc.rst",
            category="classification",
            subcategory="{encoder}/{pretrain}/{trainset}/labels{labels}",
            labels={"figure": "per-class ROC AUC", "seed": "{seed}"},
        ),
        curves=report(
            f"results/metrics/{EXPERIMENT}/curves.png",
            caption="../report/curves.rst",
            category="classification",
            subcategory="{encoder}/{pretrain}/{trainset}/labels{labels}",
            labels={"figure": "training curves", "seed": "{seed}"},
        ),
    log:
        f"results/logs/evaluate/{EXPERIMENT}.log",
    benchmark:
        f"results/benchmarks/evaluate/{EXPERIMENT}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 8),
        runtime=30,
    params:
        job=CONFIG.evaluate_params(),
        execution=CONFIG.execution,
    script:
        "../scripts/evaluate.py"


rule embed:
    input:
        unpack(embed_inputs),
    output:
        tsne=report(
            f"results/embeddings/{STATE}/tsne.png",
            caption="../report/tsne.rst",
            category="pretraining",
            subcategory="{encoder}",
            labels={"figure": "t-SNE", "pretrain": "{pretrain}", "seed": "{seed}"},
        ),
        quality=f"results/embeddings/{STATE}/quality.json",
    log:
        f"results/logs/embed/{STATE}.log",
    benchmark:
        f"results/benchmarks/embed/{STATE}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 6),
        runtime=60,
    params:
        job=lambda w: CONFIG.embed_params(w.encoder),
        execution=CONFIG.execution,
    script:
        "../scripts/embed.py"


rule probe:
    input:
        unpack(probe_inputs),
    output:
        f"results/probes/{STATE}/probes.json",
    log:
        f"results/logs/probe/{STATE}.log",
    benchmark:
        f"results/benchmarks/probe/{STATE}.tsv"
    conda:
        ENV
    threads: CONFIG.execution.threads
    resources:
        gpu=1,
        mem_mb=mem_mb(3000, 12),
        runtime=60,
    params:
        job=lambda w: CONFIG.probe_params(w.encoder),
        execution=CONFIG.execution,
    script:
        "../scripts/probe.py"
