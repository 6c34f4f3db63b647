# What the HTML report shows besides the rules' outputs: the landing page's facts, the captions of tables and
# figures, and the checks of --report that the results it shows are this config's.
import sys
from pathlib import Path

from cxrcontrast.config import report_facts, shown_layers
from cxrcontrast.config.recorded import results_of_other_settings
from cxrcontrast.config.report_facts import rst_text
from cxrcontrast.summary.label_equivalence import findings

# --report (or --report=path): only then is anything read from results/ while the DAG is built, and what is
# read (the findings, the recorded settings) never changes what is scheduled
REPORTING = any(a == "--report" or a.startswith("--report=") for a in sys.argv)
LAYERS = shown_layers(LAYER_FILES)
config["_report"] = report_facts(CONFIG, LAYERS, FIDELITY)
# the landing page's findings: read from the summaries a finished run has written (the report is built after it)
config["_report"]["findings"] = (
    [
        rst_text(line)
        for line in findings(
            {d: SUMMARY["summary"].format(dataset=d) for d in CONFIG.datasets}
        )
    ]
    if REPORTING
    else []
)


def table_page(name):
    """Each table of a dataset's summary as the report shows it."""
    return f"{DS}/summary/tables/{name}.html"


def page(name, caption, category, table):
    """A summary table in the report, per dataset."""
    return report(
        table_page(name),
        caption=f"../report/{caption}.rst",
        category=category,
        subcategory="{dataset}",
        labels={"table": table},
    )


def figure(path, caption, category, name):
    """A summary figure in the report, per dataset."""
    return report(
        path,
        caption=f"../report/{caption}.rst",
        category=category,
        subcategory="{dataset}",
        labels={"figure": name},
    )


def check_report_inputs():
    """--report reads the finished results of the config it is given: say so, not a missing file's name."""
    if not Path(ACROSS["markdown"]).exists():
        raise WorkflowError(
            f"--report: no finished run here ({ACROSS['markdown']} is missing): run the workflow first, "
            "with the same --configfile layers, then build its report"
        )
    targets = [
        t
        for group in all_targets()
        for t in ([group] if isinstance(group, str) else group)
    ]
    # one per job that runs a model: every dataset, experiment, state and seed
    targets += [t for d in CONFIG.datasets for t in benchmark_files(d)]
    missing = [t for t in targets if not Path(t).exists()]
    if missing:
        raise WorkflowError(
            f"--report: the results of the config layers given ({', '.join(LAYERS)}) are not "
            f"all here ({missing[0]} and {len(missing) - 1} more missing): give --report the --configfile "
            f"layers the run used (after make demo: make report, or --configfile {WORKFLOW_CONFIG} "
            "config/demo.yaml), or run the workflow with these layers first"
        )


def check_report_settings():
    """--report describes this config: the results it shows must have been made by it, not only be there."""
    stale = results_of_other_settings(CONFIG, f"{DS}/metrics/{EXPERIMENT}/metrics.json")
    if stale:
        raise WorkflowError(
            f"--report: {stale}: give --report the --configfile layers the run used, or rerun the workflow "
            "with these layers first"
        )
