"""The summary step on hand-made results: several seeds, comparisons, differing config keys, the task's chance."""

import csv
import re

import numpy as np
import pytest
from scipy import stats

from cxrcontrast.evaluation.calibration import calibration_of, fit_temperature
from cxrcontrast.evaluation.config_differences import differing_keys
from cxrcontrast.evaluation.metrics import HEADLINE, classification_metrics
from cxrcontrast.evaluation.paper_protocol import paper_protocol, paper_protocol_spread, paper_weights
from cxrcontrast.evaluation.robustness import DROPS, corruption_scores
from cxrcontrast.evaluation.tables import mean_interval
from cxrcontrast.files import load_json, save_json, save_npz
from cxrcontrast.stages.summary import run_summary

TABLES = ("metrics", "summary", "comparisons", "embedding_table", "official", "fidelity", "protocols", "robustness")
OUTPUTS = (
    *((t, "csv") for t in TABLES),
    *((f"{t}_page", "html") for t in TABLES),
    ("markdown", "md"),
    ("figure13", "png"),
    ("embedding_quality", "png"),
    ("label_efficiency", "png"),
    ("robustness_figure", "png"),
)


def fake_config(pretrain, lr):
    classify = {"classify": {"epochs": 5, "lr": lr}, "architecture": {"xavier": True}, "head": {"dropout": 0.3}}
    pre = None if pretrain == "none" else {"block": {"margin": 0.3}, "augment": None}
    return {"classify": classify, "pretrain": pre}


def fake_corruptions(probs, labels, clean):
    """Two corruptions at severities 1 and 5, each adding noise to the predictions in proportion to severity."""
    pairs = [(c, s) for c in ("pixelate", "gaussian_noise") for s in (1, 5)]
    corrupted = {
        "images": np.arange(len(pairs))[:, None],  # predict() reads which copy it is given
        "corruption": np.array([c for c, _ in pairs]),
        "severity": np.array([s for _, s in pairs]),
        "labels": labels,
    }

    def predict(copy):
        k = int(copy[0])
        return probs + np.random.default_rng(k).normal(size=probs.shape) * 0.1 * pairs[k][1]

    return corruption_scores(predict, corrupted, clean)


def fake_result(tmp, encoder, pretrain, trainset, seed, skill, lr, k=6, labels_fraction=1.0):
    rng = np.random.default_rng(seed)
    labels = np.arange(600) % k
    logits = rng.normal(size=(600, k))
    logits[np.arange(600), labels] += skill
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    m = classification_metrics(probs, labels)
    temperature = fit_temperature(probs, labels)
    ece, _ = calibration_of(probs, labels, temperature, paper_weights(labels, 0)[0])
    m.update({key: float(f(np.ones((1, 600)))[0]) for key, f in ece.items()})
    robust = fake_corruptions(probs, labels, m)
    folder = tmp / f"{encoder}/{pretrain}/{trainset}/labels{labels_fraction}/seed{seed}"
    result = {
        "encoder": encoder,
        "pretrain": pretrain,
        "trainset": trainset,
        "labels": labels_fraction,
        "seed": seed,
        **{key: m[key] for key in (*HEADLINE, *ece)},
        "temperature": temperature,
        "temperature_fit": "ok",
        "collapsed": False,
        "collapsed_reason": None,
        **{key: robust[key] for key in DROPS},
        "robustness": {"scores": robust["scores"], "by_severity": robust["by_severity"]},
        "ci": {key: None if m[key] is None else [m[key] - 0.01, m[key] + 0.01] for key in (*HEADLINE, *ece)},
        "paper_protocol": {
            **paper_protocol(probs, labels, 0, extra=ece),
            **paper_protocol_spread(probs, labels, 0, resamples=20, extra=ece),
        },
        "config": fake_config(pretrain, lr),
    }
    save_json(folder / "metrics.json", result)
    save_npz(folder / "predictions.npz", probs=probs, labels=labels, index=np.arange(600))
    return str(folder / "metrics.json"), str(folder / "predictions.npz")


def summarise(tmp_path, runs, flag="chestmnist", k=15, seeds=(0, 1, 2), warnings=(), official=28, names=None):
    metrics, preds = [], []
    for enc, pre, ts, skill, lr in runs:
        for seed in seeds:
            a, b = fake_result(tmp_path, enc, pre, ts, seed, skill, lr, k=k)
            metrics.append(a)
            preds.append(b)
    return summarise_files(tmp_path, metrics, preds, flag, k, warnings, official, names)


def summarise_files(tmp_path, metrics, preds, flag="chestmnist", k=6, warnings=(), official=28, names=None):
    q = {
        "encoder": "minivgg",
        "pretrain": "normal",
        "seed": 0,
        "val": {f: {"precision_at_1": 0.5, "map_at_r": 0.2, "silhouette": 0.1} for f in ("h", "z")},
    }
    save_json(tmp_path / "q.json", q)
    save_json(
        tmp_path / "classes.json",
        {
            "flag": flag,
            "class_names": names or [f"c{i}" for i in range(k)],
            "warnings": list(warnings),
            "official": official,
        },
    )
    out = {key: str(tmp_path / f"out/{key}.{ext}") for key, ext in OUTPUTS}
    run_summary(
        metrics=metrics,
        predictions=preds,
        qualities=[str(tmp_path / "q.json")],
        probes=[],
        official=[],
        classes=str(tmp_path / "classes.json"),
        outputs=out,
        params={"bootstrap": 1000, "seed": 0, "paper_protocol_seed": 0},
        fidelity=[{"setting": "x"}],
    )
    return out


RUNS = [
    ("minivgg", "none", "train", 0.5, 0.1),
    ("minivgg", "normal", "train", 1.5, 0.01),
    ("minivgg", "augmented", "train_aug", 1.0, 0.02),
]


def test_summary_tables(tmp_path):
    out = summarise(tmp_path, RUNS)
    with open(out["metrics"]) as fh:
        seed_rows = list(csv.DictReader(fh))
    assert len(seed_rows) == 9
    with open(out["summary"]) as fh:
        exp_rows = {r["pretrain"]: r for r in csv.DictReader(fh)}
    assert len(exp_rows) == 3 and exp_rows["none"]["n_seeds"] == "3"
    accs = [float(r["accuracy"]) for r in seed_rows if r["pretrain"] == "none"]
    assert float(exp_rows["none"]["accuracy_mean"]) == pytest.approx(np.mean(accs))
    assert float(exp_rows["none"]["accuracy_sd"]) == pytest.approx(np.std(accs, ddof=1))
    with open(out["comparisons"]) as fh:
        comps = list(csv.DictReader(fh))
    normal = next(c for c in comps if c["pretrain"] == "normal" and c["metric"] == "balanced_accuracy")
    assert (
        normal["baseline"] == "minivgg/none/train/labels1"
        and float(normal["difference"]) > 0.2
        and float(normal["p_value"]) < 0.01
    )
    aug = next(c for c in comps if c["pretrain"] == "augmented")
    assert aug["baseline"] == "minivgg/none/train/labels1"  # no train_aug baseline: falls back to the plain set
    md = open(out["markdown"]).read()
    assert (
        "classify.lr=0.01" in md
        and "[19, 20) / [56, 57)" in md
        and "| minivgg | normal | 1 | 0.500 | 0.200 | 0.100 | 0.500 |" in md
    )
    assert "chance 6.7% top-1, 33% top-5" in md
    for r in seed_rows:  # the paper protocol has its own interval (Figure 13's lower bars with one seed)
        assert float(r["paper_accuracy_ci_low"]) < float(r["paper_accuracy_ci_high"])
        assert 0 < float(r["paper_accuracy_resample_sd"]) < 0.1
    eces = [float(r["ece"]) for r in seed_rows if r["pretrain"] == "none"]
    assert float(exp_rows["none"]["ece_mean"]) == pytest.approx(np.mean(eces))
    calibration = md.split("## Calibration")[1].split("##")[0]
    row = next(line for line in calibration.splitlines() if line.startswith("| VGG baseline |"))
    assert row.split(" | ")[3].startswith(f"{100 * np.mean(eces):.1f} [")  # natural ECE, points, seed interval
    with open(out["robustness"]) as fh:
        robust = list(csv.DictReader(fh))
    assert len(robust) == 3 * 2 * 2 and {r["seeds"] for r in robust} == {"3"}
    by_severity = {s: np.mean([float(r["drop_auc_macro"]) for r in robust if r["severity"] == s]) for s in "15"}
    assert 0 < by_severity["1"] < by_severity["5"]
    drops = [float(r["corruption_drop_auc_macro"]) for r in seed_rows if r["pretrain"] == "none"]
    assert float(exp_rows["none"]["corruption_drop_auc_macro_mean"]) == pytest.approx(np.mean(drops))
    assert open(out["figure13"], "rb").read(4) == b"\x89PNG"
    assert open(out["embedding_quality"], "rb").read(4) == b"\x89PNG"
    page = open(out["summary_page"]).read()  # the report's view of the table: every experiment a row
    assert page.count("<tr>") == 1 + 3 and "<th>accuracy_mean</th>" in page and "minivgg" in page


def test_summary_speaks_of_its_own_data(tmp_path):
    """A binary task: chance 50%, no top-5 column, no 'paper reported' column."""
    out = summarise(tmp_path, RUNS[:2], flag="pneumoniamnist", k=2, seeds=(0,))
    md = open(out["markdown"]).read()
    assert "chance 50.0% top-1" in md and "top-5" not in md and "paper reported" not in md and "6.7%" not in md
    demo = summarise(tmp_path / "demo", RUNS[:2], seeds=(0,), official=None)  # ChestMNIST-like, not the file
    md = open(demo["markdown"]).read()
    assert "chance 6.7% top-1" in md and "paper reported" not in md and "[19, 20)" not in md
    eight = summarise(
        tmp_path / "eight",
        RUNS[:2],
        flag="bloodmnist",
        k=8,
        seeds=(0,),
        warnings=["test: classes ['c7'] occur in test but not in train; their recall will be 0"],
    )
    md = open(eight["markdown"]).read()
    assert "chance 12.5% top-1, 62% top-5" in md and "paper reported" not in md
    assert r"> **Data warning:** test: classes \['c7'\] occur in test but not in train" in md  # Markdown-escaped


# Class folder names a user (or an archive they were sent) chose, each shown in summary.md as written
HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[see](javascript:alert(1))",
    "two\nlines",
    "a|b *c* _d_",
    "Pleural_thickening",
]
# each as Markdown that a CommonMark renderer shows as exactly that text (backslash escapes, the newline visible)
ESCAPED_NAMES = [
    r"\<img src=x onerror=alert\(1\)\>",
    r"\<script\>alert\(1\)\</script\>",
    r"\[see\]\(javascript:alert\(1\)\)",
    r"two\\nlines",
    r"a\|b \*c\* \_d\_",
    "Pleural_thickening",  # an underscore inside a word is no markup: ordinary names keep their bytes
]


def test_class_names_reach_summary_md_as_text(tmp_path):
    """A folder's class names, a data warning and a collapsed model's reason quoting one: escaped where they enter
    the Markdown, so no raw HTML tag, link or emphasis survives and the newline does not break the line (it is
    shown as \\n)."""
    warning = f"test: classes [{HOSTILE_NAMES[1]!r}] occur in test but not in train; their recall will be 0"
    metrics, preds = zip(*(fake_result(tmp_path, *run[:3], 0, *run[3:]) for run in RUNS[:2]))
    reason = f"predicts one class ({HOSTILE_NAMES[0]}) for every test image"  # evaluation.collapse quotes it
    save_json(metrics[0], {**load_json(metrics[0]), "collapsed": True, "collapsed_reason": reason})
    out = summarise_files(tmp_path, list(metrics), list(preds), None, 6, [warning], names=HOSTILE_NAMES)
    md = open(out["markdown"]).read()
    robustness = md.split("## Robustness")[1].split("\n## ")[0]
    assert r"VGG baseline, seed 0 \(predicts one class \(\<img src=x onerror=alert\(1\)\>\) for" in robustness
    data = next(line for line in md.splitlines() if line.startswith("Data: "))
    assert data.startswith(f"Data: own classes, 6 classes ({', '.join(ESCAPED_NAMES)}). Percentages;")
    escaped_warning = r"test: classes \['\<script\>alert\(1\)\</script\>'\] occur in test but not in train"
    assert f"> **Data warning:** {escaped_warning}" in md
    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", md)  # no raw HTML: every < a tag could start is escaped
    assert not re.search(r"(?<!\\)\]\(", md)  # no link


def test_a_differing_config_value_is_escaped_where_it_is_text():
    """The summary's "config that differs" cell: a weights path the user chose is text, escaped; numbers and
    lists of numbers hold no markup and keep their bytes (the demo's encoder.head.hidden=[256])."""
    from cxrcontrast.summary.markdown import setting_text

    assert setting_text("/w/<img src=x onerror=alert(1)>|.pt") == r"/w/\<img src=x onerror=alert\(1\)\>\|.pt"
    assert [setting_text(v) for v in ([256], [0.08, 1.0], 0.01, True, None)] == [
        "[256]",
        "[0.08, 1.0]",
        "0.01",
        "True",
        "None",
    ]


def test_the_table_pages_escape_every_cell():
    """The report's HTML table pages: a user-named value in a cell, a header or the title is text, not markup."""
    from cxrcontrast.summary.table_pages import html_table

    page = html_table([{"class <b>": HOSTILE_NAMES[0], "n": 1.0}], "<script>x</script>", HOSTILE_NAMES[1])
    assert "<img" not in page and "<script" not in page and "<b>" not in page
    assert "<td>&lt;img src=x onerror=alert(1)&gt;</td>" in page and "<th>class &lt;b&gt;</th>" in page


def test_mean_interval_is_the_t_interval():
    r = mean_interval([0.2, 0.4, 0.6])
    assert r["mean"] == pytest.approx(0.4) and r["sd"] == pytest.approx(0.2)
    assert r["ci_low"] == pytest.approx(0.4 - stats.t.ppf(0.975, 2) * 0.2 / np.sqrt(3))
    many = mean_interval(np.linspace(0, 1, 12))  # 11 degrees of freedom: t, not the normal's 1.96
    assert many["ci_high"] - many["mean"] == pytest.approx(stats.t.ppf(0.975, 11) * many["sd"] / np.sqrt(12))
    assert mean_interval([0.3])["ci_low"] is None and mean_interval([None])["mean"] is None


def test_differing_keys():
    """Classification settings compared across all experiments; pretraining settings within an objective."""
    a, b, c, d = (
        fake_config("none", 0.1),
        fake_config("normal", 0.01),
        fake_config("normal", 0.01),
        fake_config("hard", 0.01),
    )
    c["pretrain"]["block"]["margin"] = 0.5
    d["pretrain"]["block"]["margin"] = 0.9  # another objective: its own block, not a difference
    keys = [("minivgg", p, "train", f) for p, f in (("none", 1.0), ("normal", 1.0), ("normal", 0.1), ("hard", 1.0))]
    diff = differing_keys(dict(zip(keys, (a, b, c, d))))
    assert diff[keys[0]] == {"classify.lr": 0.1}
    assert diff[keys[2]] == {"classify.lr": 0.01, "pretrain.margin": 0.5}
    assert diff[keys[3]] == {"classify.lr": 0.01}
    assert diff[keys[1]] == {"classify.lr": 0.01, "pretrain.margin": 0.3}  # 0.5 and 0.3 among normal's peers


def numerics(threads, capability="AVX2"):
    one = {"device": "cpu", "cpu_capability": capability, "threads": threads, "torch": "2.14.1", "numpy": "2.2.0"}
    return {"train": one, "evaluate": dict(one)}


def test_numerics_warnings_name_the_field_and_the_experiments():
    from cxrcontrast.summary.numerics import numerics_warnings

    run = {"encoder": "minivgg", "trainset": "train", "labels": 1.0}
    same = [{**run, "pretrain": p, "seed": 0, "numerics": numerics(1)} for p in ("none", "normal")]
    assert numerics_warnings(same) == []
    mixed = [*same, {**run, "pretrain": "hard", "seed": 0, "numerics": numerics(2)}]
    lines = numerics_warnings(mixed)
    # exactly the two fields that differ (train and evaluate threads), each naming both groups
    assert len(lines) == 2 and all("threads is 1 for" in line for line in lines)
    assert "2 for minivgg/hard/train/labels1/seed0" in lines[0] and "minivgg/none/train/labels1/seed0" in lines[0]
    unrecorded = [*same, {**run, "pretrain": "hard", "seed": 1}]  # a metrics file from before numerics were kept
    assert any("not recorded for minivgg/hard/train/labels1/seed1" in line for line in numerics_warnings(unrecorded))


def test_the_summary_warns_when_its_experiments_ran_under_other_numerics(tmp_path):
    """Same config, other thread count: the summary says so at its top, naming the runs."""
    import json

    metrics, preds = [], []
    for pre, threads in (("none", 1), ("normal", 2)):
        m, p = fake_result(tmp_path, "minivgg", pre, "train", 0, 2.0, 0.1)
        result = json.loads(open(m).read())
        save_json(m, {**result, "numerics": numerics(threads)})
        metrics.append(m)
        preds.append(p)
    text = open(summarise_files(tmp_path, metrics, preds)["markdown"]).read()
    assert (
        "**Numerics warning:** the experiments compared were computed under different numerics: train threads" in text
    )
    assert "2 for minivgg/normal/train/labels1/seed0" in text


def test_label_equivalence_in_the_summary(tmp_path):
    """A baseline at three budgets and a pretraining at 10%: its equivalent baseline budget is a column of
    summary.csv and a sentence of summary.md; the row of the baseline has none."""
    metrics, preds = [], []
    runs = [("none", 0.01, 0.2), ("none", 0.1, 0.8), ("none", 1.0, 2.0), ("simclr", 0.1, 1.4)]
    for pre, budget, skill in runs:
        for seed in (0, 1):
            a, b = fake_result(tmp_path, "minivgg", pre, "train", seed, skill, 0.1, k=6, labels_fraction=budget)
            metrics.append(a)
            preds.append(b)
    out = summarise_files(tmp_path, metrics, preds, flag="demo", k=6)
    with open(out["summary"]) as fh:
        rows = {(r["pretrain"], r["labels"]): r for r in csv.DictReader(fh)}
    simclr = rows[("simclr", "0.1")]
    assert 0.1 < float(simclr["auc_macro_baseline_labels"]) < 1.0  # between the baseline's 10% and 100%
    assert float(simclr["auc_macro_baseline_labels_ci_low"]) <= float(simclr["auc_macro_baseline_labels"])
    assert rows[("none", "1.0")]["auc_macro_baseline_labels"] == ""
    md = open(out["markdown"]).read()
    assert "## Label equivalence" in md
    assert "VGG simclr pretrain with 10% of the labels matches the baseline with " in md
    from cxrcontrast.summary.label_equivalence import findings

    landing = findings({"demo": out["summary"], "absent": str(tmp_path / "none.csv")})  # the report's sentences
    assert len(landing) == 1 and landing[0].startswith("demo: VGG simclr pretrain") and landing[0][6:] + "." in md


@pytest.mark.parametrize("field", ["ece_debiased", "collapsed", "temperature_fit"])
def test_a_metrics_json_of_an_earlier_version_is_refused_naming_it(tmp_path, field):
    """A metrics.json that lacks a field the current evaluate always writes: one line naming the file, the field
    and how to remake it; not a KeyError, and not read with a guessed value."""
    from cxrcontrast.errors import InputError

    metrics, preds = zip(*(fake_result(tmp_path, *run[:3], 0, *run[3:]) for run in RUNS[:2]))
    old = load_json(metrics[1])
    del old[field]
    save_json(metrics[1], old)
    with pytest.raises(InputError) as refused:
        summarise_files(tmp_path, list(metrics), list(preds))
    assert str(refused.value) == (
        f"{metrics[1]}: made by an earlier version of evaluate (no '{field}'); "
        "rerun evaluate: python -m cxrcontrast run --forcerun evaluate"
    )


def test_the_summary_takes_every_encoder_of_the_registry(tmp_path):
    """Reference: the registry (``models.ENCODERS``). Each encoder's pretrained state is compared with its own
    baseline, named as papers print it in the tables, and drawn in the figures."""
    from cxrcontrast.evaluation.display import ENCODER_LABELS
    from cxrcontrast.models import ENCODERS

    assert set(ENCODER_LABELS) == set(ENCODERS) and len(set(ENCODER_LABELS.values())) == len(ENCODERS)
    runs = [(e, p, "train", skill, 0.01) for e in ENCODERS for p, skill in (("none", 0.5), ("supcon", 1.5))]
    out = summarise(tmp_path, runs, seeds=(0,))
    with open(out["comparisons"]) as fh:
        baselines = {(c["encoder"], c["baseline"]) for c in csv.DictReader(fh) if c["pretrain"] == "supcon"}
    assert baselines == {(e, f"{e}/none/train/labels1") for e in ENCODERS}
    md = open(out["markdown"]).read()
    for encoder, label in ENCODER_LABELS.items():
        assert f"| {label} baseline |" in md and f"| {label} supcon pretrain |" in md, encoder
    assert open(out["figure13"], "rb").read(4) == open(out["robustness_figure"], "rb").read(4) == b"\x89PNG"
