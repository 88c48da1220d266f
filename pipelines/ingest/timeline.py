"""What incident and deploy timelines share as landed data: reading their JSONL and CSV records
with line numbers, and landing the records that pass their rules (the others quarantined with
the field named) into a file of their own shape."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from ..core.events import QUARANTINE_SCHEMA
from ..core.periods import utc_instant
from .formats.records import HEAD_CHARS
from .formats.text import TooLong, is_gzip, text_lines

Record = tuple[int, str | None, dict | None, str | None]  # (line, raw text, record, why it could not be read)


def json_lines(path: Path) -> Iterator[Record]:
    for n, line in enumerate(text_lines(path, is_gzip(path)), start=1):
        if isinstance(line, TooLong):
            yield n, line, None, line.reason
        elif line.strip():
            try:
                rec = json.loads(line)
            except (ValueError, RecursionError) as exc:
                yield n, line[:HEAD_CHARS], None, f"not JSON: {type(exc).__name__}: {exc}"[:500]
                continue
            yield (n, line[:HEAD_CHARS], rec, None) if isinstance(rec, dict) else \
                (n, line[:HEAD_CHARS], None, "not a JSON object")


def csv_records(path: Path) -> Iterator[Record]:
    """Rows as dicts by the header (lower-cased), empty values as None; timelines are small files."""
    numbered = list(enumerate(text_lines(path, is_gzip(path)), start=1))
    reader = csv.reader(io.StringIO("\n".join("" if isinstance(line, TooLong) else line for _, line in numbered)))
    header = [h.strip().lower() for h in next(reader, [])]
    for values in reader:
        n = reader.line_num
        raw = numbered[n - 1][1] if n - 1 < len(numbered) else ""
        if isinstance(raw, TooLong):
            yield n, raw, None, raw.reason
        elif values:
            if len(values) != len(header):
                yield n, raw[:HEAD_CHARS], None, f"expected {len(header)} fields as in the header, got {len(values)}"
            else:
                yield n, raw[:HEAD_CHARS], {k: (v if v != "" else None) for k, v in zip(header, values)}, None


def rfc3339(value, field: str, plausible: tuple[dt.datetime, dt.datetime]) -> dt.datetime | None:
    """An RFC 3339 time (with its zone) as naive UTC, None when missing; ValueError naming the field."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: expected an RFC 3339 time, got {json.dumps(value)[:80]}")
    utc = utc_instant(value, field)
    if not plausible[0].replace(tzinfo=None) <= utc < plausible[1].replace(tzinfo=None):
        raise ValueError(f"{field}: {value[:80]!r} is outside the plausible range (SLM_TIMESTAMPS_FROM ...)")
    return utc


def text(rec: dict, field: str, required: bool = False) -> str | None:
    value = rec.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"{field}: missing")
        return None
    if isinstance(value, (dict, list, bool)):
        raise ValueError(f"{field}: expected text, got {json.dumps(value)[:80]}")
    return str(value).strip()


def land_records(records: Iterator[Record], check: Callable[[dict], dict], schema: pa.Schema, sha: str, rel: str,
                 good_tmp: Path, bad_tmp: Path) -> tuple[int, int, int, set[str]]:
    """Each record checked (`check` gives the row, with `started_at`, or ValueError naming the
    field) into `good_tmp` (`schema`) or quarantine: (read, landed, quarantined, the UTC days the
    rows span from `started_at` to `resolved_at` or `finished_at`)."""
    good, bad, days = [], [], set()
    for n, raw, rec, why in records:
        if rec is not None:
            try:
                row = check(rec)
            except ValueError as exc:
                why = str(exc)
            else:
                good.append({**row, "file_sha256": sha, "file": rel, "line": n})
                last = row.get("resolved_at") or row.get("finished_at") or row["started_at"]
                day = row["started_at"].date()
                while day <= last.date():
                    days.add(day.isoformat())
                    day += dt.timedelta(days=1)
                continue
        bad.append({"file_sha256": sha, "file": rel, "line": n, "reason": why[:500], "raw": raw})
    pq.write_table(pa.Table.from_pylist(good, schema=schema), good_tmp, compression="zstd")
    pq.write_table(pa.Table.from_pylist(bad, schema=QUARANTINE_SCHEMA), bad_tmp, compression="zstd")
    return len(good) + len(bad), len(good), len(bad), days


def newest_versions(con, lake, active: list, record_key: str, newest_first: str, sort: str) -> None:
    """Create the table `newest` in `con`: of the `active` landed timeline files, the newest version
    of each record (`record_key`): by `newest_first` (e.g. its own `updated_at`), then the later
    delivery, then the later line; sorted by `sort`. A record delivered again supersedes its
    earlier version, as a correction does for telemetry."""
    con.register("deliveries", pa.table({"file_sha256": [e.file_sha256 for e in active],
                                         "landed_at": [e.landed_at for e in active]}))
    order = ", ".join(x for x in (newest_first, "landed_at desc", "line desc") if x)
    con.execute(f"create table newest as select t.* from read_parquet(?) as t join deliveries using (file_sha256) "
                f"qualify row_number() over (partition by {record_key} order by {order}) = 1 order by {sort}",
                [[str(lake.landed_file(e.file_sha256)) for e in active]])
