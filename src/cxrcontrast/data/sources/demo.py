"""Synthetic chest-like data (``data.synthetic``): ChestMNIST-format, with ``findings`` of its 14 findings, any
size, seed and split sizes. With all 14 it is ChestMNIST-format and the official ChestMNIST task runs on it."""

from __future__ import annotations

import logging

from ...vocabulary.tasks import MULTI_LABEL
from ..medmnist_format import TaskInfo, flag_info

log = logging.getLogger(__name__)
CHESTMNIST = "chestmnist"


def flag(entry: dict) -> str | None:
    return CHESTMNIST if entry["findings"] == 14 else None


def task(entry: dict, raw: str) -> TaskInfo:
    names = flag_info(CHESTMNIST).label_names[: entry["findings"]]
    return TaskInfo(flag(entry), MULTI_LABEL, names, 1)


def task_type(entry: dict) -> str:
    return MULTI_LABEL  # any number of findings per image, whatever ``findings`` is


def raw_file(entry: dict) -> None:
    return None


def check(key: str, entry: dict) -> None:
    return None  # the schema's ranges are all there is


def fingerprint(entry: dict) -> str:
    return ""


def make(entry: dict, out: str) -> None:
    from ...files import provenance, save_npz
    from ..synthetic import synthesize

    sizes = {k: entry[k] for k in ("train", "val", "test")}
    size, seed, findings = entry["size"], entry["seed"], entry["findings"]
    arrays = synthesize(sizes["train"], sizes["val"], sizes["test"], size=size, seed=seed, findings=findings)
    made_by = provenance(sizes=sizes, image_size=size, seed=seed, findings=findings)
    save_npz(out, provenance=made_by, **arrays)
    log.info("wrote demo dataset %s: %s", out, {k: v.shape for k, v in arrays.items()})
