"""Adapter: rule pretrain -> cxrcontrast.stages.train.run_pretrain."""
from cxrcontrast.runtime import job
from cxrcontrast.stages.train import run_pretrain

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, out = snakemake.wildcards, snakemake.params, snakemake.output  # noqa: F821
    run_pretrain(
        snakemake.input.train,  # noqa: F821
        out.encoder,
        out.history,
        encoder=w.encoder,
        encoder_cfg=p.encoder_cfg,
        sampler=w.sampler,
        sampler_cfg=p.sampler_cfg,
        image_size=p.image_size,
        augment=p.augment,
        seed=int(w.seed),
        device=p.device,
        performance=p.performance,
    )
