"""Adapter: rule prune -> cxrcontrast.stages.data.prune."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.data import prune

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    out, p = snakemake.output, snakemake.params  # noqa: F821
    prune(snakemake.input.raw, p.flag, {s: out[s] for s in ("train", "val", "test")}, out.classes, size=p.size)  # noqa: F821
