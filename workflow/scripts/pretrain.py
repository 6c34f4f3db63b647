"""Adapter: rule pretrain -> cxrcontrast.stages.pretrain.run_pretrain."""

from cxrcontrast.runtime import job, tensorboard_folder
from cxrcontrast.stages.pretrain import run_pretrain

execution = snakemake.params.execution
with job(snakemake.log[0], execution.threads):
    run_pretrain(
        snakemake.input.train,
        snakemake.input.val,
        snakemake.input.classes,
        snakemake.output.encoder,
        snakemake.output.history,
        params=snakemake.params.job,
        seed=int(snakemake.wildcards.seed),
        device=execution.device,
        performance=execution.performance_dict,
        weights=snakemake.input.get("weights"),
        # beside the outputs, not declared: Snakemake neither deletes nor tracks it (config/README.md)
        tensorboard=tensorboard_folder(snakemake.log[0]) if execution.tensorboard else None,
    )
