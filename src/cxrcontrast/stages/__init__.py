"""Entry points of the workflow's steps: files and plain values in, files out.

Each function here is what one Snakemake rule's script calls; the config slice
it needs arrives as arguments, never as the whole config.
"""
