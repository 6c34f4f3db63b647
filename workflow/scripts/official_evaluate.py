"""Adapter: rule official_evaluate -> cxrcontrast.stages.official_evaluate.run_official_evaluate."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.official_evaluate import run_official_evaluate

with job(snakemake.log[0], snakemake.params.execution.threads):
    run_official_evaluate(
        snakemake.input.model,
        snakemake.input.test,
        snakemake.input.raw,
        snakemake.input.classes,
        snakemake.output.metrics,
        pretrain=snakemake.wildcards.pretrain,
        device=snakemake.params.execution.device,
        model_made_by=snakemake.params.model_made_by,
    )
