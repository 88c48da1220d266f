"""Reading landing files as text or bytes, and what a damaged file raises while being read.

Line numbers are counted from 1 over every physical line (blank ones included), so a quarantined
record names the line a person finds in the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from pathlib import Path
from typing import Iterable, Iterator

import duckdb
import pyarrow as pa

from ...core.events import RAW_SCHEMA
from ...core.sql import sql_string
from ...settings import max_document_bytes, max_record_bytes
from .records import HEAD_CHARS, too_long

BATCH_ROWS = 200_000

# What a damaged file raises while being read (truncated or corrupt gzip, corrupt Parquet, bad encoding).
UNREADABLE = (OSError, EOFError, ValueError, zlib.error, pa.ArrowException, duckdb.Error, csv.Error)


def head_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(4096)


_GLOB = set("*?[]{}")  # DuckDB takes a path holding one of these for a pattern (a[1] reads a1)


def engine_path(path: Path) -> str | None:
    """The path as a SQL string for DuckDB's readers, or None when they would not open this very
    file: a name holding a pattern character, or bytes that are not UTF-8 (kept as surrogates)."""
    name = str(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return None if _GLOB & set(name) else sql_string(name)


def is_gzip(path: Path) -> bool:
    return head_bytes(path).startswith(b"\x1f\x8b")


class TooLong(str):
    """The head of a line longer than the record limit (the rest of it was read past, not kept),
    and the reason it is quarantined."""

    def __new__(cls, head: str, limit: int) -> "TooLong":
        line = super().__new__(cls, head)
        line.reason = too_long(limit)
        return line


class TooLarge(ValueError):
    """A JSON document over the document limit (it is parsed whole, so it is not read at all)."""


_ENDS = ("\n", "\r")


def text_lines(path: Path, gz: bool, limit: int | None = None) -> Iterator[str]:
    """Every physical line, without its ending; a line over `limit` bytes (default
    `max_record_bytes()`) is a `TooLong` holding its head, and memory stays bounded by the limit."""
    limit = limit or max_record_bytes()
    raw = gzip.open(path, "rb") if gz else open(path, "rb")
    # utf-8-sig: a leading byte order mark (Excel's CSV) is not part of the first line
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as f:
        after_cr = False
        while line := f.readline(limit + 2):  # characters: a line of `limit` bytes and its \r\n fit
            if after_cr and line == "\n":  # the second half of a \r\n that a size limit cut in two
                after_cr = False
                continue
            ended = line.endswith(_ENDS)
            text = line.rstrip("\r\n")
            if (ended or len(line) < limit + 2) and (len(text) <= limit // 4 or len(text.encode()) <= limit):
                after_cr = line.endswith("\r")
                yield text
                continue
            while not line.endswith(_ENDS):  # read past the rest of the line
                line = f.readline(1 << 20) or "\n"
            after_cr = line.endswith("\r")
            yield TooLong(text[:HEAD_CHARS], limit)


def read_text(path: Path, limit: int | None = None) -> str:
    """A JSON document whole (it is parsed whole); over `limit` bytes (default
    `max_document_bytes()`) after decompression, `TooLarge` is raised without reading further."""
    limit = limit or max_document_bytes()
    raw = gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")
    with raw:
        data = raw.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(path.name, limit)
    return data.decode("utf-8-sig", errors="replace")


def batches(rows: Iterable[dict], size: int = BATCH_ROWS) -> Iterator[pa.Table]:
    buf: list[dict] = []
    try:
        for row in rows:
            buf.append(row)
            if len(buf) >= size:
                yield pa.Table.from_pylist(buf, schema=RAW_SCHEMA)
                buf = []
    except UNREADABLE:
        if buf:  # what was read before the damage still lands
            yield pa.Table.from_pylist(buf, schema=RAW_SCHEMA)
        raise
    if buf:
        yield pa.Table.from_pylist(buf, schema=RAW_SCHEMA)
