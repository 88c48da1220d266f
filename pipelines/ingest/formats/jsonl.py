"""Canonical JSON lines, read two ways with one result.

Exactly, whatever the file holds: lines are cut and numbered by Arrow (`lines.line_batches`), JSON
is parsed by DuckDB a block of lines at a time, and a line that is no JSON object is quarantined
with its number. Whole, when every line is one JSON object as it stands (`engine_read`): DuckDB's
own multi-threaded reader reads the file, about four times faster (issue 15).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from ...core.events import CANONICAL_FIELDS, RAW_SCHEMA
from ...settings import engine_config, max_record_bytes
from .lines import line_batches, plain_line_count
from .text import engine_path

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


# DuckDB's reader gives each canonical field as its JSON value; json_extract_string(value, '$')
# makes of it the text that json_extract_string(line, '$.field') makes in _PARSE (numbers as
# yyjson writes them, strings unescaped, objects and arrays as JSON).
_COLUMNS = "{" + ", ".join(f"'{f}': 'JSON'" for f in CANONICAL_FIELDS) + "}"
_TEXT = ", ".join(f"json_extract_string(\"{f}\", '$') as \"{f}\"" for f in CANONICAL_FIELDS)
def engine_read(path: Path, gz: bool) -> tuple[str, int] | None:
    """(a select of the file's records in line order, the number of lines) for DuckDB's own
    reader, when it reads what `jsonl_batches` would: every line one JSON object on its own
    (`plain_line_count`) and a path DuckDB takes as it is. None otherwise. The select fails
    (duckdb.Error) when a line is no JSON after all or repeats a canonical key: only the exact
    reader can then say which line."""
    name = engine_path(path)
    if name is None:
        return None
    lines = plain_line_count(path, gz, b"{", b"}")
    if lines is None:
        return None
    # lines are at most the record limit already; never below DuckDB's own default of 16 MiB
    object_bytes = max(max_record_bytes() + 1, 16 * 2**20)
    sql = f"""select {_TEXT} from read_json({name}, format = 'newline_delimited', records = true,
                  compression = '{"gzip" if gz else "uncompressed"}', columns = {_COLUMNS},
                  maximum_object_size = {object_bytes})"""
    return sql, lines
