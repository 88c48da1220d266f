"""What changed in a mart since the last release, day by day, so a release rewrites only that.

A mart with a period column is fingerprinted per day of that column: its row count and the sum of
DuckDB's row hashes. A day whose fingerprint is the one the previous release recorded holds the
same rows, and the release keeps them (its DuckDB table rows and its Parquet file) instead of
copying and sorting the mart again: one new day on a long history costs one day, not the
history (the 10 M-row burn-rate mart of a 90-day home took 32 s to republish; issue 15).
A mart whose columns changed, or that has no period column, is published whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

FINGERPRINTS = "fingerprints.json"  # in each release: what it holds, per mart and day
UNDATED = "undated"  # the day key of rows whose period column is null


@dataclass
class Fingerprint:
    columns: str                                           # names and types, in order
    days: dict[str, list] = field(default_factory=dict)    # day -> [rows, sum of row hashes]

    def changed_days(self, before: "Fingerprint | None") -> set[str] | None:
        """The days to (re)write against the release before; None when all of it (no usable
        earlier fingerprint)."""
        if before is None or before.columns != self.columns:
            return None
        return {d for d, v in self.days.items() if before.days.get(d) != v}


def day_key(period_column: str) -> str:
    return f"coalesce(cast(cast({period_column} as date) as varchar), '{UNDATED}')"


def fingerprint(con: duckdb.DuckDBPyConnection, table: str, period_column: str | None) -> Fingerprint:
    described = con.execute(f"describe {table}").fetchall()
    columns = ";".join(f"{name} {kind}" for name, kind, *_ in described)
    if not period_column:
        return Fingerprint(columns)
    rows = con.execute(f"select {day_key(period_column)} as day, count(*), cast(sum(cast(hash(t) as hugeint)) as varchar) "
                       f"from {table} as t group by day").fetchall()
    return Fingerprint(columns, {day: [n, h] for day, n, h in rows})


def read_fingerprints(release: Path | None) -> dict[str, Fingerprint]:
    path = release / FINGERPRINTS if release else None
    if not path or not path.exists():
        return {}
    try:
        return {m: Fingerprint(f["columns"], f["days"]) for m, f in json.loads(path.read_text()).items()}
    except (ValueError, KeyError, TypeError):
        return {}  # unreadable: everything is published whole


def write_fingerprints(release: Path, prints: dict[str, Fingerprint]) -> None:
    (release / FINGERPRINTS).write_text(json.dumps(
        {m: {"columns": f.columns, "days": f.days} for m, f in sorted(prints.items())}, sort_keys=True))
