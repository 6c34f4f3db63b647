"""Adapter: rule summary -> cxrcontrast.stages.report.run_summary."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.report import run_summary

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    i, out, p = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
    run_summary(
        list(i.metrics),
        list(i.predictions),
        list(i.qualities),
        list(i.probes),
        list(i.official),
        i.classes,
        dict(out.items()),
        params=p.job,
        fidelity=p.fidelity,
    )
