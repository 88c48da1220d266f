"""Landing formats -> canonical records as text (RAW_SCHEMA batches), one reader per format.

SPEC.md "Input formats": canonical JSONL, CSV and Parquet, nginx/Apache access logs, AWS ALB
logs, OTLP/JSON traces and Prometheus query_range exports, any of them gzipped. A reader never
validates values (that is `ingest.validate`); it says only where a record came from and, when it
cannot make one, why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa

from ...core.events import LANDING_FORMATS
from ...settings import customer_attribute, customer_header
from .access_log import access_log_rows
from .alb import alb_rows
from .csv_lines import csv_rows
from .detect import detect_format, format_for
from .jsonl import jsonl_batches
from .otlp import otlp_rows
from .parquet_batches import parquet_batches
from .prometheus import prometheus_rows
from .records import failed, too_large
from .text import UNREADABLE, TooLarge, TooLong, batches, is_gzip, read_text, text_lines

Reader = Callable[[Path, str | None], Iterator[pa.Table]]

# One reader per landing format; `service` names the records of formats that carry none.
READERS: dict[str, Reader] = {
    "jsonl": lambda path, service: jsonl_batches(path, is_gzip(path)),
    "jsonl.gz": lambda path, service: jsonl_batches(path, is_gzip(path)),
    "csv": lambda path, service: batches(csv_rows(path, is_gzip(path))),
    "csv.gz": lambda path, service: batches(csv_rows(path, is_gzip(path))),
    "parquet": lambda path, service: parquet_batches(path),
    "access_log": lambda path, service: batches(access_log_rows(text_lines(path, is_gzip(path)), service,
                                                                customer_header())),
    "alb": lambda path, service: batches(alb_rows(text_lines(path, is_gzip(path)), service)),
    # JSON documents are read whole: OTLP exports are split into files by the exporter
    "otlp": lambda path, service: _document(path, lambda text: otlp_rows(text, customer_attribute())),
    "prometheus": lambda path, service: _document(path, lambda text: prometheus_rows(text, service,
                                                                                    customer_attribute())),
}
assert set(READERS) == set(LANDING_FORMATS), "a landing format without a reader, or a reader without a name"


def _document(path: Path, rows: Callable[[str], Iterator[dict]]) -> Iterator[pa.Table]:
    """A JSON document's records; one over the document limit is one quarantined record."""
    try:
        text = read_text(path)
    except TooLarge as exc:
        return batches([failed(1, "", too_large(exc.args[1]))])
    return batches(rows(text))


def _unrecognised(path: Path) -> Iterator[pa.Table]:
    rows = (failed(n, line, line.reason if isinstance(line, TooLong) else "unrecognised file format")
            for n, line in enumerate(text_lines(path, is_gzip(path)), start=1))
    return batches(rows)


def raw_batches(path: Path, fmt: str, service: str | None = None) -> Iterator[pa.Table]:
    """The file's records as RAW_SCHEMA batches; every line of a file in no known format is
    quarantined as unrecognised."""
    reader = READERS.get(fmt)
    return reader(path, service) if reader else _unrecognised(path)


__all__ = ["LANDING_FORMATS", "READERS", "UNREADABLE", "detect_format", "format_for", "raw_batches"]
