"""Adapter: rule datasets -> cxrcontrast.stages.datasets.cross_dataset_summary."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.datasets import cross_dataset_summary

with job(snakemake.log[0]):
    names = snakemake.params.datasets
    cross_dataset_summary(
        dict(zip(names, snakemake.input.comparisons)),
        dict(zip(names, snakemake.input.classes)),
        snakemake.params.data,
        snakemake.output.csv,
        snakemake.output.figure,
        snakemake.output.markdown,
        summaries=dict(zip(names, snakemake.input.summaries)),
    )
