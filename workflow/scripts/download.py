"""Adapter: rule download -> cxrcontrast.data.source.download (medmnist, then MD5 check)."""

from pathlib import Path

from cxrcontrast.data.source import download
from cxrcontrast.runtime import job

with job(snakemake.log[0]):
    download(snakemake.params.flag, snakemake.params.size, Path(snakemake.output[0]).parent)
