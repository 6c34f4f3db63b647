"""Adapter: rule runtime_table -> cxrcontrast.stages.runtime_table.run_runtime_table."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.runtime_table import run_runtime_table

with job(snakemake.log[0]):
    run_runtime_table(list(snakemake.input), snakemake.output.csv, snakemake.output.page)
