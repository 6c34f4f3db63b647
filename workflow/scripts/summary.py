"""Adapter: rule summary -> cxrcontrast.stages.summary.run_summary."""
from cxrcontrast.runtime import job
from cxrcontrast.stages.summary import run_summary

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    i, out, p = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
    keys = ("metrics", "summary", "comparisons", "markdown", "figure13", "embedding_quality")
    run_summary(list(i.metrics), list(i.predictions), list(i.qualities), {k: out[k] for k in keys}, p.resamples, p.seed)
