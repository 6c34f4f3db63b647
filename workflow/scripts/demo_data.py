"""Adapter: rule demo_data -> cxrcontrast.stages.data.make_demo."""
from cxrcontrast.runtime import job
from cxrcontrast.stages.data import make_demo

with job(snakemake.log[0], snakemake.threads):  # noqa: F821 (injected by Snakemake)
    p = snakemake.params  # noqa: F821
    make_demo(snakemake.output[0], p.sizes, p.image_size, p.seed)  # noqa: F821
