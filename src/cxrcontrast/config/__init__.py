"""The validated config, resolved once into what each rule gets.

``resolve(config, schema)`` (the workflow calls it with the config Snakemake validated and filled with the
schema's defaults) gives a ``RunConfig``: the experiments, the seeds, and each job's slice of the config,
canonical (keys sorted, numbers of one type) so that only a real change of value makes a job stale.
``load_layers`` does the same from YAML files merged as Snakemake merges ``--configfile`` layers (for
``python -m cxrcontrast check``, tests and benchmarks).
"""

from ..slices import canonical
from .dataset_run import DatasetRun
from .layers import (
    PAPER_CODE,
    SCHEMA,
    WORKFLOW_CONFIG,
    given_layers,
    layer_files,
    load_layers,
    read_yaml,
    replace_datasets,
    resolve,
    shown_layers,
    validate_layers,
)
from .recipes import recipe_layers
from .report_facts import fidelity_rows, report_facts
from .run_config import RunConfig

__all__ = [
    "fidelity_rows",
    "recipe_layers",
    "report_facts",
    "PAPER_CODE",
    "SCHEMA",
    "WORKFLOW_CONFIG",
    "given_layers",
    "layer_files",
    "shown_layers",
    "load_layers",
    "read_yaml",
    "replace_datasets",
    "validate_layers",
    "resolve",
    "RunConfig",
    "DatasetRun",
    "canonical",
]
