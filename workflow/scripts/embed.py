"""Adapter: rule embed -> cxrcontrast.stages.embed.run_embed."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.embed import run_embed

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i, out = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    run_embed(
        i.get("pretrained"),
        i.train,
        i.val,
        i.classes,
        out.tsne,
        out.quality,
        params=p.job,
        pretrain=w.pretrain,
        seed=int(w.seed),
        device=p.execution.device,
    )
