# Supervised contrastive pretraining on chest X-rays (Breda & Fucetola), as a workflow.
# This file is a table of contents: stages live in workflow/rules, numerics in src/cxrcontrast.
from snakemake.utils import min_version

from cxrcontrast.config import given_layers, replace_datasets, validate_layers

min_version("9.0")

# every layer read again as data only: a YAML mistake named by file and line (Snakemake's own loader
# names neither), a duplicate key or a leading zero refused. Snakemake has already loaded the
# --configfile layers, running any YTE code in them: `python -m cxrcontrast run` checks them before.
# --config comes last, as Snakemake applies it (and as the front door checks it).
LAYERS_GIVEN = given_layers(
    ["config/config.yaml", *(workflow.overwrite_configfiles or [])],
    workflow.config_settings.config,
)


configfile: "config/config.yaml"


# a later layer's datasets replace the earlier ones whole; errors name the layer, key and allowed keys
replace_datasets(config, [data for _, data in LAYERS_GIVEN])
validate_layers(config, "workflow/schemas/config.schema.yaml", LAYERS_GIVEN)


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/pretrain.smk"
include: "workflow/rules/classify.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/official.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),
