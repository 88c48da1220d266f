"""Whether two warehouse files hold the same marts: the rule engines are judged by (the Spark
parity test, benchmarks/spark.py). Same column names, order and types; the same rows, exact for
everything but doubles, which may differ by 1e-12 relative (a sum's order of addition)."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

REL_TOL = 1e-12


def same_value(a, b, kind: str) -> bool:
    if a is None or b is None:
        return a is b
    if kind == "DOUBLE":
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or math.isclose(a, b, rel_tol=REL_TOL)
    return a == b


def mart_differences(a: Path, b: Path, names: list[str]) -> tuple[dict[str, int], list[str]]:
    """(rows per mart of `a`, one line per mart that differs: what differs, and the first row that
    does). Rows are matched by sorting on every exact column, then the doubles."""
    rows, out = {}, []
    with duckdb.connect() as con:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        for name in names:
            cols = [(r[0], r[1]) for r in con.execute(f"describe a.marts.{name}").fetchall()]
            theirs = [(r[0], r[1]) for r in con.execute(f"describe b.marts.{name}").fetchall()]
            if cols != theirs:
                out.append(f"{name}: columns {cols} != {theirs}")
                continue
            order = ", ".join([f'"{c}"' for c, t in cols if t != "DOUBLE"] + [f'"{c}"' for c, t in cols if t == "DOUBLE"])
            rows_a = con.execute(f"select * from a.marts.{name} order by {order}").fetchall()
            rows_b = con.execute(f"select * from b.marts.{name} order by {order}").fetchall()
            rows[name] = len(rows_a)
            if len(rows_a) != len(rows_b):
                out.append(f"{name}: {len(rows_a)} rows != {len(rows_b)}")
                continue
            for ra, rb in zip(rows_a, rows_b):
                bad = [c for (c, t), x, y in zip(cols, ra, rb) if not same_value(x, y, t)]
                if bad:
                    out.append(f"{name}: {', '.join(bad)} differ, first in {ra} != {rb}")
                    break
    return rows, out
