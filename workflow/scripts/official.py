"""Adapter: rule official -> cxrcontrast.stages.official.run_official."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.official import run_official

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i, out = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    run_official(
        i.get("pretrained"),
        i.train,
        i.val,
        i.test,
        i.raw,
        {k: out[k] for k in ("model", "history", "metrics")},
        params=p.job,
        pretrain=w.pretrain,
        tuning=w.tuning,
        seed=int(w.seed),
        device=p.execution.device,
        performance=p.execution.performance_dict,
        weights=i.get("weights"),
    )
