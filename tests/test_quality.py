import datetime as dt

import pandas as pd

from pipelines.quality import gaps_by_service, validate_frame


def landed(**overrides) -> pd.DataFrame:
    n = 5
    base = {
        "event_ts": pd.date_range("2026-10-05", periods=n, freq="min"), "day": [dt.date(2026, 10, 5)] * n,
        "service": ["web"] * n, "operation": ["/"] * n, "status_code": [200] * n, "outcome": [None] * n,
        "latency_ms": [10.0] * n, "source": ["server"] * n, "region": [None] * n, "is_probe": [False] * n,
        "sample_rate": [1.0] * n, "version": [None] * n, "trace_id": [None] * n, "file_sha256": ["f"] * n,
        "line": list(range(1, n + 1)),
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


def test_missing_hours_are_listed_by_service():
    frame = pd.DataFrame({
        "service": ["catalog"] * 4 + ["web"] * 2,
        "hour_ts": pd.to_datetime(["2026-10-27 08:00", "2026-10-27 09:00", "2026-10-27 10:00", "2026-10-27 11:00",
                                   "2026-10-27 03:00", "2026-10-27 04:00"]),
        "records": [40, 0, 0, 12, 0, 3],
        # web at 03:00 is a quiet night hour nobody expected: not a gap
        "is_expected": [True, True, True, True, False, True],
    })
    outcome = validate_frame(frame, "telemetry_completeness", complete=True)
    assert not outcome.success
    missing = gaps_by_service(frame, [i for o in outcome.failed for i in o.unexpected_index])
    assert missing == {"catalog": ["2026-10-27T09:00", "2026-10-27T10:00"]}
