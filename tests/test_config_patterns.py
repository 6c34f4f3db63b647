"""Every pattern that admits a name into a path matches the whole name (issue 32, item 11): Snakemake
validates the config with jsonschema, which searches a ``pattern`` with Python's ``re``, where ``$`` also
matches before a final newline; a dataset named ``"chest\\n"`` passed and the dry run planned
``results/chest\\n/...``."""

import re

import pytest
import yaml
from conftest import SCHEMA, run_config
from jsonschema import Draft202012Validator

from cxrcontrast.errors import InputError

# one valid value per pattern of the schema, by where the pattern stands (a new pattern must be added here)
EXAMPLES = {
    "$defs.flag": "chestmnist",
    "properties.datasets.propertyNames": "chest",
}


def schema_patterns(node, where=""):
    """(where, pattern) of every ``pattern`` keyword in the schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            else:
                yield from schema_patterns(value, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from schema_patterns(value, f"{where}[{i}]")


def test_every_schema_pattern_refuses_a_trailing_newline():
    found = dict(schema_patterns(yaml.safe_load(SCHEMA.read_text())))
    assert set(found) == set(EXAMPLES), "give each pattern of the schema a valid example here"
    for where, pattern in found.items():
        valid = Draft202012Validator({"type": "string", "pattern": pattern})  # the validator Snakemake runs
        assert valid.is_valid(EXAMPLES[where]), where
        assert not valid.is_valid(EXAMPLES[where] + "\n"), f"{where}: {pattern!r} takes a trailing newline"


@pytest.mark.parametrize(
    "layer",
    [
        {"datasets": {"chest\n": {"source": "demo"}}},
        {"datasets": {"chestmnist": {"source": "medmnist", "flag": "chestmnist\n"}}},
    ],
    ids=["dataset name", "flag"],
)
def test_a_name_ending_in_a_newline_is_refused_by_the_schema(layer):
    """Refused by the pattern, one line naming the value, as the workflow resolves the config at parse time."""
    with pytest.raises(InputError) as err:
        run_config("config.yaml", **layer)
    message = str(err.value)
    assert "\\n' does not match" in message and "\n" not in message.strip(), message


def test_wildcard_constraints_take_whole_ascii_names_only():
    """The constraints are alternations of names the schema checked, and ASCII digits for the seed: Python's
    ``\\d`` takes any Unicode digit, and ``int('٣')`` is 3, so ``seed٣`` would have named seed 3's job."""
    patterns = run_config().wildcard_patterns()
    assert re.fullmatch(patterns["seed"], "12") and not re.fullmatch(patterns["seed"], "\u0663")
    for name in run_config().datasets:
        assert re.fullmatch(patterns["dataset"], name) and not re.fullmatch(patterns["dataset"], name + "\n")
