"""Adapter: rule evaluate -> cxrcontrast.stages.evaluate.run_evaluate."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.evaluate import run_evaluate

wildcards = snakemake.wildcards
with job(snakemake.log[0], snakemake.params.execution.threads):
    experiment = {
        "encoder": wildcards.encoder,
        "pretrain": wildcards.pretrain,
        "trainset": wildcards.trainset,
        "labels": float(wildcards.labels),
        "seed": int(wildcards.seed),
    }
    run_evaluate(
        snakemake.input.model,
        snakemake.input.test,
        snakemake.input.val,
        snakemake.input.corrupted,
        snakemake.input.classes,
        snakemake.input.history,
        {k: snakemake.output[k] for k in ("metrics", "predictions", "confusion", "auc", "curves", "reliability")},
        experiment,
        params=snakemake.params.job,
        pretrain_history=snakemake.input.pretrain_history or None,
        device=snakemake.params.execution.device,
        model_made_by=snakemake.params.model_made_by,
    )
