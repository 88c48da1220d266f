"""Annotations (issue 19): what people say about a stretch of an SLO's or a service's time.

The log is `$SLM_HOME/annotations/annotations.jsonl`, one line per annotation (who, when),
only ever appended, under a lock so that two people annotating at once both land. Each run's
catalog export copies it to `lake/catalog/annotations.parquet` for the warehouse, where
`fct_annotations` adds the pipeline's own (alerts, exclusions, gaps, incidents, deploys,
definition changes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from ..core.periods import utc_instant
from . import journal

SCHEMA = pa.schema([
    ("annotation_id", pa.string()), ("slo_name", pa.string()), ("service", pa.string()),
    ("from_ts", pa.timestamp("us")), ("to_ts", pa.timestamp("us")), (("note", pa.string())),
    ("who", pa.string()), ("annotated_at", pa.timestamp("us")),
])
MAX_TEXT = 2000


class AnnotationError(ValueError):
    """A refused annotation: one line naming the option."""


def _instant(value: str, option: str) -> dt.datetime:
    try:
        return utc_instant(value, option)
    except ValueError as exc:
        raise AnnotationError(str(exc)) from None


def add_annotation(folder: Path, *, slo: str | None, service: str | None, start: str, end: str, text: str,
                   who: str, now: dt.datetime | None = None) -> dict:
    """Append one annotation (exactly one of `slo` and `service`; [start, end) half-open); return
    the record as written."""
    if bool(slo) == bool(service):
        raise AnnotationError("give exactly one of --slo and --service")
    first, last = _instant(start, "--from"), _instant(end, "--to")
    if last <= first:
        raise AnnotationError(f"--to: {end} is not after --from {start}")
    text = (text or "").strip()
    if not text:
        raise AnnotationError("--text: empty")
    if len(text) > MAX_TEXT:
        raise AnnotationError(f"--text: longer than {MAX_TEXT} characters")
    at = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None)
    record = {"slo_name": slo or None, "service": service or None, "from_ts": first.isoformat(),
              "to_ts": last.isoformat(), "note": text, "who": who, "annotated_at": at.isoformat(timespec="microseconds")}
    return journal.append(folder / "annotations.jsonl", record, "annotation_id")


def read_annotations(folder: Path) -> list[dict]:
    return journal.read(folder / "annotations.jsonl")


def export_annotations(folder: Path, target: Path) -> int:
    """The log as Parquet at `target` (an empty table when there is none): what dbt reads."""
    rows = [{**r, "from_ts": dt.datetime.fromisoformat(r["from_ts"]), "to_ts": dt.datetime.fromisoformat(r["to_ts"]),
             "annotated_at": dt.datetime.fromisoformat(r["annotated_at"])} for r in read_annotations(folder)]
    return journal.export(rows, SCHEMA, target)
