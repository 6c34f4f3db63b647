"""The paper's text and the authors' code, each point reimplemented or checked against its source."""

import math

import pytest
import torch
from conftest import config, npz_entry, pruned_demo, run_config
from training_helpers import SMALL, classify, pretrain

from cxrcontrast.data.augment import AugmentParams
from cxrcontrast.errors import InputError
from cxrcontrast.files import load_checkpoint
from cxrcontrast.models.build import build_classifier, build_embedder
from cxrcontrast.training.accel import Accel
from cxrcontrast.training.features import AugmentedOnAccess
from cxrcontrast.vocabulary.experiments import Experiment


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return pruned_demo(tmp_path_factory.mktemp("data"), 900, 200, 60, 6)


def typo_params(**classify_block):
    cfg = config(
        "config.yaml",
        "demo.yaml",
        "paper_code.yaml",
        encoders={"minivgg": {"head": {"hidden": [64]}}},
        pretrain={"normal": {"epochs": 2, "lr": 0.05}},
        classify={"finetune": {"epochs": 1, **classify_block}},
    )
    return cfg.pretrain_params("minivgg", "normal"), cfg.classify_params(Experiment("minivgg", "normal", "train"))


def test_the_mode_typo_trains_the_classifier_head_which_fine_tuning_starts_from(data, tmp_path):
    """paper_code: z is the classification head's softmax; the fine-tuned head starts where pretraining left it."""
    pre_params, cls_params = typo_params(lr=1e-9)
    assert pre_params["z_head"] == "classifier" and pre_params["head"]["dropout"] == 0.7
    torch.manual_seed(0)
    start = build_embedder("minivgg", 32, pre_params["architecture"], "classifier", pre_params["head"], 15)
    encoder = pretrain(data, tmp_path / "pre", pre_params)
    trained = load_checkpoint(encoder)["state_dict"]
    assert not torch.allclose(trained["head.net.0.weight"], start.state_dict()["head.net.0.weight"])  # it learned
    tuned = classify(data, tmp_path / "ft", pretrained=encoder, params=cls_params)["state_dict"]
    for key in ("net.0.weight", "net.3.weight", "net.3.bias"):  # Linear(1024,256), Linear(256,15)
        torch.testing.assert_close(tuned[f"head.{key}"], trained[f"head.{key}"], atol=1e-6, rtol=0)


def test_the_papers_text_starts_fine_tuning_from_a_fresh_head(data, tmp_path):
    cfg = config(encoders=SMALL, pretrain={"normal": {"epochs": 1}}, classify={"finetune": {"epochs": 1, "lr": 1e-9}})
    encoder = pretrain(data, tmp_path / "pre", cfg.pretrain_params("minivgg", "normal"))
    assert load_checkpoint(encoder)["z_head"] == "projection"
    tuned = classify(
        data, tmp_path / "ft", pretrained=encoder, params=cfg.classify_params(Experiment("minivgg", "normal", "train"))
    )["state_dict"]
    assert torch.all(tuned["head.net.0.bias"].abs() < 1e-6)  # Xavier: zero biases, nothing carried over


@pytest.mark.parametrize("xavier", [True, False])
def test_xavier_reaches_the_projection_head_too(xavier):
    torch.manual_seed(0)
    model = build_embedder("minivgg", 32, {"xavier": xavier})
    linears = [m for m in model.head.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 2
    for m in linears:
        bound = math.sqrt(6 / (m.in_features + m.out_features))
        assert bool(torch.all(m.bias == 0)) == xavier
        if xavier:
            assert m.weight.abs().max() <= bound and m.weight.std().item() == pytest.approx(
                bound / math.sqrt(3), rel=0.1
            )


def test_train_aug_on_access_redraws_the_augmented_half(data):
    """The authors' ConcatDataset([train, ChestDataset(transforms=transform)]): the second half is augmented
    anew on every access; the first half is the image as it is."""
    from cxrcontrast.data.images import load_images
    from cxrcontrast.stages.classify import training_rows

    params = config("config.yaml", "demo.yaml", "paper_code.yaml").classify_params(
        Experiment("minivgg", "augmented", "train_aug")
    )
    assert params["classify"]["train_aug"] == "on_access" and params["augment"]["authors_resized_crop"]
    pruned = load_images([str(data / "train.npz")], 32)  # read once
    rows, redrawn = training_rows(1, params, 0, pruned.labels.numpy())
    full = pruned.rows(rows)
    assert len(full) == 2 * len(pruned) and redrawn.sum() == len(pruned) and not redrawn[: len(pruned)].any()
    assert torch.equal(full.images[: len(pruned)], full.images[len(pruned) :])  # the same images, twice
    model = build_classifier("minivgg", 32, params["architecture"], params["head"], 15, 0, softmax_output=False)
    augment = AugmentParams.from_config(params["augment"])
    source = AugmentedOnAccess(model, full, full, torch.device("cpu"), Accel(), redrawn=redrawn, augment=augment)
    idx = torch.tensor([0, 1, len(full) // 2, len(full) // 2 + 1])
    first = source.inputs(idx, torch.Generator().manual_seed(1))
    second = source.inputs(idx, torch.Generator().manual_seed(2))
    assert torch.equal(first[:2], second[:2]) and torch.equal(first[:2], full.batch(idx[:2]))
    assert not torch.equal(first[2:], second[2:])  # another access, another view


def test_the_official_chestmnist_must_prune_to_the_papers_counts(tmp_path, monkeypatch):
    from cxrcontrast.data import medmnist_format
    from cxrcontrast.data.synthetic import synthesize
    from cxrcontrast.files import save_npz
    from cxrcontrast.stages.prune import run_prune

    save_npz(tmp_path / "raw.npz", **synthesize(200, 60, 60, seed=0))
    outs = {s: str(tmp_path / f"{s}.npz") for s in ("train", "val", "test")}
    # not official: any counts
    run_prune(
        raw=str(tmp_path / "raw.npz"), data=npz_entry(), outputs=outs, classes_json=str(tmp_path / "classes.json")
    )
    monkeypatch.setattr(medmnist_format, "official_size", lambda path, flag: 28)  # as if its MD5 were the official one
    with pytest.raises(
        InputError,
        match=r"the official chestmnist file pruned to \{'train': \d+.*the paper's "
        r"pruning gives \{'train': 64007, 'val': 9191, 'test': 18187\}",
    ):
        run_prune(
            raw=str(tmp_path / "raw.npz"), data=npz_entry(), outputs=outs, classes_json=str(tmp_path / "classes.json")
        )


def test_float32_by_default_and_the_fast_path_in_its_own_layer():
    assert run_config("config.yaml").execution.performance_dict == {
        "bf16_autocast": False,
        "channels_last": False,
        "compile": False,
    }
    assert all(run_config("config.yaml", "fast.yaml").execution.performance_dict.values())


def test_paper_code_selects_the_authors_modes():
    cfg = config("config.yaml", "paper_code.yaml")
    hard = cfg.objective("minivgg", "hard")
    assert (hard["batches"], hard["embedding"]) == ("natural", "h") and "images_per_class" not in hard
    assert cfg.objective("minivgg", "normal")["batches"] == "round_robin"
    assert cfg.objective("minivgg", "augmented")["positive"] == "other"  # the paper and the code agree
    assert cfg.settings["encoders"]["efficientnet_b0"]["features"] == "imagenet_logits"
    assert cfg.settings["classify"]["select_on"] == "last"
    paper = config("config.yaml")
    assert (
        paper.objective("minivgg", "hard")["batches"] == "pk"
        and paper.settings["encoders"]["minivgg"]["z_head"] == "projection"
    )


def test_the_augmented_triplets_are_validated_without_their_augmentation(data):
    """The authors' val triplets had no transform (the paper's val minimum, 0.43, is on plain triplets); the
    validation loss is one fixed draw of the val split: the same model gives the same loss every epoch."""
    from cxrcontrast.data.images import load_images
    from cxrcontrast.stages.pretrain import validation_objective
    from cxrcontrast.training.pretrain import validation_loss
    from cxrcontrast.training.views import PlainViews

    params = config("config.yaml", "demo.yaml").pretrain_params("minivgg", "augmented")
    val = load_images([str(data / "val.npz")], 32)
    objective = validation_objective(params, val.labels)
    assert objective.name == "normal" and isinstance(objective.views, PlainViews)
    torch.manual_seed(0)
    model = build_embedder("minivgg", 32, params["architecture"], params["z_head"], params["head"], 15).eval()
    first, again = (validation_loss(objective, model, val, torch.device("cpu")) for _ in range(2))
    assert math.isfinite(first) and first == again


def test_paper_notebook_is_the_recorded_run_over_the_authors_code():
    """config/paper_notebook.yaml: the notebook's forward (no typo) and its recorded augmented run's settings,
    over paper_code.yaml; each key it sets changes something there (it restates nothing)."""
    import yaml
    from conftest import REPO, run_config

    code = config("config.yaml", "paper_code.yaml")
    notebook = config("config.yaml", "paper_code.yaml", "paper_notebook.yaml")
    assert code.settings["encoders"]["minivgg"]["z_head"] == "classifier"
    assert notebook.settings["encoders"]["minivgg"]["z_head"] == "projection"
    augmented = notebook.objective("minivgg", "augmented")
    assert (augmented["lr"], augmented["momentum"], augmented["margin"], augmented["epochs"]) == (0.01, 0.9, 0.5, 100)
    assert augmented["batches"] == "round_robin"  # the rest of the authors' code stays
    aug_set = Experiment("minivgg", "augmented", "train_aug")
    assert notebook.classify_block(aug_set)["epochs"] == 100 and notebook.classify_block(aug_set)["lr"] == 0.01
    plain = Experiment("minivgg", "augmented", "train")  # no recorded run: the code's and the text's settings
    assert notebook.classify_block(plain) == code.classify_block(plain)
    layer = yaml.safe_load((REPO / "config/paper_notebook.yaml").read_text())
    assert code.settings["encoders"]["minivgg"]["z_head"] != layer["encoders"]["minivgg"]["z_head"]
    assert code.objective("minivgg", "augmented")["lr"] != layer["pretrain"]["augmented"]["lr"]
    assert "z_head projection" in run_config("config.yaml", "paper_code.yaml", "paper_notebook.yaml").describe()


def test_every_seed_gets_its_own_augmented_copy(data, tmp_path):
    """train_aug: the doubled set's augmented half is drawn from the experiment's seed (its spread counts)."""
    from cxrcontrast.files import load_npz
    from cxrcontrast.stages.augment_copies import run_augment_copies

    copies = {}
    for seed in (0, 0, 1):
        out = tmp_path / f"seed{seed}.npz"
        run_augment_copies(str(data / "train.npz"), str(out), 32, config().augment(), seed)
        copies.setdefault(seed, []).append(load_npz(out, ("images", "labels"))["images"])
    assert (copies[0][0] == copies[0][1]).all()  # seeded
    assert (copies[0][0] != copies[1][0]).mean() > 0.5  # another seed, another copy


def test_tsne_maps_h_as_the_paper_and_z_beside_it(data, tmp_path, monkeypatch):
    """The paper plots t-SNE of the encoder output h; z is kept beside it, each panel labelled."""
    from cxrcontrast.figures import embeddings as figures_embeddings
    from cxrcontrast.stages import embed

    drawn = {}
    monkeypatch.setattr(  # the stage imports the figure module where it draws
        figures_embeddings, "tsne_panels", lambda panels, names, title, out: drawn.update(panels=panels, title=title)
    )
    params = config(embeddings={"points": 60}).embed_params("minivgg")
    embed.run_embed(
        pretrained=None,
        train=str(data / "train.npz"),
        val=str(data / "val.npz"),
        classes=str(data / "classes.json"),
        out_png=str(tmp_path / "tsne.png"),
        out_json=str(tmp_path / "q.json"),
        params=params,
        pretrain="none",
        seed=0,
        device="cpu",
    )
    subtitles = [p[0] for p in drawn["panels"]]
    assert subtitles[0].startswith("encoder features h") and subtitles[1].startswith("z (what the loss saw)")
    assert all(p[1].shape == (60, 2) for p in drawn["panels"]) and "val split, 60 images" in drawn["title"]
