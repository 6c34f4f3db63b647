# Input functions, wildcard constraints and target lists shared by the stages.
import math

# Config reaches scripts only through `params:`, one slice per rule, so editing a
# key reruns exactly the jobs whose slice changed.


wildcard_constraints:
    split="train|val|test",


ENV = "../envs/cxrcontrast.yaml"
SPLITS = ["train", "val", "test"]


def mem_mb(base, per_input_mb):
    """Memory that grows with the data: `base` MB plus `per_input_mb` MB per MB of input files."""
    return lambda wildcards, input: int(base + per_input_mb * input.size_mb)


DATA = config["data"]
AUGMENT = config["augment"]


def raw_npz():
    """The MedMNIST-format file the workflow starts from, by `data.source`."""
    if DATA["source"] == "npz":
        if not DATA.get("npz"):
            raise ValueError(
                "config: data.source is 'npz' but data.npz (path to the file) is not set"
            )
        return DATA["npz"]
    if DATA["source"] == "demo":
        return "results/data/raw/demo.npz"
    suffix = "" if DATA["size"] == 28 else f"_{DATA['size']}"
    return f"data/raw/{DATA['flag']}{suffix}.npz"


def augment_params():
    """The augmentation's shape parameters (its seed travels separately)."""
    return {k: v for k, v in AUGMENT.items() if k != "seed"}


def data_targets():
    return [
        expand("results/data/pruned/{split}.npz", split=SPLITS),
        "results/data/augmented/train.npz",
        "results/figures/augmentation_examples.png",
    ]


# ---- experiments: (encoder, pretrain, trainset) x seeds --------------------------


wildcard_constraints:
    encoder="|".join(config["encoders"]),
    sampler="normal|hard|augmented|supcon",
    pretrain="none|normal|hard|augmented|supcon",
    trainset="train|train_aug",
    state="untrained|normal|hard|augmented|supcon",
    seed=r"\d+",


EXPERIMENTS = config["experiments"]
SEEDS = config["seeds"]
CLASSIFY_SHARED = ("select_on", "freeze_batchnorm", "softmax_before_loss")


def _index_experiments():
    """(encoder, pretrain, trainset) -> experiment block; checked once, at parse time."""
    index = {}
    for exp in EXPERIMENTS:
        key = (exp["encoder"], exp["pretrain"], exp["trainset"])
        name = "{}/{}/{}".format(*key)
        if key in index:
            raise ValueError(
                f"config: experiments lists {name} twice; each must be unique"
            )
        if exp["encoder"] not in config["encoders"]:
            raise ValueError(
                f"config: experiment {name} uses encoder {exp['encoder']!r}, not under `encoders:`"
            )
        index[key] = exp
    return index


EXPERIMENT_INDEX = _index_experiments()


def experiment(w):
    key = (w.encoder, w.pretrain, w.trainset)
    if key not in EXPERIMENT_INDEX:
        raise ValueError(
            f"no experiment {w.encoder}/{w.pretrain}/{w.trainset} in config `experiments:`"
        )
    return EXPERIMENT_INDEX[key]


def encoder_overrides(encoder):
    return config["encoders"][encoder].get("train_overrides", {})


def pretrain_params(w):
    """The sampler's block (pretrain.<sampler>), with the encoder's training overrides."""
    return {**config["pretrain"][w.sampler], **encoder_overrides(w.encoder)}


def classify_params(w):
    """baseline or finetune block, then the encoder's overrides, then the experiment's."""
    block = config["classify"]["baseline" if w.pretrain == "none" else "finetune"]
    shared = {k: config["classify"][k] for k in CLASSIFY_SHARED}
    return {
        **shared,
        **block,
        **encoder_overrides(w.encoder),
        **experiment(w).get("classify", {}),
    }


def classify_inputs(w):
    inputs = {
        "train": ["results/data/pruned/train.npz"],
        "val": "results/data/pruned/val.npz",
        "classes": "results/data/pruned/classes.json",
    }
    if w.trainset == "train_aug":
        inputs["train"].append("results/data/augmented/train.npz")
    if w.pretrain != "none":
        inputs["pretrained"] = (
            f"results/pretrain/{w.encoder}/{w.pretrain}/seed{w.seed}/encoder.pt"
        )
    return inputs


def sampler_augment(w):
    """Only the samplers that augment on the fly depend on the augmentation settings."""
    return augment_params() if w.sampler in ("augmented", "supcon") else {}


def metrics_dir(e, seed):
    return f"results/metrics/{e['encoder']}/{e['pretrain']}/{e['trainset']}/seed{seed}"


def metrics_targets(name):
    return [f"{metrics_dir(e, s)}/{name}" for e in EXPERIMENTS for s in SEEDS]


def embedding_states():
    """(encoder, state): every pretrained encoder, and each encoder untrained ("before")."""
    states = {(e["encoder"], "untrained") for e in EXPERIMENTS}
    states |= {
        (e["encoder"], e["pretrain"]) for e in EXPERIMENTS if e["pretrain"] != "none"
    }
    return sorted(states)


def embedding_targets(name):
    return [
        f"results/embeddings/{enc}/{state}/seed{s}/{name}"
        for enc, state in embedding_states()
        for s in SEEDS
    ]


def benchmark_files():
    """Benchmark files of every job that runs a model, and of the summary."""
    files = [
        f"results/benchmarks/pretrain/{enc}/{state}/seed{s}.tsv"
        for enc, state in embedding_states()
        if state != "untrained"
        for s in SEEDS
    ]
    files += [
        f"results/benchmarks/{stage}/{e['encoder']}/{e['pretrain']}/{e['trainset']}/seed{s}.tsv"
        for stage in ("finetune", "evaluate")
        for e in EXPERIMENTS
        for s in SEEDS
    ]
    files += [
        f"results/benchmarks/embed/{enc}/{st}/seed{s}.tsv"
        for enc, st in embedding_states()
        for s in SEEDS
    ]
    return files + ["results/benchmarks/report/summary.tsv"]


def pretrain_history(w):
    if w.pretrain == "none":
        return []
    return f"results/pretrain/{w.encoder}/{w.pretrain}/seed{w.seed}/history.csv"


def embedding_inputs(w):
    inputs = {
        "train": "results/data/pruned/train.npz",
        "val": "results/data/pruned/val.npz",
        "classes": "results/data/pruned/classes.json",
    }
    if w.state != "untrained":
        inputs["pretrained"] = (
            f"results/pretrain/{w.encoder}/{w.state}/seed{w.seed}/encoder.pt"
        )
    return inputs


SUMMARY = {
    "metrics": "results/summary/metrics.csv",
    "summary": "results/summary/summary.csv",
    "comparisons": "results/summary/comparisons.csv",
    "markdown": "results/summary/summary.md",
    "figure13": "results/figures/figure13.png",
    "embedding_quality": "results/figures/embedding_quality.png",
}


def all_targets():
    return data_targets() + list(SUMMARY.values()) + ["results/summary/runtime.csv"]


def _check_finite(node, path="config"):
    """JSON schema ranges let NaN through (every comparison with NaN is false)."""
    if isinstance(node, dict):
        for key, value in node.items():
            _check_finite(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_finite(value, f"{path}[{i}]")
    elif isinstance(node, float) and not math.isfinite(node):
        raise ValueError(f"{path}: {node} is not a finite number")


_check_finite(config)


localrules:
    all,
    data,
