"""Adapter: rule classify -> cxrcontrast.stages.classify.run_classify."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.classify import run_classify

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i, out = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    run_classify(
        list(i.train),
        i.val,
        i.classes,
        out.model,
        out.history,
        params=p.job,
        seed=int(w.seed),
        pretrained=i.get("pretrained"),
        device=p.execution.device,
        performance=p.execution.performance_dict,
        weights=i.get("weights"),
    )
