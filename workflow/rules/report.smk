# Report stage: one summary of all experiments, the runtime table; what the HTML report shows, with captions.


rule summary:
    input:
        metrics=experiment_targets(f"results/metrics/{EXPERIMENT}/metrics.json"),
        predictions=experiment_targets(f"results/metrics/{EXPERIMENT}/predictions.npz"),
        qualities=state_targets(f"results/embeddings/{STATE}/quality.json"),
        probes=state_targets(f"results/probes/{STATE}/probes.json"),
        official=official_targets(f"results/official/{OFFICIAL}/metrics.json"),
        classes="results/data/pruned/classes.json",
    output:
        metrics=SUMMARY["metrics"],
        summary=SUMMARY["summary"],
        comparisons=SUMMARY["comparisons"],
        embedding_table=SUMMARY["embedding_table"],
        official=SUMMARY["official"],
        fidelity=SUMMARY["fidelity"],
        markdown=SUMMARY["markdown"],
        figure13=report(
            SUMMARY["figure13"],
            caption="../report/figure13.rst",
            category="summary",
            labels={"figure": "Figure 13"},
        ),
        label_efficiency=report(
            SUMMARY["label_efficiency"],
            caption="../report/label_efficiency.rst",
            category="summary",
            labels={"figure": "label efficiency"},
        ),
        embedding_quality=report(
            SUMMARY["embedding_quality"],
            caption="../report/embedding_quality.rst",
            category="pretraining",
            labels={"figure": "embedding quality"},
        ),
        metrics_page=report(
            TABLE_PAGE.format("metrics"),
            caption="../report/metrics_table.rst",
            category="summary",
            labels={"table": "per experiment and seed"},
        ),
        summary_page=report(
            TABLE_PAGE.format("summary"),
            caption="../report/summary_table.rst",
            category="summary",
            labels={"table": "per experiment"},
        ),
        comparisons_page=report(
            TABLE_PAGE.format("comparisons"),
            caption="../report/comparisons_table.rst",
            category="summary",
            labels={"table": "against the baseline"},
        ),
        official_page=report(
            TABLE_PAGE.format("official"),
            caption="../report/official_table.rst",
            category="summary",
            labels={"table": "official MedMNIST task"},
        ),
        fidelity_page=report(
            TABLE_PAGE.format("fidelity"),
            caption="../report/fidelity_table.rst",
            category="summary",
            labels={"table": "fidelity: the paper's text or the authors' code"},
        ),
        embedding_table_page=report(
            TABLE_PAGE.format("embedding_table"),
            caption="../report/embedding_table.rst",
            category="pretraining",
            labels={"table": "embedding quality and probes"},
        ),
    log:
        "results/logs/report/summary.log",
    benchmark:
        "results/benchmarks/report/summary.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 3),
        runtime=30,
    params:
        job=CONFIG.summary_params(),
        fidelity=FIDELITY,
    script:
        "../scripts/summary.py"


rule runtime_table:
    input:
        benchmark_files(),
    output:
        csv="results/summary/runtime.csv",
        page=report(
            TABLE_PAGE.format("runtime"),
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
        runtime=5,
    script:
        "../scripts/runtime_table.py"
