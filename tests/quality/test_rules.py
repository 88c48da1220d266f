"""Row rules counted in SQL agree with Great Expectations row for row, and the landed-events checks
count every offending row of a window while GX sees a bounded frame (issue 15)."""

import datetime as dt
import json
from dataclasses import asdict

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.core.events import LANDED_SCHEMA
from pipelines.ingest.lake import Lake, LedgerEntry
from pipelines.quality.gx import load_suite, validate_frame
from pipelines.quality.landed import (OFFENDING_ROWS, SAMPLE_ROWS, LandedWindow, landed_event_duplicates,
                                      landed_events_valid, validate_rows)
from pipelines.quality.rules import UnsupportedExpectation, row_rules


def edge_frame() -> pd.DataFrame:
    """Values on and around every bound of the landed_events suite, missing values included."""
    n = 12
    return pd.DataFrame({
        "event_ts": pd.date_range("2026-10-05", periods=n, freq="min").astype(object).where(
            np.arange(n) != 3, None),
        "day": ["2026-10-05"] * 10 + [None, "2026-10-05"],
        "service": ["web"] * 5 + [None] + ["web"] * 6,
        "operation": ["/"] * n,
        "status_code": [99, 100, 599, 600, None, 200, 200, 200, 200, 200, 200, 200],
        "outcome": ["ok", "error", "timeout", None, "bad", "OK", "ok", "ok", "ok", "ok", "ok", "ok"],
        "latency_ms": [0.0, -0.001, None, 5.0, 1e9, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0],
        "source": ["server"] * n, "region": [None] * n, "is_probe": [False] * n,
        "sample_rate": [0.0, 1e-9, 1.0, 1.0000001, None, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        "version": [None] * n, "trace_id": [None] * n, "customer": [None] * n, "file_sha256": ["f"] * 7 + [None] + ["f"] * 4,
        "line": list(range(1, n + 1)),
        "event_day": ["2026-10-05"] * 9 + ["2026-10-06", None, None],
        "landing_path": ["web/a.jsonl"] * n,
    })


def test_each_sql_rule_counts_exactly_the_rows_gx_rejects():
    frame = edge_frame()
    rules = row_rules(load_suite("landed_events"))
    assert len(rules) == 8  # every row-level expectation of the suite has a SQL spelling
    outcome = validate_frame(frame, "landed_events", complete=True)
    by_rule = {(o.expectation, o.column): o for o in outcome.outcomes}
    with duckdb.connect() as con:
        con.register("frame", frame)
        for rule in rules:
            rows = [r[0] - 1 for r in con.execute(f"select line from frame where {rule.unexpected} order by line").fetchall()]
            gx = by_rule[(rule.expectation, rule.column)]
            assert (rule.column, rows) == (rule.column, sorted(gx.unexpected_index)), rule
            assert gx.success == (not rows)
    # worked by hand: status 99 and 600; latency -0.001; rate 0.0 and 1.0000001; outcomes "bad" and
    # "OK"; one missing event_ts, service and file; day 10-05 against event_day 10-06 (row 10), and a
    # missing day against a missing event_day (row 11) is skipped, a day against none (row 12) is not
    with duckdb.connect() as con:
        con.register("frame", frame)
        counts = {(r.expectation.split("_to_")[-1], r.column): con.execute(
            f"select count(*) from frame where {r.unexpected}").fetchone()[0] for r in rules}
    assert counts == {("be_between", "status_code"): 2, ("be_between", "latency_ms"): 1,
                      ("be_between", "sample_rate"): 2, ("be_in_set", "outcome"): 2,
                      ("not_be_null", "event_ts"): 1, ("not_be_null", "service"): 1,
                      ("not_be_null", "file_sha256"): 1, ("be_equal", "day"): 2}


def test_a_rule_whose_verdict_needs_every_row_is_refused():
    suite = {"name": "s", "expectations": [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "trace_id", "mostly": 0.9}}]}
    with pytest.raises(UnsupportedExpectation, match="mostly"):
        row_rules(suite)
    with pytest.raises(UnsupportedExpectation, match="expect_column_values_to_match_regex"):
        row_rules({"name": "s", "expectations": [
            {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "service", "regex": "x"}}]})


def write_day(lake: Lake, day: str, n: int, bad_every: int | None = None, repeats: int = 30) -> pd.DataFrame:
    """A day partition written straight into the lake, as the checks read it (bypassing ingest,
    which would quarantine the bad values)."""
    start = np.datetime64(day, "ms")
    status = np.full(n, 200, np.int32)
    if bad_every:
        status[::bad_every] = 700
    table = pa.table({
        "event_ts": pa.array(start + np.arange(n).astype("timedelta64[s]"), pa.timestamp("us")),
        "day": pa.array([dt.date.fromisoformat(day)] * n, pa.date32()),
        "service": ["web"] * n, "operation": [None] * n, "status_code": status, "outcome": [None] * n,
        "latency_ms": np.full(n, 5.0), "source": ["server"] * n, "region": [None] * n,
        "is_probe": [False] * n, "sample_rate": np.full(n, 1.0), "version": [None] * n,
        "trace_id": [f"t{i % (n - repeats)}" for i in range(n)],  # the last `repeats` repeat the first
        "customer": pa.array([None] * n, pa.string()),
        "file_sha256": ["a" * 64] * n, "line": np.arange(1, n + 1),
    }).cast(LANDED_SCHEMA)
    path = lake.partition_path(day)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return table.to_pandas()


def test_every_offending_row_is_counted_while_gx_sees_a_bounded_frame(tmp_path):
    lake = Lake(tmp_path / "lake")
    n = 40_000
    write_day(lake, "2026-10-05", n, bad_every=25)  # 1,600 rows with status 700: more than GX is shown
    window = (dt.date(2026, 10, 5), dt.date(2026, 10, 6))
    with LandedWindow(lake, window) as win:
        assert win.rows == n
        suite, frame = validate_rows(win, "landed_events", list(LANDED_SCHEMA.names) + ["event_day", "landing_path"], None)
        result = landed_events_valid(win, window, None)
        duplicates = landed_event_duplicates(win, window, None)
    assert len(frame) <= OFFENDING_ROWS + SAMPLE_ROWS < n
    [failed] = result.failed
    assert (failed["expectation"], failed["column"], failed["unexpected_count"]) == (
        "expect_column_values_to_be_between", "status_code", n // 25)
    # the first offending rows in time order: lines 1, 26, 51, ...
    assert [r["line"] for r in failed["rows"]] == [1 + 25 * i for i in range(10)]
    assert not result.passed and result.metadata == {"rows": n}
    # 30 trace ids are used twice: 60 of 40,000 rows share one (0.15 % > 0.1 %)
    assert (duplicates.metadata["rows_sharing_a_trace_id"], duplicates.metadata["rows_with_trace_id"]) == (60, n)
    assert duplicates.metadata["duplicated_trace_ids"] == sorted(f"t{i}" for i in range(30))[:10]
    assert not duplicates.passed


def test_a_clean_window_passes(tmp_path):
    lake = Lake(tmp_path / "lake")
    write_day(lake, "2026-10-05", 50_000, repeats=25)
    window = (dt.date(2026, 10, 5), dt.date(2026, 10, 6))
    with LandedWindow(lake, window) as win:
        result = landed_events_valid(win, window, None)
        duplicates = landed_event_duplicates(win, window, None)
    assert result.passed and result.failed == [] and result.metadata == {"rows": 50_000}
    # 50 of 50,000 rows share a trace id: 0.1 %, the suite's line, still passes
    assert duplicates.passed and duplicates.metadata["rows_sharing_a_trace_id"] == 50


def test_the_suites_that_validate_rows_share_one_sample_of_the_window(tmp_path):
    """The sample is drawn once per window (a reservoir reads every column of every event): both
    row suites see the same SAMPLE_ROWS rows of a window larger than that."""
    lake = Lake(tmp_path / "lake")
    n = 25_000
    write_day(lake, "2026-10-05", n, bad_every=5_000)  # 5 offending rows: lines 1, 5001, ...
    window = (dt.date(2026, 10, 5), dt.date(2026, 10, 6))
    columns = list(LANDED_SCHEMA.names) + ["event_day", "landing_path"]
    with LandedWindow(lake, window) as win:
        _, events_frame = validate_rows(win, "landed_events", columns, None)
        _, times_frame = validate_rows(win, "landed_event_times", columns + ["minutes_outside_delivery_day"], None)
        sampled = set(win.frame("select line from sampled")["line"])
    assert len(sampled) == SAMPLE_ROWS < n
    offending = {1 + 5_000 * i for i in range(5)}
    assert set(events_frame["line"]) == sampled | offending  # the sample and every offending row
    assert set(times_frame["line"]) == sampled  # no row of this window lies outside its delivery day


def test_the_sample_carries_each_rows_delivery(tmp_path):
    """The sample is drawn from the stored rows and only then joined to its delivery: every sampled
    row has its landing path, its day as text and its minutes outside the delivery's day."""
    lake = Lake(tmp_path / "lake")
    n = 20_000  # one event a second from 00:00:00: row `line` is at second line - 1
    write_day(lake, "2026-10-05", n)
    lake.ledger_dir.mkdir(parents=True)
    entry = LedgerEntry(file_sha256="a" * 64, path="web/dt=2026-10-04/events.jsonl", size=1, format="jsonl",
                        rows_read=n, rows_landed=n, rows_quarantined=0, days=["2026-10-05"],
                        landed_at="2026-10-06T00:00:00+00:00")
    (lake.ledger_dir / f"{entry.file_sha256}.json").write_text(json.dumps(asdict(entry)))
    window = (dt.date(2026, 10, 5), dt.date(2026, 10, 6))
    with LandedWindow(lake, window) as win:
        win.sample()
        frame = win.frame("select line, day, event_day, landing_path, minutes_outside_delivery_day from sampled")
    assert len(frame) == SAMPLE_ROWS
    # sets and lists, not Series.all(), which skips missing values
    assert set(frame["landing_path"]) == {"web/dt=2026-10-04/events.jsonl"}
    assert set(frame["event_day"]) == set(frame["day"]) == {"2026-10-05"}
    # delivered for the 4th: an event at second s of the 5th lies floor(s / 60) minutes after it
    assert frame["minutes_outside_delivery_day"].tolist() == [(line - 1) // 60 for line in frame["line"]]
