"""Adapter: rule augment_copies -> cxrcontrast.stages.data.augmented_copies."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.data import augmented_copies

with job(snakemake.log[0], snakemake.params.execution.threads):
    augmented_copies(
        snakemake.input[0],
        snakemake.output[0],
        image_size=snakemake.params.image_size,
        params=snakemake.params.augment,
        seed=int(snakemake.wildcards.seed),
    )
