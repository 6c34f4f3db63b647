# Report stage: a summary of all experiments per dataset, the datasets side by side, the runtime table;
# what the HTML report shows, with captions.
from cxrcontrast.config import recipe_layers
from cxrcontrast.evaluation.published import ROWS as PUBLISHED_ROWS

# the settings of each published row's recipe, read from its layer file (config/<recipe>.yaml): a run's official
# result stands beside a published one only where its own settings are these
RECIPES = recipe_layers({row["recipe"] for row in PUBLISHED_ROWS}, workflow.basedir)


rule summary:
    input:
        unpack(summary_inputs),
    output:
        metrics=SUMMARY["metrics"],
        summary=SUMMARY["summary"],
        comparisons=SUMMARY["comparisons"],
        embedding_table=SUMMARY["embedding_table"],
        official=SUMMARY["official"],
        fidelity=SUMMARY["fidelity"],
        protocols=SUMMARY["protocols"],
        robustness=SUMMARY["robustness"],
        markdown=SUMMARY["markdown"],
        figure13=figure(SUMMARY["figure13"], "figure13", "summary", "Figure 13"),
        label_efficiency=figure(
            SUMMARY["label_efficiency"],
            "label_efficiency",
            "summary",
            "label efficiency",
        ),
        robustness_figure=figure(
            SUMMARY["robustness_figure"], "robustness", "summary", "robustness"
        ),
        embedding_quality=figure(
            SUMMARY["embedding_quality"],
            "embedding_quality",
            "pretraining",
            "embedding quality",
        ),
        metrics_page=page(
            "metrics", "metrics_table", "summary", "per experiment and seed"
        ),
        summary_page=page("summary", "summary_table", "summary", "per experiment"),
        comparisons_page=page(
            "comparisons", "comparisons_table", "summary", "against the baseline"
        ),
        official_page=page(
            "official", "official_table", "summary", "official MedMNIST task"
        ),
        fidelity_page=page(
            "fidelity",
            "fidelity_table",
            "summary",
            "fidelity: the paper's text or the authors' code",
        ),
        robustness_page=page(
            "robustness", "robustness_table", "summary", "robustness to image faults"
        ),
        protocols_page=page(
            "protocols", "protocols_table", "summary", "protocol sensitivity"
        ),
        embedding_table_page=page(
            "embedding_table",
            "embedding_table",
            "pretraining",
            "embedding quality and probes",
        ),
    log:
        f"{DS}/logs/report/summary.log",
    benchmark:
        f"{DS}/benchmarks/report/summary.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 3),
        runtime=minutes(30),
    params:
        job=CONFIG.summary_params(),
        fidelity=FIDELITY,
        experiments=lambda w: run_of(w).experiment_identities(),
        recipes=RECIPES,
    script:
        "../scripts/summary.py"


rule datasets:
    # the datasets side by side: each one's change against its own baseline
    input:
        comparisons=[SUMMARY["comparisons"].format(dataset=d) for d in CONFIG.datasets],
        classes=[f"results/{d}/data/pruned/classes.json" for d in CONFIG.datasets],
        summaries=[SUMMARY["markdown"].format(dataset=d) for d in CONFIG.datasets],
    output:
        csv=ACROSS["datasets"],
        figure=report(
            ACROSS["figure"],
            caption="../report/datasets.rst",
            category="summary",
            subcategory="across datasets",
            labels={"figure": "datasets"},
        ),
        markdown=ACROSS["markdown"],
    log:
        "results/logs/report/datasets.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=minutes(10),
    params:
        datasets=list(CONFIG.datasets),
        data={name: run.data_params() for name, run in CONFIG.datasets.items()},
    script:
        "../scripts/datasets.py"


rule runtime_table:
    input:
        [f for d in CONFIG.datasets for f in benchmark_files(d)],
    output:
        csv=ACROSS["runtime"],
        page=report(
            "results/summary/tables/runtime.html",
            caption="../report/runtime_table.rst",
            category="runtime",
            labels={"table": "runtime and peak memory of jobs"},
        ),
    log:
        "results/logs/report/runtime_table.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=minutes(5),
    script:
        "../scripts/runtime_table.py"


# the checks of --report list every result of the run: made here, once every rule is defined
if REPORTING:
    check_report_inputs()
    check_report_settings()
