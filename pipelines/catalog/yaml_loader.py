"""YAML as the catalog reads it: safe types only, and bounded. A 650-byte "billion laughs" document
(aliases of aliases) expanded to half a billion values when the catalog was hashed and took 55 s
and 6 GB; a recursive anchor never ended. Both are refused before anything is built."""

from __future__ import annotations

import re

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


def load_documents(text: str) -> list[tuple[object, yaml.Node]]:
    """Every document of a YAML stream with its node (where each of its values was written);
    raises yaml.YAMLError (or RecursionError when nested deeper than Python's parser goes)."""
    loader = BoundedLoader(text)
    try:
        out = []
        while loader.check_node():
            node = loader.get_node()
            out.append((loader.construct_document(node), node))
        return out
    finally:
        loader.dispose()


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def position(node: yaml.Node | None, path: str) -> tuple[int, int]:
    """(line, column), from 1, of the value at `path` (`spec.objectives[0].op`) below `node`, or
    of the deepest part of it that exists (a missing field: where its parent is); (0, 0) without
    a node."""
    if node is None:
        return 0, 0
    for name, index in _PART.findall(path):
        if isinstance(node, yaml.MappingNode) and name:
            found = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == name]
        elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            found = [node.value[int(index)]]
        else:
            found = []
        if not found:
            break
        node = found[0]
    return node.start_mark.line + 1, node.start_mark.column + 1
