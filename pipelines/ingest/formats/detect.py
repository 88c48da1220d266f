"""Which format a landing file is in: by content where the content decides (JSON documents, log
lines, Parquet's magic bytes), else by extension; SLM_FORMATS overrides it by path prefix."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from .access_log import ACCESS_RE
from .alb import ALB_LINE_RE
from .text import UNREADABLE, head_bytes


def detect_format(path: Path) -> str:
    """By content where the content decides (JSON documents, log lines), else by extension."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    head = head_bytes(path)
    if head.startswith(b"PAR1"):
        return "parquet"
    gz = head.startswith(b"\x1f\x8b")
    if gz:
        try:
            with gzip.open(path, "rb") as f:
                head = f.read(4096)
        except UNREADABLE:
            head = b""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()  # a byte order mark says nothing of the format
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    compact = re.sub(rb"\s+", b"", text)
    timeline = timeline_format(text)  # incidents and deploys, before telemetry's shapes
    if timeline:
        return timeline
    if compact.startswith(b'{"resourceSpans"'):
        return "otlp"
    if compact.startswith((b'{"status":', b'{"data":')) and b'"resultType":' in compact:
        return "prometheus"
    if text.startswith(b"{"):
        return "jsonl.gz" if gz else "jsonl"
    if ALB_LINE_RE.match(first):
        return "alb"
    if ACCESS_RE.match(first):
        return "access_log"
    lowered = first.lower()
    if "," in lowered and "timestamp" in lowered and "service" in lowered:
        return "csv.gz" if gz else "csv"
    for ext, fmt in ((".jsonl.gz", "jsonl.gz"), (".ndjson.gz", "jsonl.gz"), (".json.gz", "jsonl.gz"),
                     (".csv.gz", "csv.gz"), (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"),
                     (".csv", "csv")):
        if name.endswith(ext):
            return fmt
    return "unknown"


def timeline_format(head: bytes) -> str | None:
    """The incident or deploy shape (ingest.incidents, ingest.deploys) a file's first bytes show,
    or None (telemetry, or unknown)."""
    compact = b"".join(head.split())
    if compact.startswith((b'{"page":', b'{"incidents":')):
        return "statuspage"
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if first.startswith("{"):
        if '"started_at"' not in first:
            return None
        try:
            keys = set(json.loads(first))
        except (ValueError, RecursionError, TypeError):  # not JSON, nested past any sense, not an object
            return None
        if "timestamp" in keys or "started_at" not in keys:
            return None
        if "id" in keys:
            return "incidents_jsonl"
        return "deploys_jsonl" if {"service", "version"} <= keys else None
    header = {h.strip().lower() for h in first.split(",")}
    if {"incident_id", "downtime_start", "downtime_end"} <= header:
        return "downtime_csv"
    if {"id", "title", "started_at"} <= header:
        return "incidents_csv"
    if {"service", "version", "started_at"} <= header and "timestamp" not in header:
        return "deploys_csv"
    return None


def format_for(rel: str, formats: dict[str, str] | None) -> str | None:
    """The format set for a landing path (longest matching path prefix), else None: detect it."""
    matches = [p for p in (formats or {}) if rel.startswith(p)]
    return formats[max(matches, key=len)] if matches else None
