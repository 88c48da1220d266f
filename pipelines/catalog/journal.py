"""An append-only JSON Lines log in the home (annotations, SLO reviews): each record gets an id
from its content, lines are only ever appended, under a lock so that two people writing at once
both land, and the log is exported as Parquet for dbt on every run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa

from ..core.storage import exclusive_lock, write_parquet_atomic


def append(path: Path, record: dict, id_field: str) -> dict:
    """Append `record` with its content id as `id_field` first; return it as written."""
    record = {id_field: hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16], **record}
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(path.parent / ".lock"):
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")
    return record


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def export(rows: list[dict], schema: pa.Schema, target: Path) -> int:
    """The rows as Parquet at `target` (an empty table with its columns when there are none)."""
    write_parquet_atomic(pa.Table.from_pylist(rows, schema=schema), target)
    return len(rows)
