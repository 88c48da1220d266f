"""Canonical JSON lines: lines are cut and numbered by Arrow (`lines.line_batches`), JSON is parsed
by DuckDB, a block of lines at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from ...core.events import CANONICAL_FIELDS, RAW_SCHEMA
from ...settings import engine_config
from .lines import line_batches

_PATHS = ", ".join(f"'$.{f}'" for f in CANONICAL_FIELDS)  # one parse per line, all fields
_FIELDS = ", ".join(f"_v[{i}] as \"{f}\"" for i, f in enumerate(CANONICAL_FIELDS, start=1))
# Invalid JSON becomes NULL before any JSON function sees it (they raise on bad input).
_PARSE = f"""
    with valid as (
        select _line, _raw, _error as _refused, case when _error is null and json_valid(_raw) then _raw end as _json from lines
    ),
    objects as (
        select *, case when json_type(_json) = 'OBJECT' then _json end as _obj from valid
    )
    select {_FIELDS}, _line, _raw,
        case when _refused is not null then _refused
             when _json is null then 'not valid JSON'
             when _obj is null then 'a JSON line must be an object' end as _error
    from (select *, json_extract_string(_obj, [{_PATHS}]) as _v from objects)
    order by _line
"""


def jsonl_batches(path: Path, gz: bool) -> Iterator[pa.Table]:
    """RAW_SCHEMA batches; a damaged file yields the lines before the damage, then raises."""
    con = duckdb.connect(config=engine_config())
    try:
        for lines in line_batches(path, gz):
            con.register("lines", lines)
            yield con.execute(_PARSE).to_arrow_table().cast(RAW_SCHEMA)
            con.unregister("lines")
    finally:
        con.close()
