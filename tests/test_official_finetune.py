"""The official task fine-tuned from a pretrained encoder (tuning ``finetune``): which jobs the config plans, the
config's refusal, and one tiny run of rules official and official_evaluate: the encoder starts from the
pretrained weights and every layer trains (a frozen head's encoder does not), the finished-result store keys on
the pretrained start, and the summary shows it beside frozen and end to end."""

import json

import pytest
import torch
import yaml
from conftest import SCHEMA, config, npz_entry, pruned_demo, run_config

from cxrcontrast.errors import InputError
from cxrcontrast.vocabulary.objectives import OBJECTIVES

DEMO_FINETUNED = {"supcon", "supcon_jaccard", "mulsupcon", "simclr"}


def planned(run, tuning):
    return {(enc, pre) for enc, pre, t in run.official_jobs if t == tuning}


def test_finetune_jobs_are_the_listed_objectives_pretrainings_and_nothing_else_changes():
    paper, demo = run_config("config.yaml").on("chestmnist"), run_config("config.yaml", "demo.yaml").on("chest")
    assert planned(paper, "finetune") == set()  # default []: the paper's grid keeps its jobs
    # the demo: every pretraining (encoder, objective) of a listed objective, brute force over the experiments
    expected = {(e.encoder, e.pretrain) for e in demo.experiments if e.pretrain in DEMO_FINETUNED}
    assert planned(demo, "finetune") == expected and {p for _, p in expected} == DEMO_FINETUNED
    assert run_config("config.yaml", "demo.yaml").on("small").official_jobs == ()  # no flag: no official task
    without = run_config("config.yaml", "demo.yaml", official={"finetune_pretrain": []}).on("chest")
    assert planned(without, "finetune") == set()
    assert [j for j in demo.official_jobs if j[2] != "finetune"] == list(without.official_jobs)
    for enc, pre, tuning in without.official_jobs:  # the other jobs keep their identity
        assert demo.official_made_by(enc, pre, tuning, 0) == without.official_made_by(enc, pre, tuning, 0)
    made_by = demo.official_made_by("minivgg", "supcon", "finetune", 2)
    assert made_by["pretrain"] == demo.pretraining_made_by("minivgg", "supcon", 2)["params"]  # starts from it
    assert made_by["params"]["official"]["finetune"] == {**demo.settings["official"]["finetune"], "epochs": 3}
    assert "finetune" in run_config("config.yaml", "demo.yaml").wildcard_patterns()["tuning"].split("|")


def test_an_objective_no_experiment_pretrains_is_refused_in_one_line():
    experiments = [{"encoder": "minivgg", "pretrain": p, "trainset": "train"} for p in ("none", "supcon")]
    with pytest.raises(InputError) as err:
        run_config("config.yaml", experiments=experiments, official={"finetune_pretrain": ["supcon", "hard"]})
    message = str(err.value)
    assert message.startswith("official.finetune_pretrain: 'hard' is pretrained by no experiment") and (
        "expected one of ['supcon']" in message and "\n" not in message
    )
    schema = yaml.safe_load(SCHEMA.read_text())["properties"]["official"]["properties"]
    assert set(schema["finetune_pretrain"]["items"]["enum"]) == set(OBJECTIVES)
    assert set(schema["finetune"]["properties"]) == set(schema["end_to_end"]["properties"])


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """Pruned and unpruned demo splits, the config, and a one-epoch SupCon pretraining (seed 0)."""
    from cxrcontrast.stages.pretrain import run_pretrain
    from cxrcontrast.stages.unpruned import run_unpruned

    root = pruned_demo(tmp_path_factory.mktemp("finetune"), 300, 100, 100, 3)
    unpruned = {s: str(root / f"all_{s}.npz") for s in ("train", "val", "test")}
    run_unpruned(raw=str(root / "raw.npz"), data=npz_entry(), outputs=unpruned)
    cfg = config(
        encoders={"minivgg": {"head": {"hidden": [32]}}},
        pretrain={"supcon": {"epochs": 1, "batch_size": 64}},
        official={"finetune": {"epochs": 1, "batch_size": 32}, "frozen": {"epochs": 1, "batch_size": 32}},
    )
    encoder = str(root / "pretrain/encoder.pt")
    splits = {s: str(root / f"{s}.npz") for s in ("train", "val")}
    params = cfg.pretrain_params("minivgg", "supcon")
    run_pretrain(**splits, classes=str(root / "classes.json"), out_encoder=encoder,
                 out_history=str(root / "pretrain/history.csv"), params=params, seed=0, device="cpu")  # fmt: skip
    return root, unpruned, cfg, encoder


def official_run(pretrained, tuning, encoder=None):
    from cxrcontrast.stages.official import run_official

    root, unpruned, cfg, default = pretrained
    out = root / tuning
    run_official(
        unpruned["train"],
        unpruned["val"],
        str(out / "model.pt"),
        str(out / "history.csv"),
        cfg.official_params("minivgg", tuning),
        tuning,
        0,
        pretrained=encoder or default,
        device="cpu",
        pretrained_made_by=cfg.pretraining_made_by("minivgg", "supcon", 0),
    )
    return str(out / "model.pt")


def encoder_weights(model):
    return {k: v.clone() for k, v in model.encoder.state_dict().items()}


def distance(a, b):
    return sum(float((a[k].float() - b[k].float()).pow(2).sum()) for k in a if a[k].is_floating_point()) ** 0.5


def test_the_finetuned_encoder_starts_from_the_pretrained_weights_and_every_layer_trains(pretrained):
    from cxrcontrast.evaluation.official import output_width
    from cxrcontrast.models.build import build_classifier, load_classifier
    from cxrcontrast.models.checkpoints import OfficialCheckpoint, PretrainCheckpoint

    root, _, cfg, encoder = pretrained
    params = cfg.official_params("minivgg", "finetune")
    start = PretrainCheckpoint.load(encoder)
    build = dict(softmax_output=False)
    args = ("minivgg", 32, params["architecture"], params["head"], output_width("multi-label, binary-class", 14), 0)
    pre = encoder_weights(build_classifier(*args, **build, pretrained=start))
    fresh = encoder_weights(build_classifier(*args, **build))  # end_to_end's start: the seeded random init
    tuned, ckpt = load_classifier(official_run(pretrained, "finetune"), OfficialCheckpoint)
    frozen, _ = load_classifier(official_run(pretrained, "frozen"), OfficialCheckpoint)
    assert (ckpt.tuning, ckpt.epoch, ckpt.pretrain) == ("finetune", 1, start.params)
    after = encoder_weights(tuned)
    assert distance(after, pre) < distance(after, fresh)  # after one epoch: near the checkpoint, not the init
    changed = [n for n, p in tuned.encoder.named_parameters() if not torch.equal(p, pre[n])]
    assert changed == [n for n, _ in tuned.encoder.named_parameters()]  # every encoder parameter trained
    assert all(torch.equal(v, pre[k]) for k, v in encoder_weights(frozen).items())  # frozen: not one changed


def test_the_finetuned_model_is_scored_checked_and_restored_by_its_pretrained_start(pretrained, monkeypatch):
    from cxrcontrast.files import load_checkpoint, save_checkpoint
    from cxrcontrast.stages import official
    from cxrcontrast.stages.official_evaluate import run_official_evaluate

    root, unpruned, cfg, encoder = pretrained
    model = official_run(pretrained, "finetune")
    (root / "classes.json").write_text(json.dumps({"official": None}))

    def score(made_by):
        out = root / "finetune/metrics.json"
        run_official_evaluate(model, unpruned["test"], str(root / "raw.npz"), str(root / "classes.json"), str(out),
                              pretrain="supcon", device="cpu", model_made_by=made_by)  # fmt: skip
        return json.loads(out.read_text())

    result = score(cfg.official_made_by("minivgg", "supcon", "finetune", 0))
    assert (result["tuning"], result["pretrain"], result["n"]["test"]) == ("finetune", "supcon", 100)
    assert 0 <= result["test"]["auc"] <= 1
    with pytest.raises(InputError, match="not the official checkpoint its path names"):
        score(cfg.official_made_by("minivgg", "supcon", "frozen", 0))  # a fine-tuned model is not a frozen head
    before = load_checkpoint(model)["state_dict"]

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(official, "train_classifier", no_training)
    official_run(pretrained, "finetune")  # an identical rerun: restored from the finished store
    assert all(torch.equal(v, before[k]) for k, v in load_checkpoint(model)["state_dict"].items())
    other = load_checkpoint(encoder)  # the same job's slice, another pretrained encoder: trained anew
    other["state_dict"] = {k: v + 0.01 if v.is_floating_point() else v for k, v in other["state_dict"].items()}
    save_checkpoint(root / "other.pt", **other)
    with pytest.raises(AssertionError, match="trained again"):
        official_run(pretrained, "finetune", encoder=str(root / "other.pt"))


def test_the_summary_shows_finetuned_rows_and_the_pruning_comparison_of_both_official_models():
    from cxrcontrast.evaluation.pruning import pruning_rows
    from cxrcontrast.summary.encoder_states import official_section

    def row(pre, tuning, seed, auc):
        test = {"auc": auc, "map": 0.2, "acc": 0.9, "acc_constant": 0.9}
        return {"source": "ours", "encoder": "minivgg", "pretrain": pre, "tuning": tuning, "seed": seed, **test,
                "flag": "chestmnist", "task": "multi-label, binary-class"}  # fmt: skip

    rows = [row("supcon", t, s, 0.6 + 0.01 * s) for t in ("frozen", "finetune") for s in (0, 1)]
    rows += [row("supcon_jaccard", "frozen", s, 0.7) for s in (0, 1)] + [row("none", "end_to_end", 0, 0.65)]
    rows += [row("supcon_jaccard", "finetune", s, 0.8 + 0.02 * s) for s in (0, 1)]
    text = "\n".join(official_section(rows))
    assert "| minivgg, supcon pretrained, fine-tuned | 2 | 0.605 |" in text
    assert "| minivgg, head on frozen supcon pretrained features | 2 | 0.605 |" in text
    assert "| minivgg, trained end to end | 1 | 0.650 |" in text
    by_model = {r["tuning"]: r for r in pruning_rows(rows)}
    assert by_model.keys() == {"frozen", "finetune"}
    assert by_model["finetune"]["difference"] == pytest.approx((0.80 - 0.60 + 0.82 - 0.61) / 2)
    assert by_model["frozen"]["difference"] == pytest.approx((0.70 - 0.60 + 0.70 - 0.61) / 2)
    only_frozen = [r for r in rows if not (r["pretrain"] == "supcon_jaccard" and r["tuning"] == "finetune")]
    assert [r["tuning"] for r in pruning_rows(only_frozen)] == ["frozen"]  # fine-tuned: only where both ran
