"""Adapter: rule source -> cxrcontrast.data.sources.make (the dataset's source module)."""

from cxrcontrast.data import sources
from cxrcontrast.runtime import job

with job(snakemake.log[0]):
    sources.make(snakemake.params.data, snakemake.output[0])
