"""cxrcontrast: supervised contrastive pretraining on chest X-rays.

All numerics live here; the Snakemake workflow only wires files and config
slices to these functions (it never passes the whole config in).
"""

__version__ = "0.1.0"
