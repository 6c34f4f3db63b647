"""Adapter: rule embed -> cxrcontrast.stages.evaluate.run_embed."""
from cxrcontrast.runtime import job
from cxrcontrast.stages.evaluate import run_embed

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i, out = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    run_embed(
        i.get("pretrained"),
        i.train,
        i.val,
        i.classes,
        out.tsne,
        out.quality,
        encoder=w.encoder,
        encoder_cfg=p.encoder_cfg,
        image_size=p.image_size,
        seed=int(w.seed),
        points=p.points,
        perplexity=p.perplexity,
        tsne_seed=p.tsne_seed,
        state=w.state,
        device=p.device,
    )
