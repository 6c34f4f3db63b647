"""Adapter: rule corrupt -> cxrcontrast.stages.corrupt.run_corrupt."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.corrupt import run_corrupt

with job(snakemake.log[0], 1):
    run_corrupt(snakemake.input.test, snakemake.output[0], snakemake.params.job, int(snakemake.wildcards.seed))
