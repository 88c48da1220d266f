"""The lake: landed files by content hash, their ledger, and the day partitions built from them.

Two layers, so that both promises hold:
- per file (`lake/files/<sha256>.parquet`, `lake/quarantine/`, `lake/ledger/`): every landing
  file is read once, by content hash; rows read = rows landed + rows quarantined, always.
- per day (`lake/events/day=YYYY-MM-DD/events.parquet`): rebuilt from the landed files that
  touch that day, written to a temporary name and renamed, so a re-run replaces exactly that
  partition and no reader ever sees half of one; a day's only file, already in the partition's
  order, is linked instead of written again.
Never overwrites or deletes a landed file, a quarantine file or a ledger entry (lake retention,
in `audit.retention`, deletes files past retention and records why).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.events import DEPLOY_FORMATS, INCIDENT_FORMATS, LANDED_SCHEMA
from ..core.sql import sql_string
from ..core.storage import atomic_path, exclusive_lock, write_bytes_atomic
from ..settings import engine_config


@dataclass
class LedgerEntry:
    file_sha256: str
    path: str
    size: int
    format: str
    rows_read: int
    rows_landed: int
    rows_quarantined: int
    days: list[str]
    landed_at: str
    supersedes: str | None = None
    location: str | None = None  # where it was read from (a folder path or s3://bucket/key)

    @property
    def events(self) -> bool:
        """Telemetry (published by day), not an incident or deploy timeline (published whole)."""
        return self.format not in INCIDENT_FORMATS + DEPLOY_FORMATS


class Lake:
    """The lake folder layout and the ingest ledger that lives in it."""

    def __init__(self, root: Path, remote=None):
        self.root = Path(root)
        self.remote = remote  # the lake of record on S3 (remote_lake.RemoteLake), when there is one
        self.files = self.root / "files"
        self.quarantine = self.root / "quarantine"
        self.ledger_dir = self.root / "ledger"
        self.events = self.root / "events"

    def lock(self):
        return exclusive_lock(self.root / ".ingest.lock")

    def ledger(self) -> list[LedgerEntry]:
        if not self.ledger_dir.exists():
            return []
        entries = [LedgerEntry(**json.loads(p.read_text())) for p in sorted(self.ledger_dir.glob("*.json"))]
        return sorted(entries, key=lambda e: (e.landed_at, e.file_sha256))

    def active(self) -> list[LedgerEntry]:
        """The newest landed version of every landing path (corrections supersede), unless
        retention has pruned it."""
        latest: dict[str, LedgerEntry] = {}
        for e in self.ledger():
            latest[e.path] = e
        gone = self.pruned()
        return sorted((e for e in latest.values() if e.file_sha256 not in gone), key=lambda e: e.path)

    @property
    def pruned_dir(self) -> Path:
        return self.root / "pruned"

    def pruned(self) -> set[str]:
        """Content hashes of landed files deleted by lake retention (their ledger entries stay)."""
        return {p.stem for p in self.pruned_dir.glob("*.json")} if self.pruned_dir.exists() else set()

    def landed_file(self, sha: str) -> Path:
        """A landed file's Parquet; with a lake on S3, fetched the first time this copy needs it."""
        path = self.files / f"{sha}.parquet"
        if not path.exists() and self.remote is not None:
            self.remote.fetch(self, f"files/{sha}.parquet")
        return path

    @property
    def incidents(self) -> Path:
        """The newest version of every landed incident (ingest.incidents.publish_incidents)."""
        return self.root / "incidents" / "incidents.parquet"

    @property
    def deploys(self) -> Path:
        """Every delivered deploy event (ingest.deploys.publish_deploys)."""
        return self.root / "deploys" / "deploys.parquet"

    def partition_path(self, day: str) -> Path:
        return self.events / f"day={day}" / "events.parquet"

    # Hashes of deliveries already read, by fingerprint (location, size, mtime or ETag), so that a
    # run over a large landing zone, or an S3 bucket, reads only what is new.
    @property
    def fingerprints_path(self) -> Path:
        return self.root / "fingerprints.json"

    def fingerprints(self) -> dict[str, str]:
        p = self.fingerprints_path
        return json.loads(p.read_text()) if p.exists() else {}

    def save_fingerprints(self, known: dict[str, str]) -> None:
        write_bytes_atomic(json.dumps(known, indent=0, sort_keys=True).encode(), self.fingerprints_path)


def write_day_partition(lake: Lake, day: str, active: list[LedgerEntry] | None = None) -> int:
    """Rebuild one day's partition (`lake/events/day=...`) from the active landed files; return its
    row count.

    Pass `active` (from `lake.active()`) when publishing many days, to read the ledger once."""
    active = lake.active() if active is None else active
    entries = [e for e in active if day in e.days and e.events]
    sources = [str(lake.landed_file(e.file_sha256)) for e in entries]
    target = lake.partition_path(day)
    with atomic_path(target) as tmp:
        if len(entries) == 1 and entries[0].days == [day] and _linked(Path(sources[0]), tmp):
            pass  # the landed file is the partition
        elif sources:
            with duckdb.connect(config=engine_config()) as con:
                con.execute(
                    f"copy (select {landed_columns(sources)} from read_parquet(?, union_by_name = true) "
                    f"where day = cast(? as date) "
                    f"order by event_ts, file_sha256, line) to {sql_string(tmp)} (format parquet, compression zstd)",
                    [sources, day],
                )
        else:
            # An empty partition still says "this day was processed and had no telemetry".
            pq.write_table(LANDED_SCHEMA.empty_table(), tmp)
    return pq.ParquetFile(target).metadata.num_rows


def _linked(source: Path, tmp: Path) -> bool:
    """Make `tmp` the landed file `source` itself, when that file is the partition the rebuild
    would write: a day's only file, of that day alone, its rows in time order (then line order is
    the partition's order: event time, file, line), with the partition's columns. A daily export
    usually is, and a link writes nothing: the rebuild read and wrote every event a second time
    (issue 15). False when not, or when the file system cannot link."""
    f = pq.ParquetFile(source)
    if not f.schema_arrow.equals(LANDED_SCHEMA, check_metadata=False):
        return False  # landed before a column was added: the rebuild reads it as null
    ts_before, line_before = np.empty(0, np.int64), np.empty(0, np.int64)  # the last row read
    for group in range(f.num_row_groups):
        t = f.read_row_group(group, columns=["event_ts", "line"])
        ts = np.concatenate([ts_before, t["event_ts"].cast(pa.int64()).to_numpy()])
        lines = np.concatenate([line_before, t["line"].to_numpy()])
        if np.any(np.diff(ts) < 0) or np.any(np.diff(lines) <= 0):
            return False
        ts_before, line_before = ts[-1:], lines[-1:]
    try:
        tmp.unlink()
        os.link(source, tmp)
        return True
    except OSError:
        return False


def landed_columns(files: list[str]) -> str:
    """The select list that reads landed files of any age as LANDED_SCHEMA: a column added since
    a file was landed (`customer`, issue 20) reads as null, so old files are never rewritten."""
    present = {name for f in files for name in pq.read_schema(f).names}
    return ", ".join(f'"{field.name}"' if field.name in present else f'cast(null as varchar) as "{field.name}"'
                     for field in LANDED_SCHEMA)


def landed_days(lake: Lake) -> list[str]:
    """The days with landed telemetry (incident timelines do not make a day to compute)."""
    return sorted({d for e in lake.active() if e.events for d in e.days})
