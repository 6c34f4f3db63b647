"""Adapter: rule augmentation_figure -> cxrcontrast.stages.augmentation_figure.run_augmentation_figure."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.augmentation_figure import run_augmentation_figure

with job(snakemake.log[0], snakemake.params.execution.threads):
    run_augmentation_figure(
        snakemake.input.train,
        snakemake.input.classes,
        snakemake.output[0],
        image_size=snakemake.params.image_size,
        params=snakemake.params.augment,
        seed=snakemake.params.seed,
    )
