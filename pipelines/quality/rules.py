"""A suite's row-level expectations as SQL predicates, so the rows a rule rejects are counted and
listed by DuckDB where the data lives, and Great Expectations only ever sees a bounded frame
(issue 15: GX over a month of events in pandas was the 14 GiB peak).

Each predicate is true exactly for the rows GX counts as unexpected: like GX, a missing value is
not unexpected for `between` and `in_set`, and a pair where both values are missing is skipped.
The thresholds stay in the suites (`expectations/`); this module only spells them in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.sql import sql_string


class UnsupportedExpectation(Exception):
    """A row-level expectation with no SQL counterpart here: add one before using it in a suite."""


@dataclass(frozen=True)
class RowRule:
    expectation: str
    column: str | None
    unexpected: str        # SQL: true for a row GX would count as unexpected


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (int, float)):
        return repr(value)
    return sql_string(value)


def _between(col: str, kw: dict) -> str:
    inside = []
    if kw.get("min_value") is not None:
        inside.append(f"{col} {'>' if kw.get('strict_min') else '>='} {_literal(kw['min_value'])}")
    if kw.get("max_value") is not None:
        inside.append(f"{col} {'<' if kw.get('strict_max') else '<='} {_literal(kw['max_value'])}")
    return f"{col} is not null and not ({' and '.join(inside) or 'true'})"


def _unexpected(kind: str, kw: dict) -> str:
    if kind == "expect_column_values_to_not_be_null":
        return f"{_q(kw['column'])} is null"
    if kind == "expect_column_values_to_be_between":
        return _between(_q(kw["column"]), kw)
    if kind == "expect_column_values_to_be_in_set":
        values = ", ".join(_literal(v) for v in kw["value_set"])
        return f"{_q(kw['column'])} is not null and {_q(kw['column'])} not in ({values})"
    if kind == "expect_column_pair_values_to_be_equal":
        a, b = _q(kw["column_A"]), _q(kw["column_B"])
        return f"not ({a} is null and {b} is null) and {a} is distinct from {b}"
    raise UnsupportedExpectation(kind)


TABLE_LEVEL = {"expect_table_columns_to_match_set", "expect_table_columns_to_match_ordered_list",
               "expect_table_row_count_to_be_between"}


def row_rules(suite: dict) -> list[RowRule]:
    """The suite's row-level expectations as SQL; table-level ones are left to GX on the frame. A
    rule with `mostly` is refused: its verdict needs every row, which a bounded frame does not have."""
    rules = []
    for e in suite["expectations"]:
        kind, kw = e["type"], e.get("kwargs", {})
        if kind in TABLE_LEVEL:
            continue
        if kw.get("mostly") is not None:
            raise UnsupportedExpectation(f"{kind} with mostly (suite {suite.get('name')}): count the share in SQL "
                                         "and validate it as one row")
        rules.append(RowRule(kind, kw.get("column") or kw.get("column_A"), _unexpected(kind, kw)))
    keys = [(r.expectation, r.column) for r in rules]
    if len(keys) != len(set(keys)):
        raise UnsupportedExpectation(f"suite {suite.get('name')}: two rules of one kind on one column")
    return rules
