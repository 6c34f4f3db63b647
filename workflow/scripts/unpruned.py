"""Adapter: rule unpruned -> cxrcontrast.stages.unpruned.run_unpruned."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.unpruned import run_unpruned

with job(snakemake.log[0]):
    run_unpruned(snakemake.input.raw, snakemake.params.data, {s: snakemake.output[s] for s in ("train", "val", "test")})
