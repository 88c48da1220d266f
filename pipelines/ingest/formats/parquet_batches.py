"""Canonical Parquet: columns named as the canonical fields; a record's line is its row number.

Read two ways with one result. Exactly, by Arrow, whatever the file holds: a value that cannot be
a canonical field (bytes that are not UTF-8, a value over the record limit, a column of lists or
structs) quarantines its row, never the rest of the file. By DuckDB's own reader (`engine_read`),
when every canonical column is of a type it reads as the same values: 2.2 times faster (issue 15).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ...core.events import CANONICAL_FIELDS, FIELDS, RAW_SCHEMA
from ...settings import max_record_bytes
from .records import HEAD_CHARS, too_long
from .text import BATCH_ROWS, UNREADABLE, engine_path


def _valid_utf8(col: pa.Array) -> pa.Array | None:
    """A mask of the values that are valid UTF-8, or None when all are (Parquet readers do not check)."""
    try:
        col.validate(full=True)
        return None
    except pa.ArrowInvalid:
        values = col.cast(pa.binary()).to_pylist()

    def ok(v: bytes | None) -> bool:
        try:
            v is None or v.decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False
    return pa.array([ok(v) for v in values], pa.bool_())


def _text(name: str, col: pa.Array, limit: int) -> tuple[pa.Array, pa.Array]:
    """(the column as text, the reason each row is refused or null)."""
    n = len(col)
    if pa.types.is_timestamp(col.type):
        return _timestamps(name, col)
    try:
        text = col.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
            text = pa.Array.from_buffers(pa.string(), n, col.cast(pa.binary()).buffers())
        else:
            return pa.nulls(n, pa.string()), pa.array([f"{name}: a {col.type} column is no canonical field"] * n)
    errors = pa.nulls(n, pa.string())
    valid = _valid_utf8(text)
    if valid is not None:
        errors = pc.if_else(valid, errors, f"{name}: not valid UTF-8")
        text = pa.array([v.decode("utf-8", "replace") if v is not None else None
                         for v in text.cast(pa.binary()).to_pylist()], pa.string())
    lengths = pc.binary_length(text)
    if n and (pc.max(lengths).as_py() or 0) > limit:
        long = pc.greater(lengths, limit)
        errors = pc.if_else(pc.and_(long, pc.is_null(errors)), f"{name}: {too_long(limit)}", errors)
        text = pc.if_else(long, pc.utf8_slice_codeunits(text, 0, HEAD_CHARS), text)
    return text, errors


_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_YEARS = (-62135596800, 253402300799)  # 0001-01-01 .. 9999-12-31T23:59:59, in seconds since 1970


def _timestamps(name: str, col: pa.Array) -> tuple[pa.Array, pa.Array]:
    """A timestamp column as RFC 3339 text (naive ones taken as UTC, like naive RFC 3339 strings);
    a value outside years 1 to 9999 is refused on its own row, not by failing the file's cast."""
    per_second = _PER_SECOND[col.type.unit]
    ints = col.cast(pa.int64())
    low, high = (max(-(2**63), _YEARS[0] * per_second), min(2**63 - 1, _YEARS[1] * per_second))
    ok = pc.and_(pc.greater_equal(ints, low), pc.less_equal(ints, high))
    ok = pc.or_(ok, pc.is_null(ints))
    safe = pc.if_else(ok, ints, 0).cast(pa.timestamp(col.type.unit, tz=col.type.tz or "UTC"))
    # to microseconds, the lake's unit: nanoseconds are cut, not refused
    micros = safe.cast(pa.timestamp("us", tz=col.type.tz or "UTC"), safe=False)
    text = pc.if_else(ok, micros.cast(pa.string()), None)
    unit = f"{col.type.unit} since 1970"
    errors = pc.if_else(ok, pa.nulls(len(col), pa.string()),
                        pc.binary_join_element_wise(f"{name}: ", ints.cast(pa.string()), f" {unit} is outside any year", ""))
    return text, errors


def parquet_batches(path: Path) -> Iterator[pa.Table]:
    limit = max_record_bytes()
    pf = pq.ParquetFile(path)
    line = 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
        n = batch.num_rows
        cols, error = {}, pa.nulls(n, pa.string())
        for f in CANONICAL_FIELDS:
            if f in batch.schema.names:
                cols[f], refused = _text(f, batch.column(f), limit)
                error = pc.coalesce(error, refused)
            else:
                cols[f] = pa.nulls(n, pa.string())
        cols["_line"] = pa.array(range(line + 1, line + n + 1), pa.int64())
        cols["_raw"] = pa.nulls(n, pa.string())
        cols["_error"] = error
        line += n
        yield pa.table(cols, schema=RAW_SCHEMA)


# Column types DuckDB's Parquet reader turns into the text `_text` makes of them, or into text
# that validation reads as the same value, by the kind of field (core.events): strings only from
# strings (their text lands as it is), numbers from integers and floats (validation parses them:
# `100` and `100.0`, `1e-7` and `1e-07` are one double), timestamps from timestamps in UTC or
# without a zone, or epoch milliseconds as integers.
def _engine_type(kind: str, t: pa.DataType) -> bool:
    if pa.types.is_null(t) or pa.types.is_string(t) or pa.types.is_large_string(t):
        return True
    if kind == "number":
        return pa.types.is_integer(t) or pa.types.is_floating(t) and not pa.types.is_float16(t)
    if kind == "bool":
        return pa.types.is_boolean(t) or pa.types.is_integer(t)
    if kind == "timestamp":
        return pa.types.is_integer(t) or pa.types.is_timestamp(t) and t.tz in (None, "UTC", "+00:00")
    return False


def _engine_text(name: str, t: pa.DataType, limit: int) -> tuple[str, str | None]:
    """(the column as text in SQL, a SQL condition refusing its row, or None)."""
    column = f'"{name}"'
    if pa.types.is_timestamp(t):  # as `_timestamps` writes it; nanoseconds cut
        return f"strftime(cast({column} as timestamp), '%Y-%m-%d %H:%M:%S.%fZ')", None
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return column, f"strlen({column}) > {limit}"
    return f"cast({column} as varchar)", None


def engine_read(path: Path) -> tuple[str, int] | None:
    """(a select of the file's rows as RAW_SCHEMA records numbered from 1, the number of rows) for
    DuckDB's own Parquet reader, when its columns are ones it turns into the values
    `parquet_batches` gives (`_engine_type`); None otherwise. The select refuses (as
    `_error`) a string over the record limit; it fails (duckdb.Error) on a damaged file or
    bytes that are not UTF-8. Only a file it judges clean whole may land from it: the reasons and
    raw text of a refused row are the exact reader's to give."""
    name = engine_path(path)
    if name is None:
        return None
    try:
        meta = pq.read_metadata(path)
        schema = meta.schema.to_arrow_schema()
    except UNREADABLE:
        return None
    names = [n.lower() for n in schema.names]
    if len(set(names)) != len(names):  # DuckDB binds column names case-insensitively
        return None
    limit = max_record_bytes()
    fields, refusals = [], []
    for f in FIELDS:
        if f.name not in schema.names:
            fields.append(f'null::varchar as "{f.name}"')
            continue
        t = schema.field(f.name).type
        t = t.value_type if pa.types.is_dictionary(t) else t  # categorical strings, as pandas writes them
        if not _engine_type(f.kind, t):
            return None
        text, refused = _engine_text(f.name, t, limit)
        fields.append(f'{text} as "{f.name}"')
        if refused:
            refusals.append(refused)
    error = f"case when {' or '.join(refusals)} then 'refused' end" if refusals else "null::varchar"
    sql = f"""select {', '.join(fields)}, file_row_number + 1 as _line, null::varchar as _raw,
                     {error} as _error
              from read_parquet({name}, file_row_number = true)"""
    return sql, meta.num_rows
