"""Adapter: rule official_evaluate -> cxrcontrast.stages.official_evaluate.run_official_evaluate."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.official_evaluate import run_official_evaluate

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i, out = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    run_official_evaluate(
        i.model,
        i.test,
        i.raw,
        i.classes,
        out.metrics,
        pretrain=w.pretrain,
        device=p.execution.device,
    )
