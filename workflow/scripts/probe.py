"""Adapter: rule probe -> cxrcontrast.stages.probe.run_probe."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.probe import run_probe

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i = snakemake.wildcards, snakemake.params, snakemake.input  # noqa: F821
    run_probe(
        i.get("pretrained"),
        i.train,
        i.val,
        i.test,
        i.classes,
        snakemake.output[0],
        params=p.job,  # noqa: F821
        pretrain=w.pretrain,
        seed=int(w.seed),
        device=p.execution.device,
    )
