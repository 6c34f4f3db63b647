"""Adapter: rule summary -> cxrcontrast.stages.report.run_summary."""
from cxrcontrast.runtime import job
from cxrcontrast.stages.report import run_summary

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    i, out, p = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
    keys = ("metrics", "summary", "comparisons", "markdown", "figure13", "embedding_quality", "embedding_table", "official",
            "label_efficiency")
    run_summary(list(i.metrics), list(i.predictions), list(i.qualities), list(i.probes), list(i.official), i.classes,
                {k: out[k] for k in keys},
                params=p.job)
