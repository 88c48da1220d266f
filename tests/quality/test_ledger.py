import datetime as dt

import pandas as pd

from pipelines.quality import CheckRecord, checks_for_period, delivery_day, record_check, validate_frame


def landed(**overrides) -> pd.DataFrame:
    n = 5
    base = {
        "event_ts": pd.date_range("2026-10-05", periods=n, freq="min"), "day": ["2026-10-05"] * n,
        "service": ["web"] * n, "operation": ["/"] * n, "status_code": [200] * n, "outcome": [None] * n,
        "latency_ms": [10.0] * n, "source": ["server"] * n, "region": [None] * n, "is_probe": [False] * n,
        "sample_rate": [1.0] * n, "version": [None] * n, "trace_id": [None] * n, "customer": [None] * n, "file_sha256": ["f"] * n,
        "line": list(range(1, n + 1)), "event_day": ["2026-10-05"] * n, "landing_path": ["web/a.jsonl"] * n,
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_clean_landed_events_pass():
    outcome = validate_frame(landed(), "landed_events")
    assert outcome.success and outcome.failed == []


def test_defects_fail_with_counts_and_the_offending_values():
    outcome = validate_frame(landed(latency_ms=[10.0, -1.0, -2.5, 4.0, 5.0],
                                    status_code=[200, 700, 200, 200, 200],
                                    sample_rate=[1.0, 1.0, 0.0, 1.0, 1.0]), "landed_events")
    assert not outcome.success
    failed = {(o.column, o.unexpected_count, tuple(sorted(o.unexpected_sample))) for o in outcome.failed}
    assert failed == {("latency_ms", 2, (-2.5, -1.0)), ("status_code", 1, (700,)), ("sample_rate", 1, (0.0,))}


def test_an_event_outside_its_partition_fails():
    outcome = validate_frame(landed(event_day=["2026-10-05"] * 4 + ["2026-10-06"]), "landed_events", complete=True)
    [failed] = outcome.failed
    assert (failed.expectation, failed.unexpected_count, failed.unexpected_index) == (
        "expect_column_pair_values_to_be_equal", 1, [4])


def test_delivery_days_are_read_from_common_landing_layouts():
    assert delivery_day("web/dt=2026-10-05/part-0.jsonl") == dt.date(2026, 10, 5)
    assert delivery_day("web/2026/10/05/access.log") == dt.date(2026, 10, 5)
    assert delivery_day("web/2026-10-05/access.log") == dt.date(2026, 10, 5)
    assert delivery_day("web/date=2026-02-30/x.log") is None  # not a day
    assert delivery_day("web/access-2026-10-05.log") is None  # a file name, not a folder
    assert delivery_day("web/access.log") is None


def test_the_newest_outcome_per_check_and_day_decides(tmp_path):
    def rec(check, passed, start, end, at, severity="ERROR"):
        return CheckRecord(check, severity, passed, start, end, f"run-{at}", f"2026-11-0{at}T00:00:00+00:00", [])

    record_check(tmp_path, rec("times", False, "2026-10-01", "2026-11-01", 1))  # the month failed
    record_check(tmp_path, rec("times", True, "2026-10-05", "2026-10-06", 2))  # 10-05 re-run: fixed
    record_check(tmp_path, rec("volume", False, "2026-09-30", "2026-10-01", 3, "WARN"))  # before October
    got = checks_for_period(tmp_path, dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    # the first run still speaks for the other 30 days; the September run is not about October
    assert [(r.check, r.passed, r.run_id) for r in got] == [("times", False, "run-1"), ("times", True, "run-2")]
    got = checks_for_period(tmp_path, dt.date(2026, 10, 5), dt.date(2026, 10, 6))
    assert [(r.check, r.passed) for r in got] == [("times", True)]
