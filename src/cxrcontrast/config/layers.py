"""From YAML files or Snakemake's validated config to a ``RunConfig``, every mistake named before any job runs."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from ..errors import InputError
from .checks import check
from .run_config import RunConfig
from .safe_yaml import LayerRefused, load_layer
from .schema import normalize, schema_error

YTE = "__use_yte__"  # Snakemake's --configfile loader evaluates a layer holding it as a Python template (YTE)

# The workflow's own files, relative to its folder, named here only: the Snakefile, its rules and the front
# door (``python -m cxrcontrast``) import them, so the layers checked are the layers the workflow reads.
WORKFLOW_CONFIG = "config/config.yaml"  # the Snakefile's `configfile:`, read before any --configfile
SCHEMA = "workflow/schemas/config.schema.yaml"
PAPER_CODE = "config/paper_code.yaml"  # the authors' code's settings: the fidelity table compares with them


def read_yaml(path: str | Path) -> dict:
    """One config layer, as data only; a mistake names the file and line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: config file not found")
    try:
        data = load_layer(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); a config layer is YAML") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        text = problem if isinstance(exc, LayerRefused) else f"not valid YAML ({problem})"
        raise InputError(f"{path}:{where} {text}") from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be a config layer") from None
    if data is None:  # Snakemake refuses such a --configfile too ("keys at top level"): both refuse it
        raise InputError(f"{path}: empty config layer (no keys); give it a key, or leave it off the command")
    if not isinstance(data, dict):
        raise InputError(f"{path}: a config layer must be a mapping of keys, got {type(data).__name__}")
    if "data" in data:  # the one-dataset block of earlier versions
        raise InputError(
            f"{path}: data: is now one named entry of datasets: (the name is the results/ folder of its "
            "results); write it as\n  datasets:\n    chestmnist: {source: medmnist, flag: chestmnist, size: 28}\n"
            "with the keys of your data: block in the braces (a demo: {source: demo, train: ..., val: ...}); "
            "see config/README.md"
        )
    if YTE in data:
        raise InputError(
            f"{path}: {YTE} asks Snakemake to run this layer's Python expressions (YTE); a config layer "
            "here is data only: remove the key (and any ?-expressions)"
        )
    return data


def layer_files(configfiles: list[str | Path] | None, folder: str | Path = ".") -> list[Path]:
    """The config files in the order Snakemake reads them: the workflow's own (in ``folder``), then each
    ``--configfile``. The one list the front door checks and the Snakefile validates and reports."""
    return [Path(folder) / WORKFLOW_CONFIG, *map(Path, configfiles or [])]


def shown_layers(paths: list[str | Path]) -> list[str]:
    """``paths`` as a person reads them in the report: each once, relative to the working folder if inside it
    (Snakemake gives --configfile layers as absolute paths)."""
    here = Path.cwd()
    full = [Path(p).resolve() for p in paths]
    return list(dict.fromkeys(str(p.relative_to(here)) if p.is_relative_to(here) else str(p) for p in full))


def given_layers(paths: list[str | Path], overrides: dict | None = None) -> list[tuple[str, dict]]:
    """(name, data) of every layer in the order Snakemake applies them: the files read as data only, then
    ``--config`` (``overrides``), which Snakemake applies last. The front door and the Snakefile both take
    the layers from here, so what the check validated is what the workflow runs."""
    layers = [(str(path), read_yaml(path)) for path in paths]
    if overrides:
        layers.append(("--config", dict(overrides)))
    return layers


def replace_datasets(config: dict, layers: list[dict]) -> None:
    """``datasets`` as the last layer holding it says: a later layer's map replaces an earlier one whole (as
    a list does), where Snakemake would merge them and keep the earlier layer's datasets in the run."""
    given = [layer["datasets"] for layer in layers if isinstance(layer.get("datasets"), dict)]
    if given:
        config["datasets"] = copy.deepcopy(given[-1])


def resolve(config: dict, schema_path: str | Path) -> RunConfig:
    """``config`` validated against the schema (defaults filled in) -> ``RunConfig``, after the checks
    JSON Schema cannot make (integers, finite numbers, keys that must agree)."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    raw = normalize(copy.deepcopy(dict(config)), schema)
    check(raw)
    return RunConfig(raw)


def load_layers(paths: list[str | Path], schema_path: str | Path, overrides: dict | None = None) -> RunConfig:
    """Config files merged as Snakemake merges ``--configfile`` layers (later wins, nested mappings
    merge), validated with Snakemake's own validator, then resolved. A schema error names the layer
    that set the key (``--config`` for ``overrides``)."""
    from snakemake.utils import update_config

    layers = given_layers(paths, overrides)
    config: dict = {}
    for _, layer in layers:
        update_config(config, copy.deepcopy(layer))
    replace_datasets(config, [layer for _, layer in layers])
    validate_layers(config, schema_path, layers)
    return resolve(config, schema_path)


def validate_layers(config: dict, schema_path: str | Path, layers: list[tuple[str, dict]]) -> None:
    """Snakemake's own validation (defaults filled in); an error in one line naming the layer that set the key,
    the key and, for a key that does not belong there, the keys that do."""
    from jsonschema import ValidationError
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    try:
        validate(config, str(schema_path), set_default=True)
    except WorkflowError as exc:
        if not isinstance(exc.__context__, ValidationError):  # Snakemake raises it while handling jsonschema's
            raise
        root = yaml.safe_load(Path(schema_path).read_text())
        raise InputError(schema_error(exc.__context__, layers, root)) from None
