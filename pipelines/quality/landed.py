"""The checks of the landed events of a run's days: their schema and values, their times against
the day their delivery names, repeated trace ids, and freshness. The events are read once per
run (`landed_events_frame`) for all four."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd

from ..core.events import LANDED_COLUMNS
from ..ingest.lake import Lake
from .gx import SAMPLE, validate_frame
from .ledger import ERROR, WARN
from .results import CheckResult, failed_expectations

Window = tuple[dt.date, dt.date] | None
# A landing path that names the day it was delivered for: dt=2026-10-05, date=..., 2026/10/05, 2026-10-05
DELIVERY_DAY_RE = re.compile(r"(?:^|/)(?:(?:dt|date|day)=)?(\d{4})[-/](\d{2})[-/](\d{2})(?:/|$)")



def delivery_day(path: str) -> dt.date | None:
    """The day a landing path says its file was delivered for (dt=YYYY-MM-DD and the like)."""
    found = DELIVERY_DAY_RE.findall(path)
    if not found:
        return None
    try:
        return dt.date(*map(int, found[-1]))
    except ValueError:
        return None


def landed_events_frame(lake: Lake, window: tuple[dt.date, dt.date] | None) -> pd.DataFrame:
    """The landed events of the window, with the landing path of their file and how far (in
    minutes) each event lies outside the day its delivery path names."""
    files = sorted(lake.events.glob("day=*/events.parquet"))
    if window:
        lo, hi = window
        files = [f for f in files if lo.isoformat() <= f.parent.name[4:] < hi.isoformat()]
    if not files:
        return pd.DataFrame()
    deliveries = pd.DataFrame(
        [(e.file_sha256, e.path, delivery_day(e.path)) for e in lake.ledger()],
        columns=["file_sha256", "landing_path", "delivery_day"],
    ).drop_duplicates("file_sha256", keep="last")
    with duckdb.connect() as con:
        con.register("deliveries", deliveries)
        return con.execute("""
            select e.* replace (cast(e.day as varchar) as day), d.landing_path,
                   strftime(e.event_ts, '%Y-%m-%d') as event_day,
                   case
                       when d.delivery_day is null then null
                       when e.event_ts < cast(d.delivery_day as timestamp)
                           then date_diff('minute', e.event_ts, cast(d.delivery_day as timestamp))
                       when e.event_ts >= cast(d.delivery_day as timestamp) + interval 1 day
                           then date_diff('minute', cast(d.delivery_day as timestamp) + interval 1 day, e.event_ts)
                       else 0
                   end as minutes_outside_delivery_day
            from read_parquet(?) as e
            left join deliveries as d using (file_sha256)
            order by e.event_ts, e.file_sha256, e.line
        """, [[str(f) for f in files]]).df()


ROW_EVIDENCE = ("landing_path", "line", "service", "event_ts")


def landed_events_valid(frame: pd.DataFrame, window: Window, home: Path | None) -> CheckResult:
    """Suite `landed_events` (error, blocking): schema, required fields, value ranges, and every
    event inside the day partition it is stored in."""
    if frame.empty:
        return CheckResult("landed_events_valid", True, ERROR, [], {"rows": 0})
    checked = frame[list(LANDED_COLUMNS) + ["event_day", "landing_path"]]
    suite = validate_frame(checked, "landed_events", complete=True, home=home)
    return CheckResult("landed_events_valid", suite.success, ERROR,
                   failed_expectations(suite, checked, ROW_EVIDENCE), {"rows": len(frame)})


def landed_event_times(frame: pd.DataFrame, window: Window, home: Path | None) -> CheckResult:
    """Suite `landed_event_times` (error): events of a delivery whose path names a day
    (dt=YYYY-MM-DD, YYYY/MM/DD, ...) lie within that day, give or take an hour; a file from a host
    with a skewed clock fails. It does not stop the run; it blocks the period's snapshot."""
    if frame.empty:
        return CheckResult("landed_event_times", True, ERROR, [], {"rows": 0})
    suite = validate_frame(frame, "landed_event_times", complete=True, home=home)
    return CheckResult("landed_event_times", suite.success, ERROR,
                   failed_expectations(suite, frame, ROW_EVIDENCE + ("minutes_outside_delivery_day",)),
                   {"rows": len(frame), "rows_with_delivery_day": int(frame["minutes_outside_delivery_day"].notna().sum())})


def landed_event_duplicates(frame: pd.DataFrame, window: Window, home: Path | None) -> CheckResult:
    """Suite `landed_event_duplicates` (warn): the share of events repeating another's trace_id."""
    if frame.empty:
        return CheckResult("landed_event_duplicates", True, WARN, [], {"rows": 0})
    suite = validate_frame(frame[["trace_id"]], "landed_event_duplicates", home=home)
    repeated = frame["trace_id"].dropna()
    repeated = repeated[repeated.duplicated(keep=False)]
    return CheckResult("landed_event_duplicates", suite.success, WARN, failed_expectations(suite), {
        "rows": len(frame), "rows_with_trace_id": int(frame["trace_id"].notna().sum()),
        "rows_sharing_a_trace_id": len(repeated),
        "duplicated_trace_ids": sorted(repeated.unique().tolist())[:SAMPLE],
    })


def freshness_frame(frame: pd.DataFrame, window: tuple[dt.date, dt.date] | None, now: dt.datetime) -> pd.DataFrame:
    """One row: the newest landed event of the window and its lag behind the window's end (or now,
    when the window reaches into the future)."""
    if frame.empty:
        return frame
    newest = pd.Timestamp(frame["event_ts"].max())
    end = pd.Timestamp(window[1]) if window else newest
    reference = min(end, pd.Timestamp(now.replace(tzinfo=None)))
    by_service = frame.groupby("service")["event_ts"].max().sort_index()
    return pd.DataFrame([{
        "newest_event_ts": newest,
        "reference_ts": reference,
        "lag_minutes": max(0.0, (reference - newest).total_seconds() / 60),
        "newest_by_service": {k: pd.Timestamp(v).isoformat() for k, v in by_service.items()},
    }])


def telemetry_fresh(events: pd.DataFrame, window: Window, home: Path | None) -> CheckResult:
    """Suite `telemetry_freshness` (warn): the newest landed event is recent at the window's end."""
    frame = freshness_frame(events, window, dt.datetime.now(dt.timezone.utc))
    if frame.empty:
        return CheckResult("telemetry_fresh", False, WARN,
                       [{"expectation": "events landed", "observed": "none"}], {"rows": 0})
    suite = validate_frame(frame[["lag_minutes"]], "telemetry_freshness", home=home)
    row = frame.iloc[0]
    return CheckResult("telemetry_fresh", suite.success, WARN, failed_expectations(suite), {
        "newest_event": row["newest_event_ts"].isoformat(), "lag_minutes": round(float(row["lag_minutes"]), 1),
        "newest_by_service": row["newest_by_service"],
    })


# --- marts ----------------------------------------------------------------------------------------------
