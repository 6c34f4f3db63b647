"""Adapter: rule download -> cxrcontrast.stages.data.acquire (medmnist, then MD5 check)."""

from pathlib import Path

from cxrcontrast.runtime import job
from cxrcontrast.stages.data import acquire

with job(snakemake.log[0], snakemake.threads):  # noqa: F821
    acquire(snakemake.params.flag, snakemake.params.size, Path(snakemake.output[0]).parent)  # noqa: F821
