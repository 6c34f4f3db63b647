"""Adapter: rule finetune -> cxrcontrast.stages.train.run_classify."""
from cxrcontrast.runtime import job
from cxrcontrast.stages.train import run_classify

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i, out = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    run_classify(
        list(i.train),
        i.val,
        i.classes,
        out.model,
        out.history,
        encoder=w.encoder,
        encoder_cfg=p.encoder_cfg,
        classify_cfg=p.classify_cfg,
        image_size=p.image_size,
        seed=int(w.seed),
        pretrained=i.get("pretrained"),
        device=p.device,
        performance=p.performance,
    )
