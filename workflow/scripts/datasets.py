"""Adapter: rule datasets -> cxrcontrast.stages.datasets.run_datasets."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.datasets import run_datasets

with job(snakemake.log[0]):
    names = snakemake.params.datasets
    run_datasets(
        dict(zip(names, snakemake.input.comparisons)),
        dict(zip(names, snakemake.input.classes)),
        snakemake.params.data,
        snakemake.output.csv,
        snakemake.output.figure,
        snakemake.output.markdown,
        summaries=dict(zip(names, snakemake.input.summaries)),
    )
