"""A JSON lines or Parquet file read, numbered and judged inside DuckDB, when it allows (issue 15).

Cutting lines in Python and parsing them a block at a time cost about 3 us per event; DuckDB's own
reader and one validation over the whole file cost under 1.5 (Parquet: 1.6 against 0.7). It is
used only when it gives what the exact reader gives: JSON lines whose every line is one JSON
object as it stands (`formats.jsonl.engine_read`), Parquet whose columns DuckDB turns into the
same values (`formats.parquet_batches.engine_read`). Otherwise, or when DuckDB refuses the file,
nothing has been written and the exact reader lands it. The raw line of a quarantined JSON record
is read back by number, so quarantine holds the same rows; a Parquet file with a refused row is
left to the exact reader whole, whose reasons name each value as Arrow writes it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..core.events import LANDED_SCHEMA, QUARANTINE_SCHEMA
from .formats.jsonl import engine_read as jsonl_engine_read
from .formats.lines import line_batches
from .formats.parquet_batches import engine_read as parquet_engine_read
from .formats.text import BATCH_ROWS, is_gzip
from .validate import LANDED_SQL, QUARANTINED_SQL, judge

Steps = Iterator[tuple[int, pa.Table, pa.Table]]  # (records read, landed rows, quarantined rows)


def landed_in_engine(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, sha: str, rel: str,
                     plausible: tuple[dt.datetime, dt.datetime]) -> Steps | None:
    """The file's records judged (as `validate.validated` judges them), or None when only the
    exact reader can land it. The file is read and judged before this returns; the steps then
    stream out of DuckDB, the first one counting every record read."""
    if fmt in ("jsonl", "jsonl.gz"):
        gz = is_gzip(path)
        read = jsonl_engine_read(path, gz)
        if read is None or not _judged(con, *read, plausible, numbered=False):
            return None
        _raw_lines_of_quarantined(con, path, gz)
        return _steps(con, sha, rel, read[1])
    if fmt == "parquet":
        read = parquet_engine_read(path)
        if read is None or not _judged(con, *read, plausible, numbered=True) or _any_quarantined(con):
            return None  # a refused row's reason and raw text are the exact reader's to give
        return _steps(con, sha, rel, read[1])
    return None


def _judged(con: duckdb.DuckDBPyConnection, select: str, records: int,
            plausible: tuple[dt.datetime, dt.datetime], *, numbered: bool) -> bool:
    """Judge the records of `select` into `checked_batch`; False when DuckDB refuses the file or
    reads another number of records than it holds. A select not `numbered` (no `_line`) gives one
    record per line in file order, kept as a table whose row ids number them (insertion order is
    kept); a numbered one is judged straight from the file."""
    try:
        if numbered:
            con.execute(f"create or replace temp view raw as {select}")
        else:
            con.execute(f"create or replace temp table engine_records as {select}")
            con.execute("""create or replace temp view raw as select *, rowid + 1 as _line,
                           null::varchar as _raw, null::varchar as _error from engine_records""")
        judge(con, plausible)
        # cannot differ when the reader reads the file whole: the guard of the numbering
        return con.execute("select count(*) from checked_batch").fetchone()[0] == records
    except duckdb.Error:  # a line that is no JSON after all, a repeated key, a damaged file
        return False
    finally:
        con.execute("drop view if exists raw")
        con.execute("drop table if exists engine_records")


def _any_quarantined(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from checked_batch where _reason is not null").fetchone()[0] > 0


def _raw_lines_of_quarantined(con: duckdb.DuckDBPyConnection, path: Path, gz: bool) -> None:
    """Put the line itself as the raw of each record quarantined, read again by number (only for
    files that have one, and only up to the last)."""
    last = con.execute("select max(_line) from checked_batch where _reason is not null").fetchone()[0]
    if last is None:
        return
    con.execute("create or replace temp table quarantined_raw (_line bigint, _raw varchar)")
    for lines in line_batches(path, gz):
        con.register("lines", lines)
        con.execute("""insert into quarantined_raw select _line, _raw from lines
                       where _line in (select _line from checked_batch where _reason is not null)""")
        con.unregister("lines")
        if pc.max(lines["_line"]).as_py() >= last:
            break
    con.execute("""update checked_batch set _raw = q._raw from quarantined_raw q
                   where checked_batch._line = q._line""")


def _steps(con: duckdb.DuckDBPyConnection, sha: str, rel: str, lines: int) -> Steps:
    no_landed, no_quarantined = LANDED_SCHEMA.empty_table(), QUARANTINE_SCHEMA.empty_table()
    yield lines, no_landed, no_quarantined
    for batch in con.execute(LANDED_SQL, [sha]).to_arrow_reader(BATCH_ROWS):
        yield 0, pa.Table.from_batches([batch]).cast(LANDED_SCHEMA), no_quarantined
    for batch in con.execute(QUARANTINED_SQL, [sha, rel]).to_arrow_reader(BATCH_ROWS):
        yield 0, no_landed, pa.Table.from_batches([batch]).cast(QUARANTINE_SCHEMA)
