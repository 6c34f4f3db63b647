"""Adapter: rule evaluate -> cxrcontrast.stages.evaluate.run_evaluate."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.evaluate import run_evaluate

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    w, p, i, out = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    experiment = {
        "encoder": w.encoder,
        "pretrain": w.pretrain,
        "trainset": w.trainset,
        "labels": float(w.labels),
        "seed": int(w.seed),
    }
    run_evaluate(
        i.model,
        i.test,
        i.classes,
        i.history,
        {k: out[k] for k in ("metrics", "predictions", "confusion", "auc", "curves")},
        experiment,
        params=p.job,
        pretrain_history=i.pretrain_history or None,
        device=p.execution.device,
    )
