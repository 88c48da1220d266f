"""Canonical Parquet: columns named as the canonical fields; a record's line is its row number."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from ...core.events import CANONICAL_FIELDS, RAW_SCHEMA
from .text import BATCH_ROWS


def parquet_batches(path: Path) -> Iterator[pa.Table]:
    pf = pq.ParquetFile(path)
    line = 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
        n = batch.num_rows
        cols = {}
        for f in CANONICAL_FIELDS:
            if f in batch.schema.names:
                col = batch.column(f)
                if pa.types.is_timestamp(col.type):
                    # Naive Parquet timestamps are taken as UTC, like naive RFC 3339 strings.
                    col = col.cast(pa.timestamp("us", tz=col.type.tz or "UTC")).cast(pa.string())
                cols[f] = col.cast(pa.string())
            else:
                cols[f] = pa.nulls(n, pa.string())
        cols["_line"] = pa.array(range(line + 1, line + n + 1), pa.int64())
        cols["_raw"] = pa.nulls(n, pa.string())
        cols["_error"] = pa.nulls(n, pa.string())
        line += n
        yield pa.table(cols, schema=RAW_SCHEMA)
