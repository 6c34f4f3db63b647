"""Adapter: rule download -> cxrcontrast.stages.download.run_download (medmnist, then MD5 check)."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.download import run_download

with job(snakemake.log[0]):
    run_download(snakemake.wildcards.name, snakemake.output[0])
