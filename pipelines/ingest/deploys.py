"""Deploy events as landed data (issue 19): `service`, `version`, `started_at`, `finished_at`,
`outcome`, `who`, as JSONL or CSV anywhere in the landing location, recognised by those fields.
The same ledger, quarantine and corrections as telemetry. `lake/deploys/deploys.parquet` holds
every delivered deploy once (by service, version and start; the newest delivery's copy). A
service with delivered deploys is judged by them; one without has its deploys derived from the
telemetry's `version` field (the warehouse's int_service_deploys)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.events import DEPLOY_FORMATS
from ..core.storage import atomic_path
from ..settings import plausible_timestamps
from .timeline import csv_records, json_lines, land_records, newest_versions, rfc3339, text

DEPLOY_SCHEMA = pa.schema([
    ("service", pa.string()), ("version", pa.string()), ("started_at", pa.timestamp("us")),
    ("finished_at", pa.timestamp("us")), ("outcome", pa.string()), ("who", pa.string()),
    ("file_sha256", pa.string()), ("file", pa.string()), ("line", pa.int64()),
])


def checked(rec: dict, plausible) -> dict:
    """The record as a deploy row, or ValueError naming the field that breaks a rule."""
    row = {"service": text(rec, "service", required=True), "version": text(rec, "version", required=True),
           "started_at": rfc3339(rec.get("started_at"), "started_at", plausible),
           "finished_at": rfc3339(rec.get("finished_at"), "finished_at", plausible),
           "outcome": text(rec, "outcome"), "who": text(rec, "who")}
    if row["started_at"] is None:
        raise ValueError("started_at: missing")
    if row["finished_at"] is not None and row["finished_at"] < row["started_at"]:
        raise ValueError(f"finished_at: {rec['finished_at']} is before started_at {rec['started_at']}")
    return row


def land_deploys(path: Path, fmt: str, sha: str, rel: str, good_tmp: Path, bad_tmp: Path) -> tuple[int, int, int, set[str]]:
    assert fmt in DEPLOY_FORMATS, fmt
    plausible = plausible_timestamps()
    records = json_lines(path) if fmt == "deploys_jsonl" else csv_records(path)
    return land_records(records, lambda rec: checked(rec, plausible), DEPLOY_SCHEMA, sha, rel, good_tmp, bad_tmp)


def publish_deploys(lake) -> int:
    """`lake/deploys/deploys.parquet` from the active landed deploy files; its row count."""
    active = [e for e in lake.active() if e.format in DEPLOY_FORMATS]
    with atomic_path(lake.deploys) as tmp:
        if not active:
            pq.write_table(DEPLOY_SCHEMA.empty_table(), tmp)
        else:
            with duckdb.connect() as con:
                newest_versions(con, lake, active, "service, version, started_at", "", "service, started_at, version")
                table = con.execute(f"select {', '.join(DEPLOY_SCHEMA.names)} from newest").to_arrow_table()
            pq.write_table(table.cast(DEPLOY_SCHEMA), tmp, compression="zstd")
    return pq.ParquetFile(lake.deploys).metadata.num_rows
