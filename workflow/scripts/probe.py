"""Adapter: rule probe -> cxrcontrast.stages.probe.run_probe."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.probe import run_probe

with job(snakemake.log[0], snakemake.params.execution.threads):
    run_probe(
        snakemake.input.get("pretrained"),
        snakemake.input.train,
        snakemake.input.val,
        snakemake.input.test,
        snakemake.input.classes,
        snakemake.output[0],
        params=snakemake.params.job,
        pretrain=snakemake.wildcards.pretrain,
        seed=int(snakemake.wildcards.seed),
        device=snakemake.params.execution.device,
        pretrained_made_by=snakemake.params.pretrained_made_by,
        official={
            s: snakemake.input[f"official_{s}"]
            for s in ("train", "val", "test")
            if f"official_{s}" in snakemake.input.keys()
        },
    )
