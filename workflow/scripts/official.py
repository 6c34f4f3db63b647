"""Adapter: rule official -> cxrcontrast.stages.official.run_official."""

from cxrcontrast.runtime import job, tensorboard_folder
from cxrcontrast.stages.official import run_official

execution = snakemake.params.execution
with job(snakemake.log[0], execution.threads):
    run_official(
        snakemake.input.train,
        snakemake.input.val,
        snakemake.output.model,
        snakemake.output.history,
        params=snakemake.params.job,
        tuning=snakemake.wildcards.tuning,
        seed=int(snakemake.wildcards.seed),
        pretrained=snakemake.input.get("pretrained"),
        device=execution.device,
        performance=execution.performance_dict,
        weights=snakemake.input.get("weights"),
        # beside the outputs, not declared: Snakemake neither deletes nor tracks it (config/README.md)
        tensorboard=tensorboard_folder(snakemake.log[0]) if execution.tensorboard else None,
        pretrained_made_by=snakemake.params.pretrained_made_by,
    )
