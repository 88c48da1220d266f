"""Warehouse filter expressions: parsed into a typed tree, then compiled to SQL.

A filter (`status_code < 500 and not is_probe`) comes from a catalog file that anyone can edit,
so it is never pasted into SQL: it is tokenised, parsed by a small recursive-descent parser,
type-checked against the canonical event fields, and the SQL is generated from the tree with
quoted literals. Anything else (a semicolon, a comment, a function call, an unknown field) is a
`FilterError` that names the position.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Union

from ..core.events import FIELDS as EVENT_FIELDS
from ..core.sql import sql_string

# Canonical event fields a filter may name -> (type, SQL column in the staged events model).
FIELDS: dict[str, tuple[str, str]] = {f.name: (f.kind, f.column) for f in EVENT_FIELDS}


def numeric_fields() -> list[str]:
    """The fields a threshold indicator may compare (latency_ms, ...)."""
    return [name for name, (kind, _) in FIELDS.items() if kind == "number"]

KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false"}
COMPARATORS = {"=": "=", "==": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class FilterError(ValueError):
    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # ident, keyword, number, string, op, lparen, rparen, comma, end
    text: str
    value: object
    pos: int


_TOKEN_RE = re.compile(
    r"""(?P<ws>\s+)
      | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<string>'(?:[^']|'')*')
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op><=|>=|==|!=|<>|<|>|=)
      | (?P<lparen>\()
      | (?P<rparen>\))
      | (?P<comma>,)
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            if text.startswith("'", pos):
                raise FilterError("unterminated string literal", pos)
            raise FilterError(f"unexpected character {text[pos]!r}", pos)
        kind = m.lastgroup
        raw = m.group()
        if kind == "number":
            tokens.append(Token("number", raw, float(raw) if any(c in raw for c in ".eE") else int(raw), pos))
        elif kind == "string":
            tokens.append(Token("string", raw, raw[1:-1].replace("''", "'"), pos))
        elif kind == "ident":
            low = raw.lower()
            tokens.append(Token("keyword" if low in KEYWORDS else "ident", raw, low if low in KEYWORDS else raw, pos))
        elif kind != "ws":
            tokens.append(Token(kind, raw, raw, pos))
        pos = m.end()
    tokens.append(Token("end", "", None, len(text)))
    return tokens


# --- the typed tree ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    name: str
    type: str


@dataclass(frozen=True)
class Literal:
    value: object  # str | int | float | bool
    type: str


@dataclass(frozen=True)
class Compare:
    op: str
    left: Field
    right: Literal


@dataclass(frozen=True)
class InList:
    field: Field
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class IsNull:
    field: Field
    negated: bool


@dataclass(frozen=True)
class BoolField:
    field: Field


@dataclass(frozen=True)
class Not:
    operand: "Node"


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    operands: tuple["Node", ...]


@dataclass(frozen=True)
class Const:
    value: bool


Node = Union[Compare, InList, IsNull, BoolField, Not, BoolOp, Const]


MAX_LITERAL = 1e18  # numbers SQL holds as they are (1e999 is infinity)
MAX_NESTING = 64  # parentheses and `not`s a filter may nest (a 5,000-deep one overflowed Python's stack)


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def nested(self, t: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise FilterError(f"nested more than {MAX_NESTING} deep", t.pos)

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def accept_kw(self, word: str) -> bool:
        if self.tok.kind == "keyword" and self.tok.value == word:
            self.i += 1
            return True
        return False

    def expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            raise FilterError(f"expected {what}, found {self._describe(self.tok)}", self.tok.pos)
        return self.take()

    @staticmethod
    def _describe(t: Token) -> str:
        return "end of expression" if t.kind == "end" else repr(t.text)

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise FilterError("empty expression", 0)
        node = self.parse_or()
        if self.tok.kind != "end":
            raise FilterError(f"unexpected {self._describe(self.tok)}", self.tok.pos)
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while self.accept_kw("or"):
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts))

    def parse_and(self) -> Node:
        parts = [self.parse_not()]
        while self.accept_kw("and"):
            parts.append(self.parse_not())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def parse_not(self) -> Node:
        t = self.tok
        if self.accept_kw("not"):
            self.nested(t)
            node = Not(self.parse_not())
            self.depth -= 1
            return node
        return self.parse_atom()

    def parse_atom(self) -> Node:
        t = self.tok
        if t.kind == "lparen":
            self.take()
            self.nested(t)
            node = self.parse_or()
            self.expect("rparen", "')'")
            self.depth -= 1
            return node
        if t.kind == "keyword" and t.value in ("true", "false"):
            self.take()
            return Const(t.value == "true")
        if t.kind != "ident":
            raise FilterError(f"expected a field name, found {self._describe(t)}", t.pos)
        if self.tokens[self.i + 1].kind == "lparen":
            raise FilterError(f"function calls are not allowed ({t.text}(...))", t.pos)
        field = self.field(self.take())
        if self.tok.kind == "op":
            op_tok = self.take()
            lit = self.literal()
            self.check_types(field, lit, op_tok)
            return Compare(COMPARATORS[op_tok.text], field, lit)
        if self.tok.kind == "keyword" and self.tok.value in ("in", "not"):
            negated = self.accept_kw("not")
            if not self.accept_kw("in"):
                raise FilterError(f"expected 'in' after 'not', found {self._describe(self.tok)}", self.tok.pos)
            self.expect("lparen", "'(' to start a list")
            values = [self.literal()]
            while self.tok.kind == "comma":
                self.take()
                values.append(self.literal())
            self.expect("rparen", "')' to close the list")
            for lit in values:
                self.check_types(field, lit, t)
            return InList(field, tuple(values), negated)
        if self.accept_kw("is"):
            negated = self.accept_kw("not")
            if not self.accept_kw("null"):
                raise FilterError(f"expected 'null', found {self._describe(self.tok)}", self.tok.pos)
            return IsNull(field, negated)
        if field.type != "bool":
            raise FilterError(f"field '{field.name}' is {field.type}, not a condition; compare it to a value", t.pos)
        return BoolField(field)

    def field(self, t: Token) -> Field:
        if t.value not in FIELDS:
            known = ", ".join(sorted(FIELDS))
            raise FilterError(f"unknown field '{t.text}' (known: {known})", t.pos)
        return Field(t.value, FIELDS[t.value][0])

    def literal(self) -> Literal:
        t = self.tok
        if t.kind == "number":
            if not _in_range(t.value):
                raise FilterError(f"number {t.text} is out of range", t.pos)
            self.take()
            return Literal(t.value, "number")
        if t.kind == "string":
            if "\x00" in t.value:
                raise FilterError("a string may not hold a NUL character", t.pos)
            self.take()
            return Literal(t.value, "string")
        if t.kind == "keyword" and t.value in ("true", "false"):
            self.take()
            return Literal(t.value == "true", "bool")
        if t.kind == "ident":
            raise FilterError(f"expected a value, found field '{t.text}' (fields compare to literals only)", t.pos)
        raise FilterError(f"expected a value, found {self._describe(t)}", t.pos)

    @staticmethod
    def check_types(field: Field, lit: Literal, at: Token) -> None:
        ok = {
            "number": lit.type == "number",
            "string": lit.type == "string",
            "bool": lit.type == "bool",
            "timestamp": lit.type == "string" and _is_timestamp(lit.value),
        }[field.type]
        if not ok:
            want = "an RFC 3339 time string" if field.type == "timestamp" else f"a {field.type}"
            raise FilterError(f"field '{field.name}' needs {want}, got {lit.type} {lit.value!r}", at.pos)


_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$")


def _in_range(value: float | int) -> bool:
    """A number SQL holds as it is: finite and under 1e18 in size (1e999 is infinity)."""
    try:
        return math.isfinite(value) and abs(value) < MAX_LITERAL
    except OverflowError:  # an integer beyond any float
        return False


def _is_timestamp(value: object) -> bool:
    """An RFC 3339 time (or date) that exists: 2026-13-45 has the shape, not the day."""
    if not (isinstance(value, str) and _TS_RE.match(value)):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return False
    return True


def parse(text: str) -> Node:
    if not isinstance(text, str):
        raise FilterError("a filter must be a string", 0)
    return _Parser(text).parse()


# --- SQL generation ---------------------------------------------------------------------------
def _sql_literal(lit: Literal, field: Field) -> str:
    if lit.type == "bool":
        return "true" if lit.value else "false"
    if lit.type == "number":
        return repr(lit.value)
    quoted = sql_string(lit.value)
    if field.type == "timestamp":
        # Stored as UTC; an offset is applied here so the comparison is in UTC too.
        return f"cast({quoted} as timestamp)"
    return quoted


def to_sql(node: Node) -> str:
    if isinstance(node, Const):
        return "true" if node.value else "false"
    if isinstance(node, BoolField):
        return f"coalesce({FIELDS[node.field.name][1]}, false)"
    if isinstance(node, Compare):
        return f"{FIELDS[node.left.name][1]} {node.op} {_sql_literal(node.right, node.left)}"
    if isinstance(node, InList):
        values = ", ".join(_sql_literal(v, node.field) for v in node.values)
        return f"{FIELDS[node.field.name][1]} {'not in' if node.negated else 'in'} ({values})"
    if isinstance(node, IsNull):
        return f"{FIELDS[node.field.name][1]} is {'not ' if node.negated else ''}null"
    if isinstance(node, Not):
        return f"not ({to_sql(node.operand)})"
    if isinstance(node, BoolOp):
        return "(" + f" {node.op} ".join(f"({to_sql(p)})" for p in node.operands) + ")"
    raise TypeError(node)


def compile_filter(text: str) -> str:
    """Filter text -> SQL boolean expression over the staged events columns."""
    return to_sql(parse(text))
