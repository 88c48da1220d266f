"""SLO reviews (issue 20): the decision a team took on an SLO at its review (keep, tighten, loosen,
retire), with a note, who and when. The log is `$SLM_HOME/reviews/reviews.jsonl`, only ever
appended (`journal`); each run exports it to `lake/catalog/reviews.parquet`, where
`fct_slo_reviews` sets it against each SLO's cadence, and every audit snapshot keeps it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from . import journal

DECISIONS = ("keep", "tighten", "loosen", "retire")
LOG = "reviews.jsonl"
SCHEMA = pa.schema([
    ("review_id", pa.string()), ("slo_name", pa.string()), ("decision", pa.string()), ("note", pa.string()),
    ("who", pa.string()), ("reviewed_at", pa.timestamp("us")),
])
MAX_TEXT = 2000


class ReviewError(ValueError):
    """A refused review: one line naming the option."""


def add_review(folder: Path, *, slo: str, decision: str, note: str, who: str, known: set[str],
               now: dt.datetime | None = None) -> dict:
    """Append one review of `slo` (one of the catalog's `known` SLO names); return it as written."""
    if slo not in known:
        raise ReviewError(f"--slo: no SLO named {slo!r} in the catalog (known: {', '.join(sorted(known)) or 'none'})")
    if decision not in DECISIONS:
        raise ReviewError(f"--decision: one of {', '.join(DECISIONS)}, got {decision!r}")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ReviewError(f"--note: longer than {MAX_TEXT} characters")
    at = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None)
    record = {"slo_name": slo, "decision": decision, "note": note, "who": who,
              "reviewed_at": at.isoformat(timespec="microseconds")}
    return journal.append(folder / LOG, record, "review_id")


def export_reviews(folder: Path, target: Path) -> int:
    rows = [{**r, "reviewed_at": dt.datetime.fromisoformat(r["reviewed_at"])} for r in journal.read(folder / LOG)]
    return journal.export(rows, SCHEMA, target)
