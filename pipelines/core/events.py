"""The canonical request event: its fields, their types and the rules a value must keep.

Every stage that names a field or a rule takes it from here: the raw readers (all fields as
text), validation at ingest (the rules, as SQL), the landed Parquet schema, the quarantine
schema, catalog filters (which fields a filter may name, with which type) and the landed-events
checks. The Great Expectations suite and the dbt staging model restate some of these facts in
their own languages; tests hold them to this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class EventField:
    name: str           # as delivered (SPEC.md "Raw telemetry in")
    column: str         # in the landed Parquet and the staged events model
    arrow: pa.DataType  # landed type
    kind: str           # for filters: timestamp, string, number or bool


FIELDS: tuple[EventField, ...] = (
    EventField("timestamp", "event_ts", pa.timestamp("us"), "timestamp"),
    EventField("service", "service", pa.string(), "string"),
    EventField("operation", "operation", pa.string(), "string"),
    EventField("status_code", "status_code", pa.int32(), "number"),
    EventField("outcome", "outcome", pa.string(), "string"),
    EventField("latency_ms", "latency_ms", pa.float64(), "number"),
    EventField("source", "source", pa.string(), "string"),
    EventField("region", "region", pa.string(), "string"),
    EventField("is_probe", "is_probe", pa.bool_(), "bool"),
    EventField("sample_rate", "sample_rate", pa.float64(), "number"),
    EventField("version", "version", pa.string(), "string"),
    EventField("trace_id", "trace_id", pa.string(), "string"),
    # the tenant a request served (issue 20): SLOs may be grouped by it, contracts scoped to it.
    # Last, so that a lake landed before it reads on with the column null (read by name).
    EventField("customer", "customer", pa.string(), "string"),
)
CANONICAL_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS)
BY_NAME: dict[str, EventField] = {f.name: f for f in FIELDS}

# The value rules (ingest quarantines a record that breaks one; the landed-events suite re-checks).
REQUIRED = ("timestamp", "service")          # and one of status_code / outcome
STATUS_CODE_RANGE = (100, 599)               # inclusive
OUTCOMES = ("ok", "error", "timeout")
LATENCY_RANGE_MS = (0, 1e9)                  # inclusive: no request takes 11.6 days
# [1e-9, 1]: each record stands for 1 / sample_rate requests, at most a billion (so a day's sums
# stay exact in dbt's decimal(38, 12); 1e-300 would overflow every sum over its day)
SAMPLE_RATE_RANGE = (1e-9, 1)
# Timestamps outside [PLAUSIBLE_FROM, now + PLAUSIBLE_AHEAD] are quarantined (settable, see settings)
PLAUSIBLE_FROM = dt.datetime(1990, 1, 1)
PLAUSIBLE_AHEAD = dt.timedelta(days=1)
CUSTOMER_MAX_CHARS = 200                     # a tenant id or name, not a document
DEFAULT_SOURCE = "server"
DEFAULT_SAMPLE_RATE = 1.0

# Where a landed record came from: which landing file (by content hash) and which line of it.
LANDED_SCHEMA = pa.schema(
    [(FIELDS[0].column, FIELDS[0].arrow), ("day", pa.date32())]
    + [(f.column, f.arrow) for f in FIELDS[1:]]
    + [("file_sha256", pa.string()), ("line", pa.int64())]
)
LANDED_COLUMNS: tuple[str, ...] = tuple(LANDED_SCHEMA.names)

QUARANTINE_SCHEMA = pa.schema([
    ("file_sha256", pa.string()),
    ("file", pa.string()),
    ("line", pa.int64()),
    ("reason", pa.string()),
    ("raw", pa.string()),
])

# What every format reader yields before validation: each field as text, the line it came
# from, the raw text to quarantine, and a reason when the reader itself could not make a record.
RAW_SCHEMA = pa.schema([(f, pa.string()) for f in CANONICAL_FIELDS] + [
    ("_line", pa.int64()), ("_raw", pa.string()), ("_error", pa.string()),
])

# The landing formats a record can arrive in (ingest.formats has one reader for each; SLM_FORMATS
# names them). "unknown" is not one: such a file's lines go to quarantine.
LANDING_FORMATS = ("jsonl", "jsonl.gz", "csv", "csv.gz", "parquet", "otlp", "prometheus", "access_log", "alb")
# The formats of incident timelines (ingest.incidents): landed like telemetry, published apart.
INCIDENT_FORMATS = ("incidents_jsonl", "incidents_csv", "statuspage", "downtime_csv")
# ... and of deploy events (ingest.deploys)
DEPLOY_FORMATS = ("deploys_jsonl", "deploys_csv")
