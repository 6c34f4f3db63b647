"""Adapter: rule demo_data -> cxrcontrast.stages.data.make_demo."""

from cxrcontrast.runtime import job
from cxrcontrast.stages.data import make_demo

with job(snakemake.log[0]):
    sizes = snakemake.params.sizes
    make_demo(snakemake.output[0], sizes=sizes, image_size=snakemake.params.image_size, seed=sizes["seed"])
