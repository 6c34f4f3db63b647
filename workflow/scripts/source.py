"""Adapter: rule source -> cxrcontrast.stages.source.run_source (the dataset's source module makes its file)."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.source import run_source

with job(snakemake.log[0]):
    run_source(snakemake.params.data, snakemake.output[0])
