"""Adapter: rule unpruned -> cxrcontrast.stages.data.unpruned."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.data import unpruned

with job(snakemake.log[0]):
    unpruned(snakemake.input.raw, snakemake.params.data, {s: snakemake.output[s] for s in ("train", "val", "test")})
