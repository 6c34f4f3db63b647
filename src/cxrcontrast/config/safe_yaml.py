"""A config layer read as data only: YAML's safe subset, with what it leaves ambiguous or explosive refused.

Beyond ``yaml.safe_load``: a key set twice in one mapping (YAML keeps the last silently), an integer
written with a leading zero (``010``: YAML 1.1 reads octal 8, YAML 1.2 and people read ten) or in base
60 (``1:30`` is 90), and a layer whose aliases would expand to more than ``MAX_NODES`` values. The
expansion is measured on the composed node graph, in which an alias is one shared node, so a bomb
is refused before anything walks its expansion (jsonschema, merging and deep copies all would:
60 aliases in 622 bytes expand to a million values). Counting alias uses would not catch that:
the bomb needs only ten per level.
"""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, SequenceNode

MAX_NODES = 100_000  # values of a layer with its aliases expanded; the paper's config has about 400
MERGE = "tag:yaml.org,2002:merge"
AMBIGUOUS_INT = re.compile(r"[-+]?0[0-9_]+|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+")  # 010, -007; 1:30 (base 60)


class LayerRefused(yaml.MarkedYAMLError):
    """Valid YAML that a config layer may not hold; ``problem`` says why, ``problem_mark`` where."""


class LayerLoader(yaml.SafeLoader):
    def get_single_node(self):
        node = super().get_single_node()
        if node is not None and expanded_size(node, {}, set()) > MAX_NODES:
            raise LayerRefused(
                problem=f"its aliases expand to more than {MAX_NODES:,} values; "
                "write the values out or use fewer nested aliases",
                problem_mark=node.start_mark,
            )
        return node

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            first: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == MERGE:  # `<<: *base` then a key of base: an override, as meant
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    seen = key in first
                except TypeError:  # an unhashable key: SafeLoader's own error follows
                    continue
                if seen:
                    raise LayerRefused(
                        problem=f"duplicate key {key!r} (first on line {first[key] + 1}); a layer sets each key once",
                        problem_mark=key_node.start_mark,
                    )
                first[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        if AMBIGUOUS_INT.fullmatch(text):
            reading = f"base 60 ({super().construct_yaml_int(node)})" if ":" in text else "octal"
            raise LayerRefused(
                problem=f"{text} is ambiguous (YAML 1.1 reads it as {reading}); write it without "
                "leading zeros or colons, or quote it if a string is meant",
                problem_mark=node.start_mark,
            )
        return super().construct_yaml_int(node)


LayerLoader.add_constructor("tag:yaml.org,2002:int", LayerLoader.construct_yaml_int)


def expanded_size(node, sizes: dict, open_: set) -> int:
    """Values under ``node`` with every alias expanded, each shared node counted once per use; a node
    that contains itself (``&a [*a]``) is refused."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise LayerRefused(
            problem="an alias refers to itself (a loop); write the values out", problem_mark=node.start_mark
        )
    open_.add(key)
    size = 1
    if isinstance(node, SequenceNode):
        size += sum(expanded_size(child, sizes, open_) for child in node.value)
    elif isinstance(node, MappingNode):
        size += sum(expanded_size(k, sizes, open_) + expanded_size(v, sizes, open_) for k, v in node.value)
    open_.discard(key)
    sizes[key] = size = min(size, MAX_NODES + 1)  # past the bound the exact count does not matter
    return size


def load_layer(text: str):
    """The layer's data (a ``yaml.YAMLError`` with a mark when it is refused or not YAML)."""
    loader = LayerLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
