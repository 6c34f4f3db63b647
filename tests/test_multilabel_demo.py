"""The demo's multi-label objectives get every evaluation SupCon gets: the paper's pruned task at each budget, the
official task (a head on the frozen features, beside the end-to-end baseline), embeddings and probes, the probes
also per finding of the official multi-label task."""

from conftest import run_config

from cxrcontrast.vocabulary.experiments import Experiment


def test_the_multi_label_objectives_get_every_evaluation_supcon_gets():
    run = run_config("config.yaml", "demo.yaml").on("chest")
    for objective in ("supcon_jaccard", "mulsupcon"):
        budgets = sorted(e.labels for e in run.experiments if e.pretrain == objective)
        assert budgets == [0.1, 1.0]
        assert all(Experiment("minivgg", objective, "train", f) in run.experiments for f in budgets)
        assert ("minivgg", objective) in run.states  # embed and probe run per state
        official = {(pre, tuning) for enc, pre, tuning in run.official_jobs if enc == "minivgg"}
        assert {(objective, "frozen"), ("supcon", "frozen"), ("none", "end_to_end")} <= official
        assert run.pretrain_split(objective) == run.pretrain_val_split(objective) == "unpruned"
    assert run.multi_label_official  # chest is ChestMNIST-format: the probes score its findings
    assert not run_config("config.yaml", "demo.yaml").on("small").multi_label_official  # 4 findings: no flag
