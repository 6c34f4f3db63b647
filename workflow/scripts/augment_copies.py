"""Adapter: rule augment_copies -> cxrcontrast.stages.data.augmented_copies."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.data import augmented_copies

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    p = snakemake.params  # noqa: F821
    augmented_copies(
        snakemake.input[0],
        snakemake.output[0],
        image_size=p.image_size,
        params=p.augment,  # noqa: F821
        seed=int(snakemake.wildcards.seed),
    )  # noqa: F821
