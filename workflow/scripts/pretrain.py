"""Adapter: rule pretrain -> cxrcontrast.stages.pretrain.run_pretrain."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.pretrain import run_pretrain

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i, out = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    run_pretrain(
        i.train,
        i.val,
        i.classes,
        out.encoder,
        out.history,
        params=p.job,
        seed=int(w.seed),
        device=p.execution.device,
        performance=p.execution.performance_dict,
        weights=i.get("weights"),
    )
