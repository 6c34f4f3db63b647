"""The config against its JSON schema, beyond what JSON Schema checks: integers that are
really integers, numbers that are finite, and one type per key (so 1 and 1.0 are one value).

JSON Schema calls 2.0 an integer, and every range comparison with NaN is false; both would
otherwise reach a job and fail there, hours later, with a traceback.
"""

from __future__ import annotations

import math

from ..errors import InputError
from ..slices import MISSING, value_at


def _resolve(schema: dict, root: dict) -> dict:
    """A subschema with its ``$ref`` (to ``#/$defs/...``) merged in; local keywords win."""
    while "$ref" in schema:
        ref = schema["$ref"]
        target = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _chosen_properties(schema: dict, value: dict, root: dict) -> dict:
    """The properties of the ``then`` blocks of ``allOf: [{if: {properties: {k: {const: v}}}, then: ...}]``
    whose ``if`` holds for ``value`` (a dataset's source block)."""
    props = {}
    for branch in schema.get("allOf", []):
        condition = branch.get("if", {}).get("properties", {})
        if condition and all(value.get(k) == c.get("const") for k, c in condition.items()):
            props.update(_resolve(branch.get("then", {}), root).get("properties", {}))
    return props


def normalize(value, schema: dict, root: dict | None = None, path: str = "config"):
    """A copy of ``value`` with numbers of type ``number`` as floats; a float where the schema
    wants an integer, or a non-finite number, is an error naming the full key."""
    root = root if root is not None else schema
    schema = _resolve(schema, root)
    types = schema.get("type", ())
    types = {types} if isinstance(types, str) else set(types)
    if isinstance(value, dict):
        props = {**schema.get("properties", {}), **_chosen_properties(schema, value, root)}
        extra = schema.get("additionalProperties")
        extra = extra if isinstance(extra, dict) else {}
        return {k: normalize(v, props.get(k, extra), root, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        items = schema.get("items", {})
        return [normalize(v, items, root, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{path}: {value} is not a finite number")
        if "integer" in types and "number" not in types:
            shown = int(value) if value.is_integer() else value
            raise InputError(f"{path}: {value!r} is not an integer; expected a whole number such as {shown}")
    if isinstance(value, int) and not isinstance(value, bool) and "number" in types:
        return float(value)
    return value


def key_path(parts) -> str:
    """``augment.rotation_deg``, ``experiments[0].labels``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".") or "(top level)"


def schema_error(error, layers: list[tuple[str, dict]], root: dict | None = None) -> str:
    """One line for a jsonschema ``ValidationError``: the layer that set the key (the last one holding
    it), the key path, what is wrong and, for an unknown key, the keys allowed there (never the
    schema or the whole instance, which Snakemake's own message prints)."""
    parts = list(error.absolute_path)
    message, allowed = error.message, ""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        unknown = [k for k in error.instance if k not in known]
        parts += unknown[:1]
        allowed = f"; allowed keys: {', '.join(known) or 'none'}"
    elif error.validator == "unevaluatedProperties" and isinstance(error.instance, dict):  # a dataset's source keys
        known = {**error.schema.get("properties", {}), **_chosen_properties(error.schema, error.instance, root or {})}
        unknown = [k for k in error.instance if k not in known]
        parts += unknown[:1]
        source = error.instance.get("source")
        message = f"not a key of source {source}; its keys: {', '.join(known)}"
    elif len(message) > 200:  # "{...the whole block...} is not of type 'array'"
        message = f"{message[:120]} ... {message[-60:]}"
    source = next(
        (name for name, layer in reversed(layers) if value_at(layer, parts) is not MISSING), "the merged config"
    )
    return f"{source}: {key_path(parts)}: {message}{allowed}".replace("\n", " ")
