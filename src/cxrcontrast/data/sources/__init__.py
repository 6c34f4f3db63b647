"""Where a dataset's MedMNIST-format file comes from: one module per source, found by the name that the
config's ``datasets.<name>.source`` holds (the schema's ``$defs/sources`` block lists its keys and defaults).

A source module provides, for a dataset's config entry:

* ``flag(entry)``: its MedMNIST flag (the official task runs for it), or None;
* ``task(entry, raw)``: a ``TaskInfo`` (task type, label names, channels) of the file ``raw``;
* ``task_type(entry)``: its task type as MedMNIST spells it, from the config alone (before any file exists);
* ``raw_file(entry)``: the path of a file that exists before the workflow runs (or that the ``download``
  rule fetches), or None when the ``source`` rule makes it with ``make(entry, out)``;
* ``check(key, entry)``: what the config alone shows wrong (``key``: ``datasets.<name>``), before any job;
* ``fingerprint(entry)``: a cheap text that changes when the data outside the workflow change ("" if none).

Adding a source: a module here with these functions, and its block in the schema (``$defs/sources`` and the
``source`` enum); config/README.md says how.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def source_module(entry: dict) -> ModuleType:
    return importlib.import_module(f"{__name__}.{entry['source']}")


def flag(entry: dict) -> str | None:
    return source_module(entry).flag(entry)


def task(entry: dict, raw: str):
    return source_module(entry).task(entry, raw)


def task_type(entry: dict) -> str:
    return source_module(entry).task_type(entry)


def raw_file(entry: dict) -> str | None:
    return source_module(entry).raw_file(entry)


def check(key: str, entry: dict) -> None:
    source_module(entry).check(key, entry)


def fingerprint(entry: dict) -> str:
    return source_module(entry).fingerprint(entry)


def make(entry: dict, out: str) -> None:
    source_module(entry).make(entry, out)
