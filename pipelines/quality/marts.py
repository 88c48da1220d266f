"""The checks of the marts for a run's days: telemetry gaps, telemetry volume, and the daily SLIs'
own sanity. They read the warehouse read-only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd

from .gx import validate_frame
from .ledger import ERROR, WARN
from .results import CheckResult, failed_expectations

Window = tuple[dt.date, dt.date] | None


def mart_frame(warehouse: Path, sql: str, params: list) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params).df()


def _window_params(window: tuple[dt.date, dt.date] | None) -> tuple[str, list]:
    return ("where day >= ? and day < ?", list(window)) if window else ("", [])


def telemetry_complete(warehouse: Path, window: Window, home: Path | None) -> CheckResult:
    """Suite `telemetry_completeness` (warn): no telemetry gap in the window; lists the gaps."""
    where, params = ("where gap_start < ? and gap_end > ?", [window[1], window[0]]) if window else ("", [])
    frame = mart_frame(warehouse, f"""
        select service, source, gap_start, gap_end, gap_minutes, expected_records, expected_by
        from marts.fct_telemetry_gaps {where} order by service, source, gap_start""", params)
    suite = validate_frame(frame, "telemetry_completeness", home=home)
    gaps = json.loads(frame.to_json(orient="records", date_format="iso"))
    return CheckResult("telemetry_complete", suite.success, WARN, failed_expectations(suite), {
        "gaps": len(frame), "gap_minutes": int(frame["gap_minutes"].sum()) if len(frame) else 0,
        "services_with_gaps": ", ".join(sorted(set(frame["service"]))) or "none",
        "gap_list": gaps[:50],
    })


def telemetry_volume(warehouse: Path, window: Window, home: Path | None) -> CheckResult:
    """Suite `telemetry_volume` (warn): each source's daily records within half and twice the
    median of the same weekday in the previous weeks."""
    where, params = _window_params(window)
    frame = mart_frame(warehouse, f"""
        select service, source, day, records, baseline_records, baseline_weeks, volume_ratio
        from marts.fct_telemetry_volume {where} order by service, source, day""", params)
    suite = validate_frame(frame, "telemetry_volume", complete=True, home=home)
    return CheckResult("telemetry_volume", suite.success, WARN,
                   failed_expectations(suite, frame, ("service", "source", "day", "records", "baseline_records", "volume_ratio")),
                   {"days_checked": len(frame), "days_with_baseline": int(frame["volume_ratio"].notna().sum())})


def sli_daily_valid(warehouse: Path, window: Window, home: Path | None) -> CheckResult:
    """Suite `fct_sli_daily` (error): ratios in [0, 1] and good never above total."""
    where, params = _window_params(window)
    frame = mart_frame(warehouse, f"""
        select slo_name, day, round(good_events, 6) as good_events, round(total_events, 6) as total_events,
               round(sli, 9) as sli, round(sli_adjusted, 9) as sli_adjusted, round(coverage, 9) as coverage
        from marts.fct_sli_daily {where} order by slo_name, day""", params)
    suite = validate_frame(frame, "fct_sli_daily", complete=True, home=home)
    return CheckResult("sli_daily_valid", suite.success, ERROR,
                   failed_expectations(suite, frame, ("slo_name", "day", "good_events", "total_events")), {"rows": len(frame)})
