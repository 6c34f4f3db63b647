"""Published figures: the paper's reported numbers, and the field's published rows of the official MedMNIST tasks,
each shown only beside a run of the same task (evaluation/like_for_like.py says when).

A published row of the official task is one dict, in one format for every source::

    dict(source=..., flag=..., encoder=..., size=..., protocol=..., recipe=..., auc=..., acc=...)

- ``source``: the citation a reader can check (paper, table or page, commit);
- ``flag``: the 2D MedMNIST flag whose official test split was scored;
- ``encoder``: our encoder name of the published model (``resnet18``, ``resnet50``, ``densenet121``, ...);
- ``size``: the side in pixels of the images the model took (our dataset's ``image_size``);
- ``data_size`` (optional, default ``size``): the side of the official MedMNIST(+) file the images came from
  (MedMNIST v2's 224 px rows: the 28 px file, resized);
- ``protocol``: ``end_to_end`` (the whole model trained on the task), ``linear`` (a linear layer on frozen
  features) or ``knn``;
- ``recipe``: the layer file ``config/<recipe>.yaml`` whose settings the published run used (``medmnist_v2``);
- ``auc``, ``acc``: the published test AUC and ACC (medmnist's Evaluator), None where not published.

``ROWS`` holds MedMNIST v2's rows and, where the module ``published_medmnist_plus`` is present, its ``ROWS``
(MedMNIST+, the same format).
"""

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
# The official MedMNIST task, flag -> (AUC, ACC) on the test split of each of MODELS: MedMNIST v2's ResNet
# baselines. Transcribed from the benchmark tables of medmnist.com, the page that cites the Scientific Data paper
# (repository MedMNIST/medmnist.github.io, index.html at commit 83f35a9df2c72f6e95a740c50010423de8326067,
# "Benchmarking Performance on MedMNIST2D"); the AutoML rows are left out. The page gives no table number.
V2_SOURCE = "MedMNIST v2 (Yang et al., Scientific Data 10:41, 2023), 2D benchmark"
# (encoder, input side, side of the file the images came from): v2's 224 px rows resized the 28 px images
MODELS = (("resnet18", 28, 28), ("resnet18", 224, 28), ("resnet50", 28, 28), ("resnet50", 224, 28))
RESULTS = {
    "pathmnist": ((0.983, 0.907), (0.989, 0.909), (0.990, 0.911), (0.989, 0.892)),
    "chestmnist": ((0.768, 0.947), (0.773, 0.947), (0.769, 0.947), (0.773, 0.948)),
    "dermamnist": ((0.917, 0.735), (0.920, 0.754), (0.913, 0.735), (0.912, 0.731)),
    "octmnist": ((0.943, 0.743), (0.958, 0.763), (0.952, 0.762), (0.958, 0.776)),
    "pneumoniamnist": ((0.944, 0.854), (0.956, 0.864), (0.948, 0.854), (0.962, 0.884)),
    "retinamnist": ((0.717, 0.524), (0.710, 0.493), (0.726, 0.528), (0.716, 0.511)),
    "breastmnist": ((0.901, 0.863), (0.891, 0.833), (0.857, 0.812), (0.866, 0.842)),
    "bloodmnist": ((0.998, 0.958), (0.998, 0.963), (0.997, 0.956), (0.997, 0.950)),
    "tissuemnist": ((0.930, 0.676), (0.933, 0.681), (0.931, 0.680), (0.932, 0.680)),
    "organamnist": ((0.997, 0.935), (0.998, 0.951), (0.997, 0.935), (0.998, 0.947)),
    "organcmnist": ((0.992, 0.900), (0.994, 0.920), (0.992, 0.905), (0.993, 0.911)),
    "organsmnist": ((0.972, 0.782), (0.974, 0.778), (0.972, 0.770), (0.975, 0.785)),
}
V2_ROWS = [
    dict(
        source=V2_SOURCE,
        flag=flag,
        encoder=encoder,
        size=size,
        data_size=data_size,
        protocol="end_to_end",
        recipe="medmnist_v2",
        auc=auc,
        acc=acc,
    )
    for flag, scores in RESULTS.items()
    for (encoder, size, data_size), (auc, acc) in zip(MODELS, scores)
]


def _medmnist_plus_rows() -> list[dict]:
    """MedMNIST+'s rows where its module is present (another change adds it), else none."""
    try:
        from .published_medmnist_plus import ROWS
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.published_medmnist_plus":
            raise  # the module is there but something it imports is not: a real error
        return []
    return list(ROWS)


ROWS = V2_ROWS + _medmnist_plus_rows()


def paper_reported(key: tuple, task: dict) -> tuple[int, int] | None:
    """The paper's numbers for an experiment, only where they describe the same task: the official
    ChestMNIST file (not demo or other data), pruned to 15 classes, every training label."""
    if task["flag"] != "chestmnist" or not task["official"] or task["classes"] != 15 or key[3] != 1.0:
        return None
    return PAPER_REPORTED.get(key[:3])
