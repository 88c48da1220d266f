"""Incident timelines as landed data (issue 19): the same ledger, quarantine and corrections as
telemetry, in a shape of their own.

Three shapes are recognised by their fields, anywhere in the landing location:
- canonical, JSONL or CSV: `id`, `title`, `services` (our service names; in CSV separated by `;`),
  `severity`, `started_at`, `detected_at`, `mitigated_at`, `resolved_at`, `url`, optionally
  `updated_at` and `components` (status page component names);
- an Atlassian Statuspage incidents document (`{"page": ..., "incidents": [...]}`, the
  `/api/v2/incidents.json` export): `name` is the title, `impact` the severity, `created_at` the
  detection, `monitoring_at` the mitigation, `shortlink` the URL, `components[].name` the
  components; a record's "line" is its place in the `incidents` list;
- downtime windows (`incident_id`, `downtime_start`, `downtime_end`, `title`, `impact`), as a
  status page history scraped into CSV gives them: no components, so the title names them.
Times are RFC 3339 with a zone, kept as UTC; every time but `started_at` may be missing; none but
`updated_at` may lie before `started_at`. A record that breaks a rule is quarantined with the field
named. `lake/incidents/incidents.parquet` holds the newest version of each incident (by
`updated_at`, then delivery): an incident updated later supersedes its earlier version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.events import INCIDENT_FORMATS
from ..core.storage import atomic_path
from ..settings import plausible_timestamps
from .formats.records import HEAD_CHARS, too_large
from .formats.text import TooLarge, read_text
from .timeline import Record, csv_records, json_lines, land_records, newest_versions, rfc3339

TIMES = ("started_at", "detected_at", "mitigated_at", "resolved_at", "updated_at")
INCIDENT_SCHEMA = pa.schema([
    ("incident_id", pa.string()), ("title", pa.string()), ("severity", pa.string()),
    ("services", pa.list_(pa.string())), ("components", pa.list_(pa.string())),
    *[(t, pa.timestamp("us")) for t in TIMES],
    ("url", pa.string()), ("file_sha256", pa.string()), ("file", pa.string()), ("line", pa.int64()),
])
CANONICAL = ("id", "title", "services", "severity", "started_at", "detected_at", "mitigated_at", "resolved_at", "url")


# --- the shapes, as records of text ----------------------------------------------------------------
def _canonical(rec: dict) -> dict:
    return {**{k: rec.get(k) for k in CANONICAL}, "updated_at": rec.get("updated_at"),
            "components": rec.get("components")}


def _statuspage(rec: dict) -> dict:
    components = rec.get("components")
    return {"id": rec.get("id"), "title": rec.get("name"), "severity": rec.get("impact"), "services": [],
            "components": [c.get("name") for c in components if isinstance(c, dict)] if isinstance(components, list)
            else components,
            "started_at": rec.get("started_at") or rec.get("created_at"), "detected_at": rec.get("created_at"),
            "mitigated_at": rec.get("monitoring_at"), "resolved_at": rec.get("resolved_at"),
            "updated_at": rec.get("updated_at"), "url": rec.get("shortlink")}


def _downtime(rec: dict) -> dict:
    return {"id": rec.get("incident_id"), "title": rec.get("title"), "severity": rec.get("impact"),
            "services": [], "components": [], "started_at": rec.get("downtime_start"),
            "resolved_at": rec.get("downtime_end"), "url": None}


def _split(value) -> list | None:
    return [v.strip() for v in value.split(";") if v.strip()] if isinstance(value, str) else value


def raw_incidents(path: Path, fmt: str) -> Iterator[Record]:
    """(line, raw text, record in the canonical fields, why it could not be read) for every record."""
    if fmt == "statuspage":
        try:
            doc = json.loads(read_text(path))
        except TooLarge as exc:
            yield 1, None, None, too_large(exc.args[1])
            return
        except (ValueError, RecursionError) as exc:
            yield 1, None, None, f"not a JSON document: {exc}"
            return
        incidents = doc.get("incidents") if isinstance(doc, dict) else None
        if not isinstance(incidents, list):
            yield 1, None, None, "incidents: expected a list of incidents"
            return
        for n, rec in enumerate(incidents, start=1):
            raw = json.dumps(rec)[:HEAD_CHARS]
            yield (n, raw, _statuspage(rec), None) if isinstance(rec, dict) else (n, raw, None, "not an object")
        return
    if fmt == "incidents_jsonl":
        for n, raw, rec, why in json_lines(path):
            yield n, raw, _canonical(rec) if rec is not None else None, why
        return
    for n, raw, rec, why in csv_records(path):
        if rec is not None and fmt == "downtime_csv":
            rec = _downtime(rec)
        elif rec is not None:
            rec["services"], rec["components"] = _split(rec.get("services")), _split(rec.get("components"))
            rec = _canonical(rec)
        yield n, raw, rec, why


# --- the rules ---------------------------------------------------------------------------------------
def _names(value, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{field}: expected a list of names, got {json.dumps(value)[:80]}")
    return [v.strip() for v in value]


def checked(rec: dict, plausible) -> dict:
    """The record as an incident row, or ValueError naming the field that breaks a rule."""
    ident = rec.get("id")
    if ident is None or not str(ident).strip():
        raise ValueError("id: missing")
    if isinstance(ident, (dict, list, bool)):
        raise ValueError(f"id: expected text or a number, got {json.dumps(ident)[:80]}")
    for text in ("title", "severity", "url"):
        if rec.get(text) is not None and not isinstance(rec[text], str):
            raise ValueError(f"{text}: expected text, got {json.dumps(rec[text])[:80]}")
    times = {t: rfc3339(rec.get(t), t, plausible) for t in TIMES}
    if times["started_at"] is None:
        raise ValueError("started_at: missing")
    for t in ("detected_at", "mitigated_at", "resolved_at"):
        if times[t] is not None and times[t] < times["started_at"]:
            raise ValueError(f"{t}: {rec[t]} is before started_at {rec['started_at']}")
    return {"incident_id": str(ident).strip(), "title": rec.get("title"), "severity": rec.get("severity"),
            "services": _names(rec.get("services"), "services"),
            "components": _names(rec.get("components"), "components"), **times, "url": rec.get("url")}


def land_incidents(path: Path, fmt: str, sha: str, rel: str, good_tmp: Path, bad_tmp: Path) -> tuple[int, int, int, set[str]]:
    """Read one incident file into `good_tmp` (INCIDENT_SCHEMA) and `bad_tmp` (quarantine):
    (read, landed, quarantined, the UTC days its incidents span)."""
    assert fmt in INCIDENT_FORMATS, fmt
    plausible = plausible_timestamps()
    return land_records(raw_incidents(path, fmt), lambda rec: checked(rec, plausible), INCIDENT_SCHEMA, sha, rel,
                        good_tmp, bad_tmp)


NAMES_SCHEMA = pa.schema([("incident_id", pa.string()), ("name_kind", pa.string()), ("name", pa.string())])


def publish_incidents(lake) -> int:
    """`lake/incidents/incidents.parquet`: the newest version of every incident of the active
    landed incident files (newest by `updated_at`, then by delivery and line); and beside it
    `incident_names.parquet`, what each names, flat for any engine: its services, else its
    components, else its title (the warehouse looks for component names in it). Its row count."""
    active = [e for e in lake.active() if e.format in INCIDENT_FORMATS]
    names_path = lake.incidents.with_name("incident_names.parquet")
    with atomic_path(lake.incidents) as tmp, atomic_path(names_path) as names_tmp:
        if not active:
            pq.write_table(INCIDENT_SCHEMA.empty_table(), tmp)
            pq.write_table(NAMES_SCHEMA.empty_table(), names_tmp)
        else:
            with duckdb.connect() as con:
                newest_versions(con, lake, active, "incident_id", "updated_at desc nulls last", "started_at, incident_id")
                pq.write_table(con.execute(f"select {', '.join(INCIDENT_SCHEMA.names)} from newest").to_arrow_table()
                               .cast(INCIDENT_SCHEMA), tmp, compression="zstd")
                names = con.execute("""
                    select incident_id, 'service' as name_kind, unnest(services) as name from newest
                    union all
                    select incident_id, 'component', unnest(components) from newest where len(services) = 0
                    union all
                    select incident_id, 'title', title from newest
                    where len(services) = 0 and len(components) = 0 and title is not null
                    order by 1, 2, 3""").to_arrow_table()
                pq.write_table(names.cast(NAMES_SCHEMA), names_tmp, compression="zstd")
    return pq.ParquetFile(lake.incidents).metadata.num_rows
