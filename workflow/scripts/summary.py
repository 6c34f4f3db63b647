"""Adapter: rule summary -> cxrcontrast.stages.summary.run_summary."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.summary import run_summary

with job(snakemake.log[0]):
    run_summary(
        list(snakemake.input.metrics),
        list(snakemake.input.predictions),
        list(snakemake.input.qualities),
        list(snakemake.input.probes),
        list(snakemake.input.official),
        snakemake.input.classes,
        dict(snakemake.output.items()),
        params=snakemake.params.job,
        fidelity=snakemake.params.fidelity,
        experiments=snakemake.params.experiments,
        recipes=snakemake.params.recipes,
    )
