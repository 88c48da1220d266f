"""SQL text written by hand: a value (a path, a name) as a SQL string literal, each quote doubled.

For what DuckDB will not take as a parameter: a view's definition, `copy ... to`, `attach`.
"""

from __future__ import annotations


def sql_string(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"
