"""Config slices as jobs record them: one canonical form, the value at a key path, and where two slices differ."""

from __future__ import annotations

import json

MISSING = object()


def canonical(value):
    """Keys sorted at every level, tuples as lists: the one form Snakemake's params trigger compares."""
    return json.loads(json.dumps(value, sort_keys=True))


def value_at(tree, keys, default=MISSING):
    """The value under ``keys`` (mapping keys, list indexes as ints), or ``default``."""
    for key in keys:
        in_list = isinstance(tree, list) and isinstance(key, int) and key < len(tree)
        if not (in_list or isinstance(tree, dict) and key in tree):
            return default
        tree = tree[key]
    return tree


def dotted_differences(recorded, expected, prefix: str = "") -> list[str]:
    """Dotted paths of every value that differs between two nested dicts (a key in one only counts);
    anything that is not a dict on both sides is compared whole."""
    if isinstance(recorded, dict) and isinstance(expected, dict):
        keys = sorted(set(recorded) | set(expected))
        return [
            path
            for k in keys
            for path in dotted_differences(
                recorded.get(k, MISSING), expected.get(k, MISSING), f"{prefix}.{k}" if prefix else str(k)
            )
        ]
    return [] if recorded == expected else [prefix or "(the whole slice)"]
