"""Adapter: rule official -> cxrcontrast.stages.official.run_official."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.official import run_official

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i, out = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    run_official(
        i.train,
        i.val,
        out.model,
        out.history,
        params=p.job,
        tuning=w.tuning,
        seed=int(w.seed),
        pretrained=i.get("pretrained"),
        device=p.execution.device,
        performance=p.execution.performance_dict,
        weights=i.get("weights"),
    )
