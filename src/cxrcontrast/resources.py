"""Job resources that grow with the data and with each retry (the rules' ``resources:``).

A job that fails is resubmitted (``retries`` in the SLURM profile) with ``attempt`` 2, 3, ...: memory and
wall time are multiplied by the attempt, so a job killed for memory or time gets twice as much the second
time. Called by Snakemake with plain values (wildcards, input file names, attempt); torch-free.
"""

from __future__ import annotations

import os


def mem_mb(base: int, per_input_mb: float):
    """``base`` MB plus ``per_input_mb`` MB per MB of input files (those there yet; os.stat, not Snakemake's
    ``input.size_mb``, which costs milliseconds a job in a dry run of thousands), times the attempt."""

    def of_inputs(wildcards, input, attempt):
        size = sum(os.stat(f).st_size for f in input if os.path.isfile(f))
        return int((base + per_input_mb * size / 2**20) * attempt)

    return of_inputs


def minutes(first: int):
    """Wall time of a job: ``first`` minutes, times the attempt."""
    return lambda wildcards, attempt: first * attempt
