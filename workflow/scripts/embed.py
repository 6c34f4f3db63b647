"""Adapter: rule embed -> cxrcontrast.stages.embed.run_embed."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.embed import run_embed

with job(snakemake.log[0], snakemake.params.execution.threads):
    run_embed(
        snakemake.input.get("pretrained"),
        snakemake.input.train,
        snakemake.input.val,
        snakemake.input.classes,
        snakemake.output.tsne,
        snakemake.output.quality,
        params=snakemake.params.job,
        pretrain=snakemake.wildcards.pretrain,
        seed=int(snakemake.wildcards.seed),
        device=snakemake.params.execution.device,
        pretrained_made_by=snakemake.params.pretrained_made_by,
    )
