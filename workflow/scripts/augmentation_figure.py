"""Adapter: rule augmentation_figure -> cxrcontrast.stages.data.augmentation_figure."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.data import augmentation_figure

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    p, i = snakemake.params, snakemake.input  # noqa: F821
    augmentation_figure(
        i.train,
        i.classes,
        snakemake.output[0],
        image_size=p.image_size,
        params=p.augment,  # noqa: F821
        seed=p.seed,
    )
