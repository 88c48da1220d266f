"""Canonical CSV: a header names the fields; a row with another number of fields is quarantined."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator

from ...core.events import CANONICAL_FIELDS
from .records import failed
from .text import TooLong, text_lines


MAX_FIELD_CHARS = 1 << 20  # a field longer than this (1 Mi characters) is a quarantined record


def csv_rows(path: Path, gz: bool) -> Iterator[dict]:
    csv.field_size_limit(MAX_FIELD_CHARS)
    too_long: list[tuple[int, TooLong]] = []  # lines over the record limit, read past: quarantined

    def lines() -> Iterator[str]:
        for n, line in enumerate(text_lines(path, gz), start=1):
            if isinstance(line, TooLong):
                too_long.append((n, line))
                line = ""  # an empty row to the CSV reader
            yield line

    def refused() -> Iterator[dict]:
        while too_long:
            n, line = too_long.pop(0)
            yield failed(n, line, line.reason)

    reader = csv.reader(lines())
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        yield from refused()
        return
    while True:
        n = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            yield from refused()
            return
        except csv.Error as exc:  # one malformed row (a field too long): the rest of the file reads on
            yield {"_line": n, "_raw": None, "_error": f"not a CSV row: {exc}"}
            continue
        yield from refused()
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
