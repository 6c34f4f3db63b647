# Input functions: what a job reads, from its wildcards. A file's content is read here only where a rule's
# input is that file (raw_sha256); nothing else under results/ is read while the DAG is built.
from cxrcontrast.data import sources
from cxrcontrast.digests import content_digest


def run_of(w):
    """The grid and slices of the wildcards' dataset."""
    return CONFIG.on(w.dataset)


def raw_npz(w):
    """The MedMNIST-format file a dataset starts from: the user's or a download, else made by rule `source`."""
    entry = run_of(w).data
    made = f"results/{w.dataset}/data/raw/{entry['source']}.npz"
    return sources.raw_file(entry) or made


def raw_sha256(w):
    """The raw file's content as a param of the rules that read it: replaced under its path, even with an
    older time stamp, it reruns them (Snakemake compares times only), and by time all that follows.
    """
    return content_digest(raw_npz(w))


def experiment(w):
    return run_of(w).experiment(w.encoder, w.pretrain, w.trainset, w.labels)


def data_file(w, name):
    return f"results/{w.dataset}/data/{name}"


def pretrain_inputs(w):
    return {
        "train": data_file(w, f"{run_of(w).pretrain_split(w.pretrain)}/train.npz"),
        **weights_input(w),
        "val": data_file(w, f"{run_of(w).pretrain_val_split(w.pretrain)}/val.npz"),
        "classes": data_file(w, "pruned/classes.json"),
    }


def classify_inputs(w):
    inputs = {
        "train": [data_file(w, "pruned/train.npz")],
        "val": data_file(w, "pruned/val.npz"),
        "classes": data_file(w, "pruned/classes.json"),
    }
    if w.trainset == "train_aug" and run_of(w).stored_augmented_copy:
        inputs["train"].append(data_file(w, f"augmented/seed{w.seed}/train.npz"))
    # (train_aug on_access: the stage doubles the pruned set and augments the second half anew)
    return {**inputs, **start_input(w)}


def weights_input(w):
    """A local weights file the encoder starts from is an input: its content is part of what jobs compute."""
    weights = run_of(w).local_weights(w.encoder)
    return {} if weights is None else {"weights": weights}


def start_input(w):
    """What the encoder starts from: its pretraining's checkpoint, or (pretrain none) a local weights file."""
    if w.pretrain == "none":
        return weights_input(w)
    return {"pretrained": f"{DS}/pretrain/{STATE}/encoder.pt".format(**w)}


def pretrain_history(w):
    if w.pretrain == "none":
        return []
    return f"{DS}/pretrain/{STATE}/history.csv".format(**w)


def embed_inputs(w):
    inputs = {s: data_file(w, f"pruned/{s}.npz") for s in ("train", "val")}
    return {**inputs, "classes": data_file(w, "pruned/classes.json"), **start_input(w)}


def probe_inputs(w):
    """The pruned splits (the paper's task); the unpruned ones too where the official task is multi-label (each
    finding probed: official_train, official_val, official_test)."""
    inputs = {**embed_inputs(w), "test": data_file(w, "pruned/test.npz")}
    if run_of(w).multi_label_official:
        inputs.update(
            {f"official_{s}": data_file(w, f"unpruned/{s}.npz") for s in SPLITS}
        )
    return inputs


def official_inputs(w):
    inputs = {s: data_file(w, f"unpruned/{s}.npz") for s in ("train", "val")}
    return {**inputs, **start_input(w)}


def summary_inputs(w):
    d = w.dataset
    return {
        "metrics": experiment_targets(f"{DS}/metrics/{EXPERIMENT}/metrics.json", d),
        "predictions": experiment_targets(
            f"{DS}/metrics/{EXPERIMENT}/predictions.npz", d
        ),
        "qualities": state_targets(f"{DS}/embeddings/{STATE}/quality.json", d),
        "probes": state_targets(f"{DS}/probes/{STATE}/probes.json", d),
        "official": official_targets(f"{DS}/official/{OFFICIAL}/metrics.json", d),
        "classes": f"results/{d}/data/pruned/classes.json",
    }
