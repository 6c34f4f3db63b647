"""An official MedMNIST(+) file, fetched through the medmnist package into ``data/raw/`` (rule ``download``)
and checked against its MD5; any 2D flag at any MedMNIST+ size."""

from __future__ import annotations

from ...errors import InputError
from ..medmnist_format import flag_info, size_suffix

RAW_FOLDER = "data/raw"  # downloads, shared by every dataset of a flag and size (kept by `make clean`)


def flag(entry: dict) -> str:
    return entry["flag"]


def task(entry: dict, raw: str):
    return flag_info(entry["flag"])


def task_type(entry: dict) -> str:
    from ...vocabulary.flags import medmnist_info  # torch-free: read at every parse of the workflow

    return medmnist_info()[entry["flag"]]["task"]


def raw_file(entry: dict) -> str:
    return f"{RAW_FOLDER}/{entry['flag']}{size_suffix(entry['size'])}.npz"


def check(key: str, entry: dict) -> None:
    from ...vocabulary.flags import flags_2d

    if entry["flag"] not in flags_2d():
        raise InputError(f"{key}.flag: {entry['flag']!r} is not a 2D MedMNIST flag; expected one of {flags_2d()}")


def fingerprint(entry: dict) -> str:
    return ""  # the file's content is a param of the rules that read it (digests.content_digest)


def make(entry: dict, out: str) -> None:
    raise InputError(f"source medmnist: {raw_file(entry)} is fetched by the download rule, not made")
