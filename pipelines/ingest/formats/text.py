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

BATCH_ROWS = 200_000

# What a damaged file raises while being read (truncated or corrupt gzip, corrupt Parquet, bad encoding).
UNREADABLE = (OSError, EOFError, ValueError, zlib.error, pa.ArrowException, duckdb.Error, csv.Error)


def head_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(4096)


def is_gzip(path: Path) -> bool:
    return head_bytes(path).startswith(b"\x1f\x8b")


def text_lines(path: Path, gz: bool) -> Iterator[str]:
    raw = gzip.open(path, "rb") if gz else open(path, "rb")
    # utf-8-sig: a leading byte order mark (Excel's CSV) is not part of the first line
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as f:
        for line in f:
            yield line.rstrip("\r\n")


def read_text(path: Path) -> str:
    raw = gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")
    with raw:
        return raw.read().decode("utf-8-sig", errors="replace")


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
