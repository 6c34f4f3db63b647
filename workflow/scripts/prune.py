"""Adapter: rule prune -> cxrcontrast.stages.prune.run_prune."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.prune import run_prune

with job(snakemake.log[0]):
    splits = {s: snakemake.output[s] for s in ("train", "val", "test")}
    run_prune(snakemake.input.raw, snakemake.params.data, splits, snakemake.output.classes)
