"""Adapter: rule runtime_table -> cxrcontrast.stages.report.run_runtime_table."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.report import run_runtime_table

with job(snakemake.log[0]):
    run_runtime_table(list(snakemake.input), snakemake.output.csv, snakemake.output.page)
