"""Adapter: rule prune -> cxrcontrast.stages.data.prune."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.data import prune

with job(snakemake.log[0]):
    splits = {s: snakemake.output[s] for s in ("train", "val", "test")}
    prune(snakemake.input.raw, snakemake.params.data, splits, snakemake.output.classes)
