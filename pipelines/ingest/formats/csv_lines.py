"""Canonical CSV: a header names the fields; a row with another number of fields is quarantined."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator

from ...core.events import CANONICAL_FIELDS
from .text import text_lines


MAX_FIELD_CHARS = 1 << 20  # a field longer than this (1 Mi characters) is a quarantined record


def csv_rows(path: Path, gz: bool) -> Iterator[dict]:
    csv.field_size_limit(MAX_FIELD_CHARS)
    lines = text_lines(path, gz)
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    while True:
        n = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # one malformed row (a field too long): the rest of the file reads on
            yield {"_line": n, "_raw": None, "_error": f"not a CSV row: {exc}"}
            continue
        if not values:
            continue
        row = {"_line": n, "_raw": ",".join(values), "_error": None}
        if len(values) != len(header):
            row["_error"] = f"expected {len(header)} fields as in the header, got {len(values)}"
        else:
            rec = dict(zip(header, values))
            for f in CANONICAL_FIELDS:
                v = rec.get(f)
                row[f] = v if v not in (None, "") else None
        yield row
