"""YAML as the catalog reads it: safe types only, and bounded. A 650-byte "billion laughs" document
(aliases of aliases) expanded to half a billion values when the catalog was hashed and took 55 s
and 6 GB; a recursive anchor never ended. Both are refused before anything is built."""

from __future__ import annotations

import yaml

MAX_VALUES = 200_000  # values a document may hold once its aliases are expanded


class RefusedYAML(yaml.constructor.ConstructorError):
    pass


def _expanded(node: yaml.Node, memo: dict[int, int], open_: set[int]) -> int:
    """How many values `node` stands for with every alias expanded (counted once per node)."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in open_:
        raise RefusedYAML(None, None, "an alias refers to a node that contains it (a recursive anchor)",
                          node.start_mark)
    open_.add(key)
    if isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_expanded(child, memo, open_) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        n = 1 + sum(_expanded(k, memo, open_) + _expanded(v, memo, open_) for k, v in node.value)
    else:
        n = 1
    open_.discard(key)
    memo[key] = n
    return n


class BoundedLoader(yaml.SafeLoader):
    def construct_document(self, node):
        size = _expanded(node, {}, set())
        if size > MAX_VALUES:
            raise RefusedYAML(None, None, f"expands to {size:,} values through aliases (more than {MAX_VALUES:,}): "
                              f"refused", node.start_mark)
        return super().construct_document(node)


def load_documents(text: str) -> list:
    """Every document of a YAML stream; raises yaml.YAMLError (or RecursionError when nested
    deeper than Python's parser goes)."""
    return list(yaml.load_all(text, Loader=BoundedLoader))
