# Evaluation stage: test metrics per experiment and seed; embeddings per encoder state and seed.


rule evaluate:
    input:
        model="results/finetune/{encoder}/{pretrain}/{trainset}/seed{seed}/model.pt",
        history="results/finetune/{encoder}/{pretrain}/{trainset}/seed{seed}/history.csv",
        pretrain_history=pretrain_history,
        test="results/data/pruned/test.npz",
        classes="results/data/pruned/classes.json",
    output:
        metrics="results/metrics/{encoder}/{pretrain}/{trainset}/seed{seed}/metrics.json",
        predictions="results/metrics/{encoder}/{pretrain}/{trainset}/seed{seed}/predictions.npz",
        confusion=report(
            "results/metrics/{encoder}/{pretrain}/{trainset}/seed{seed}/confusion.png",
            category="classification",
            subcategory="{encoder}/{pretrain}/{trainset}",
            labels={"figure": "confusion matrix", "seed": "{seed}"},
        ),
        auc=report(
            "results/metrics/{encoder}/{pretrain}/{trainset}/seed{seed}/auc.png",
            category="classification",
            subcategory="{encoder}/{pretrain}/{trainset}",
            labels={"figure": "per-class ROC AUC", "seed": "{seed}"},
        ),
        curves=report(
            "results/metrics/{encoder}/{pretrain}/{trainset}/seed{seed}/curves.png",
            category="classification",
            subcategory="{encoder}/{pretrain}/{trainset}",
            labels={"figure": "training curves", "seed": "{seed}"},
        ),
    log:
        "results/logs/evaluate/{encoder}/{pretrain}/{trainset}/seed{seed}.log",
    benchmark:
        "results/benchmarks/evaluate/{encoder}/{pretrain}/{trainset}/seed{seed}.tsv"
    conda:
        ENV
    threads: 2
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 8),
        runtime=30,
    params:
        resamples=config["evaluate"]["bootstrap"],
        bootstrap_seed=config["evaluate"]["seed"],
        protocol_seed=config["evaluate"]["paper_protocol_seed"],
        device=config["device"],
    script:
        "../scripts/evaluate.py"


rule embed:
    input:
        unpack(embedding_inputs),
    output:
        tsne=report(
            "results/embeddings/{encoder}/{state}/seed{seed}/tsne.png",
            category="pretraining",
            subcategory="{encoder}",
            labels={"figure": "t-SNE", "state": "{state}", "seed": "{seed}"},
        ),
        quality="results/embeddings/{encoder}/{state}/seed{seed}/quality.json",
    log:
        "results/logs/embed/{encoder}/{state}/seed{seed}.log",
    benchmark:
        "results/benchmarks/embed/{encoder}/{state}/seed{seed}.tsv"
    conda:
        ENV
    threads: 2
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 6),
        runtime=60,
    params:
        encoder_cfg=lambda w: config["encoders"][w.encoder],
        image_size=DATA["image_size"],
        points=config["embeddings"]["points"],
        perplexity=config["embeddings"]["perplexity"],
        tsne_seed=config["embeddings"]["seed"],
        device=config["device"],
    script:
        "../scripts/embed.py"
