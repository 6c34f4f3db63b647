# Pretraining stage: encoder + projection head per (encoder x sampler x seed).


rule pretrain:
    input:
        train="results/data/pruned/train.npz",
    output:
        encoder="results/pretrain/{encoder}/{sampler}/seed{seed}/encoder.pt",
        history="results/pretrain/{encoder}/{sampler}/seed{seed}/history.csv",
    log:
        "results/logs/pretrain/{encoder}/{sampler}/seed{seed}.log",
    benchmark:
        "results/benchmarks/pretrain/{encoder}/{sampler}/seed{seed}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        gpu=1,
        mem_mb=mem_mb(2000, 8),
        runtime=240,
    params:
        encoder_cfg=lambda w: config["encoders"][w.encoder],
        sampler_cfg=pretrain_params,
        augment=sampler_augment,
        image_size=DATA["image_size"],
        device=config["device"],
        performance=config["performance"],
    script:
        "../scripts/pretrain.py"
