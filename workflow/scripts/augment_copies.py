"""Adapter: rule augment_copies -> cxrcontrast.stages.augment_copies.run_augment_copies."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.augment_copies import run_augment_copies

with job(snakemake.log[0], snakemake.params.execution.threads):
    run_augment_copies(
        snakemake.input[0],
        snakemake.output[0],
        image_size=snakemake.params.image_size,
        params=snakemake.params.augment,
        seed=int(snakemake.wildcards.seed),
    )
