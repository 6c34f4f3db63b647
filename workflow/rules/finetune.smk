# Classification stage: baseline (pretrain "none", end to end) or a head on a frozen pretrained encoder.


rule finetune:
    input:
        unpack(classify_inputs),
    output:
        model="results/finetune/{encoder}/{pretrain}/{trainset}/seed{seed}/model.pt",
        history="results/finetune/{encoder}/{pretrain}/{trainset}/seed{seed}/history.csv",
    log:
        "results/logs/finetune/{encoder}/{pretrain}/{trainset}/seed{seed}.log",
    benchmark:
        "results/benchmarks/finetune/{encoder}/{pretrain}/{trainset}/seed{seed}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 8),
        runtime=240,
    params:
        encoder_cfg=lambda w: config["encoders"][w.encoder],
        classify_cfg=classify_params,
        image_size=DATA["image_size"],
        device=config["device"],
        performance=config["performance"],
    script:
        "../scripts/finetune.py"
