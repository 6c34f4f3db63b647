"""Published figures: the paper's reported numbers and MedMNIST v2's, each shown only beside the task they describe."""

from __future__ import annotations

# top-1 / top-5 (%) that Breda & Fucetola report on their class-balanced test resample, for the
# pruned 15-class ChestMNIST task and all training labels
PAPER_REPORTED = {
    ("minivgg", "none", "train"): (13, 47),
    ("minivgg", "normal", "train"): (18, 53),
    ("minivgg", "augmented", "train"): (19, 55),
    ("minivgg", "augmented", "train_aug"): (19, 56),
    ("minivgg", "hard", "train"): (6, 32),
    ("efficientnet_b0", "normal", "train"): (6, 31),
}
# the official MedMNIST task: (flag, size) -> (model, AUC, ACC) on the test split
PUBLISHED = {("chestmnist", 28): [("ResNet-18 (28)", 0.768, 0.947), ("ResNet-50 (28)", 0.769, 0.947)]}
SOURCE = "MedMNIST v2 (Yang et al., Scientific Data 10:41, 2023), Table 3"


def paper_reported(key: tuple, task: dict) -> tuple[int, int] | None:
    """The paper's numbers for an experiment, only where they describe the same task: the official
    ChestMNIST file (not demo or other data), pruned to 15 classes, every training label."""
    if task["flag"] != "chestmnist" or not task["official"] or task["classes"] != 15 or key[3] != 1.0:
        return None
    return PAPER_REPORTED.get(key[:3])
