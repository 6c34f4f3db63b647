"""Adapter: rule evaluate -> cxrcontrast.stages.evaluate.run_evaluate."""
from cxrcontrast.runtime import job
from cxrcontrast.stages.evaluate import run_evaluate

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i, out = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    run_evaluate(
        i.model,
        i.test,
        i.classes,
        i.history,
        {k: out[k] for k in ("metrics", "predictions", "confusion", "auc", "curves")},
        {"encoder": w.encoder, "pretrain": w.pretrain, "trainset": w.trainset, "seed": int(w.seed)},
        resamples=p.resamples,
        seed=p.bootstrap_seed,
        protocol_seed=p.protocol_seed,
        pretrain_history=i.pretrain_history or None,
        device=p.device,
    )
