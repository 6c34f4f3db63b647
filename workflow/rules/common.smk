# Input functions, wildcard constraints and target lists shared by the stages.
# Config reaches scripts only through `params:`, one slice per rule, so editing a
# key reruns exactly the jobs whose slice changed.


wildcard_constraints:
    split="train|val|test",


SPLITS = ["train", "val", "test"]
DATA = config["data"]
AUGMENT = config["augment"]


def raw_npz():
    """The MedMNIST-format file the workflow starts from, by `data.source`."""
    if DATA["source"] == "npz":
        if not DATA.get("npz"):
            raise ValueError("config: data.source is 'npz' but data.npz (path to the file) is not set")
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


def all_targets():
    return data_targets()
