# The config: every layer read as data, validated, resolved once by the package into what each rule gets.
from pathlib import Path

from cxrcontrast.config import (
    PAPER_CODE,
    SCHEMA,
    WORKFLOW_CONFIG,
    fidelity_rows,
    given_layers,
    layer_files,
    replace_datasets,
    resolve,
    validate_layers,
)
from cxrcontrast.resources import mem_mb, minutes
from cxrcontrast.runtime import check_device
from snakemake.logging import logger

# the layers in the order Snakemake applies them: config/config.yaml, each --configfile, then --config
LAYER_FILES = layer_files(workflow.overwrite_configfiles)
# every layer read again as data only, before Snakemake's loader: a YAML mistake named by file and line
# (Snakemake's own names neither), a duplicate key or a leading zero refused. Snakemake has already loaded the
# --configfile layers, running any YTE code in them: `python -m cxrcontrast run` checks them before.
LAYERS_GIVEN = given_layers(LAYER_FILES, workflow.config_settings.config)


configfile: WORKFLOW_CONFIG


# a later layer's datasets replace the earlier ones whole; errors name the layer, key and allowed keys
replace_datasets(config, [data for _, data in LAYERS_GIVEN])
SCHEMA_FILE = Path(workflow.basedir) / SCHEMA
validate_layers(config, SCHEMA_FILE, LAYERS_GIVEN)
CONFIG = resolve(config, SCHEMA_FILE)
# which modes of the paper's text or the authors' code this run uses (the summary's table, the landing page)
FIDELITY = fidelity_rows(CONFIG, SCHEMA_FILE, Path(workflow.basedir) / PAPER_CODE)
if workflow.is_main_process:
    logger.info(CONFIG.describe())
    if workflow.local_exec:
        # a GPU asked for where there is none: refused now, not in a job
        check_device(CONFIG.execution.device)


wildcard_constraints:
    **CONFIG.wildcard_patterns(),
    split="train|val|test",
    name="[a-z]+mnist(_64|_128|_224)?",
    source="[a-z_]+",


ENV = "../envs/cxrcontrast.yaml"
