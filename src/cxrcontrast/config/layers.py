"""From YAML files or Snakemake's validated config to a ``RunConfig``, every mistake named before any job runs."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from ..errors import InputError
from .checks import check
from .run_config import RunConfig
from .schema import normalize


def read_yaml(path: str | Path) -> dict:
    """One config layer; a syntax error names the file and line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{path}:{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: a config layer must be a mapping of keys, got {type(data).__name__}")
    return data


def resolve(config: dict, schema_path: str | Path) -> RunConfig:
    """``config`` validated against the schema (defaults filled in) -> ``RunConfig``, after the checks
    JSON Schema cannot make (integers, finite numbers, keys that must agree)."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    raw = normalize(copy.deepcopy(dict(config)), schema)
    check(raw)
    return RunConfig(raw)


def load_layers(paths: list[str | Path], schema_path: str | Path, overrides: dict | None = None) -> RunConfig:
    """Config files merged as Snakemake merges ``--configfile`` layers (later wins, nested mappings
    merge), validated with Snakemake's own validator, then resolved."""
    from snakemake.utils import update_config, validate

    config: dict = {}
    for path in paths:
        update_config(config, read_yaml(path))
    if overrides:
        update_config(config, overrides)
    validate(config, str(schema_path), set_default=True)
    return resolve(config, schema_path)
