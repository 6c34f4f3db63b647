# Supervised contrastive pretraining on chest X-rays (Breda & Fucetola), as a workflow.
# This file is a table of contents: stages live in workflow/rules, numerics in src/cxrcontrast.
from snakemake.utils import min_version

min_version("9.0")


report: "workflow/report/workflow.rst"


# config/config.yaml, then each --configfile, checked and resolved once; where results go; what jobs read
include: "workflow/rules/config.smk"
include: "workflow/rules/paths.smk"
include: "workflow/rules/inputs.smk"
include: "workflow/rules/report_facts.smk"
# the stages
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


localrules:
    all,
    data,
    datasets,
