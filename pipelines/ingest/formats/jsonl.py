"""Canonical JSON lines: lines are cut in Python (exact line numbers), JSON is parsed by DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from ...core.events import CANONICAL_FIELDS, RAW_SCHEMA
from .text import BATCH_ROWS, UNREADABLE, text_lines


def jsonl_batches(path: Path, gz: bool) -> Iterator[pa.Table]:
    """Lines are cut in Python (exact line numbers); JSON is parsed by DuckDB, a batch at a time."""
    con = duckdb.connect()
    paths = ", ".join(f"'$.{f}'" for f in CANONICAL_FIELDS)  # one parse per line, all fields
    fields = ", ".join(f"_v[{i}] as \"{f}\"" for i, f in enumerate(CANONICAL_FIELDS, start=1))
    # Invalid JSON becomes NULL before any JSON function sees it (they raise on bad input).
    query = f"""
        with valid as (
            select _line, _raw, case when json_valid(_raw) then _raw end as _json from lines
        ),
        objects as (
            select *, case when json_type(_json) = 'OBJECT' then _json end as _obj from valid
        )
        select {fields}, _line, _raw,
            case when _json is null then 'not valid JSON'
                 when _obj is null then 'a JSON line must be an object' end as _error
        from (select *, json_extract_string(_obj, [{paths}]) as _v from objects)
    """
    try:
        def flush(nums: list[int], texts: list[str]) -> pa.Table:
            con.register("lines", pa.table({"_line": pa.array(nums, pa.int64()), "_raw": pa.array(texts, pa.string())}))
            out = con.sql(query).to_arrow_table()
            con.unregister("lines")
            return out.cast(RAW_SCHEMA)

        nums: list[int] = []
        texts: list[str] = []
        try:
            for n, line in enumerate(text_lines(path, gz), start=1):
                if not line.strip():
                    continue  # blank lines are not records
                nums.append(n)
                texts.append(line)
                if len(nums) >= BATCH_ROWS:
                    yield flush(nums, texts)
                    nums, texts = [], []
        except UNREADABLE:
            if nums:  # what was read before the damage still lands
                yield flush(nums, texts)
            raise
        if nums:
            yield flush(nums, texts)
    finally:
        con.close()
