"""The config resolved once, in the package: defaults from the schema only, canonical slices, one slice per rule."""

import pytest
import yaml
from conftest import REPO, SCHEMA, config, run_config

from cxrcontrast.config import canonical
from cxrcontrast.config.schema import normalize
from cxrcontrast.errors import InputError
from cxrcontrast.vocabulary.experiments import Experiment, fraction_text


def schema_defaults(schema, root=None, path=()):
    """{key path: default} of every property with a default in the schema."""
    from cxrcontrast.config.schema import _resolve

    root = root or schema
    schema = _resolve(schema, root)
    out = {}
    for key, sub in schema.get("properties", {}).items():
        sub = _resolve(sub, root)
        if "default" in sub and not isinstance(sub["default"], dict):
            out[(*path, key)] = sub["default"]
        out.update(schema_defaults(sub, root, (*path, key)))
    return out


def leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, (*path, k))
    else:
        yield path, node


def test_defaults_live_in_the_schema_only():
    """No config layer restates a default: the paper's values are set in one place."""
    defaults = schema_defaults(yaml.safe_load(SCHEMA.read_text()))
    for name in ("config.yaml", "demo.yaml", "paper_code.yaml", "fast.yaml"):
        layer = yaml.safe_load((REPO / "config" / name).read_text())
        for path, value in leaves(layer):
            assert defaults.get(path, object()) != value, f"config/{name}: {'.'.join(path)} restates the default"


def test_code_takes_the_schemas_values_not_its_own():
    """Settings the schema defines have no second default in the code that reads them."""
    import dataclasses
    import inspect

    from cxrcontrast.data.augment import AugmentParams
    from cxrcontrast.data.synthetic import synthesize
    from cxrcontrast.models import ClassifierHead
    from cxrcontrast.training.features import feature_source
    from cxrcontrast.training.selection import selection

    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(AugmentParams))
    for function, names in (
        (ClassifierHead.__init__, ("hidden", "dropout")),
        (synthesize, ("n_train", "n_val", "n_test")),
        (feature_source, ("freeze_batchnorm",)),
        (selection, ("select_on",)),
    ):
        signature = inspect.signature(function).parameters
        assert all(signature[n].default is inspect.Parameter.empty for n in names), function.__qualname__


def test_every_schema_default_reaches_the_resolved_config():
    cfg = config("config.yaml")
    for path, default in schema_defaults(yaml.safe_load(SCHEMA.read_text())).items():
        value = cfg.settings
        for key in path:
            value = value[key]
        if path[:2] != ("encoders", "efficientnet_b0") or path[-1] != "epochs":
            assert value == default, path


def test_slices_are_canonical_whatever_the_layering():
    a = config("config.yaml", "demo.yaml")
    demo = yaml.safe_load((REPO / "config/demo.yaml").read_text())
    reordered = {k: demo[k] for k in reversed(list(demo))}
    b = config("config.yaml", **reordered)
    e = Experiment("minivgg", "augmented", "train_aug")
    assert repr(a.pretrain_params("minivgg", "augmented")) == repr(b.pretrain_params("minivgg", "augmented"))
    assert repr(a.classify_params(e)) == repr(b.classify_params(e))
    assert list(a.pretrain_params("minivgg", "hard")) == sorted(a.pretrain_params("minivgg", "hard"))
    int_written = config("config.yaml", "demo.yaml", classify={"finetune": {"weight_decay": 0, "lr": 1}})
    assert int_written.classify_params(e)["classify"]["weight_decay"] == 0.0
    assert isinstance(int_written.classify_params(e)["classify"]["lr"], float)


def test_each_rule_gets_what_it_uses():
    base = config()
    other_head = config(encoders={"minivgg": {"head": {"dropout": 0.5}}})
    assert base.pretrain_params("minivgg", "normal") == other_head.pretrain_params("minivgg", "normal")
    assert base.embed_params("minivgg") == other_head.embed_params("minivgg")
    assert base.classify_params(Experiment("minivgg", "normal", "train")) != other_head.classify_params(
        Experiment("minivgg", "normal", "train")
    )
    assert base.pretrain_params("minivgg", "normal")["augment"] is None  # it does not augment
    assert base.pretrain_params("minivgg", "augmented")["augment"] == base.augment()
    baseline = base.classify_params(Experiment("minivgg", "none", "train"))["classify"]
    assert "freeze_batchnorm" not in baseline and "train_aug" not in baseline
    assert base.classify_params(Experiment("minivgg", "augmented", "train_aug"))["classify"]["lr"] == 0.02


def test_typo_head_is_part_of_pretraining_only_when_it_is_z():
    typo = config(encoders={"minivgg": {"z_head": "classifier"}})
    assert typo.pretrain_params("minivgg", "normal")["head"] == {"dropout": 0.3, "hidden": [256]}
    assert config().pretrain_params("minivgg", "normal")["head"] is None


def test_float_where_an_integer_belongs_names_the_key():
    schema = yaml.safe_load(SCHEMA.read_text())
    with pytest.raises(InputError, match=r"config.pretrain.hard.images_per_class: 4.0 is not an integer"):
        normalize({"pretrain": {"hard": {"images_per_class": 4.0}}}, schema)
    assert normalize({"pretrain": {"hard": {"lr": 1}}}, schema)["pretrain"]["hard"]["lr"] == 1.0


def test_fractions_in_paths_and_wildcards():
    assert [fraction_text(f) for f in (1.0, 0.1, 0.01, 0.05, 1e-5)] == ["1", "0.1", "0.01", "0.05", "0.00001"]
    cfg = config(experiments=[{"encoder": "minivgg", "pretrain": "none", "trainset": "train", "labels": [1, 0.1]}])
    assert [e.path for e in cfg.experiments] == ["minivgg/none/train/labels1", "minivgg/none/train/labels0.1"]
    assert (
        run_config(
            experiments=[{"encoder": "minivgg", "pretrain": "none", "trainset": "train", "labels": [1, 0.1]}]
        ).wildcard_patterns()["labels"]
        == "0.1|1"
    )
    assert canonical({"b": (1, 2), "a": {"d": 1, "c": 2}}) == {"a": {"c": 2, "d": 1}, "b": [1, 2]}


def test_entries_may_split_an_experiments_label_fractions_by_dataset():
    """Two entries of one experiment with other fractions: each fraction keeps its own entry's datasets
    and classify overrides (the demo runs the label budgets on chest only this way)."""
    exp = {"encoder": "minivgg", "pretrain": "none", "trainset": "train"}
    runs = run_config(
        experiments=[
            {**exp, "labels": [1.0]},
            {**exp, "labels": [0.1], "classify": {"epochs": 7}, "datasets": ["chest"]},
        ]
    ).datasets
    assert [e.labels for e in runs["chest"].experiments] == [1.0, 0.1]
    assert [e.labels for e in runs["small"].experiments] == [1.0]
    epochs = {e.labels: runs["chest"].classify_block(e)["epochs"] for e in runs["chest"].experiments}
    assert epochs == {1.0: runs["chest"].settings["classify"]["baseline"]["epochs"], 0.1: 7}


def test_every_key_is_explained_in_config_readme():
    readme = (REPO / "config/README.md").read_text()
    for path in schema_defaults(yaml.safe_load(SCHEMA.read_text())):
        parent = path[-2] if len(path) > 1 else ""
        named = (
            f"`{path[-1]}`",
            f"`<encoder>.{path[-1]}`",
            f"`<encoder>.{parent}.{path[-1]}`",
            f"`{parent}.{path[-1]}`",
            f"{path[-1]}: ",
        )
        assert any(n in readme for n in named), f"config/README.md does not explain {'.'.join(path)}"
