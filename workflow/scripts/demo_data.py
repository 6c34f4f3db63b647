"""Adapter: rule demo_data -> cxrcontrast.stages.data.make_demo."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.data import make_demo

with job(snakemake.log[0], snakemake.threads):  # noqa: F821 (injected by Snakemake)
    p = snakemake.params  # noqa: F821
    make_demo(snakemake.output[0], sizes=p.sizes, image_size=p.image_size, seed=p.sizes["seed"])  # noqa: F821
