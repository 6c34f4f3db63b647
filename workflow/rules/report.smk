# Report stage: one summary of all experiments, the runtime table, the HTML report's tags.


rule summary:
    input:
        metrics=experiment_targets(f"results/metrics/{EXPERIMENT}/metrics.json"),
        predictions=experiment_targets(f"results/metrics/{EXPERIMENT}/predictions.npz"),
        qualities=state_targets(f"results/embeddings/{STATE}/quality.json"),
        probes=state_targets(f"results/probes/{STATE}/probes.json"),
        official=official_targets(f"results/official/{OFFICIAL}/metrics.json"),
        classes="results/data/pruned/classes.json",
    output:
        metrics=report(
            SUMMARY["metrics"], category="summary", labels={"table": "per seed"}
        ),
        summary=report(
            SUMMARY["summary"], category="summary", labels={"table": "per experiment"}
        ),
        comparisons=report(
            SUMMARY["comparisons"], category="summary", labels={"table": "vs baseline"}
        ),
        markdown=SUMMARY["markdown"],
        figure13=report(
            SUMMARY["figure13"], category="summary", labels={"figure": "Figure 13"}
        ),
        embedding_quality=report(
            SUMMARY["embedding_quality"],
            category="pretraining",
            labels={"figure": "embedding quality"},
        ),
        embedding_table=report(
            SUMMARY["embedding_table"],
            category="pretraining",
            labels={"table": "embedding quality and probes"},
        ),
        official=report(
            SUMMARY["official"],
            category="summary",
            labels={"table": "official MedMNIST task"},
        ),
        label_efficiency=report(
            SUMMARY["label_efficiency"],
            category="summary",
            labels={"figure": "label efficiency"},
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
        job=CONFIG.evaluate_params(),
    script:
        "../scripts/summary.py"


rule runtime_table:
    input:
        benchmark_files(),
    output:
        report(
            "results/summary/runtime.csv",
            category="summary",
            labels={"table": "runtime of jobs"},
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
