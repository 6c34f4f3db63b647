"""Adapter: rule unpruned -> cxrcontrast.stages.data.unpruned."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.data import unpruned

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    out = snakemake.output  # noqa: F821
    unpruned(snakemake.input.raw, snakemake.params.flag, {s: out[s] for s in ("train", "val", "test")})  # noqa: F821
