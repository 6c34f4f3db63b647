"""Adapter: rule download -> cxrcontrast.data.source.download (medmnist, then MD5 check)."""

from pathlib import Path

from cxrcontrast.data.source import download, official_name
from cxrcontrast.runtime import job

with job(snakemake.log[0]):
    flag, size = official_name(snakemake.wildcards.name)
    download(flag, size, Path(snakemake.output[0]).parent)
