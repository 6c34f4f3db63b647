# Supervised contrastive pretraining on chest X-rays (Breda & Fucetola), as a workflow.
# This file is a table of contents: stages live in workflow/rules, numerics in src/cxrcontrast.
from snakemake.utils import min_version, validate

from cxrcontrast.config import read_yaml

min_version("9.0")

# a YAML mistake named by file and line (Snakemake's own loader names neither)
read_yaml("config/config.yaml")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml", set_default=True)


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
