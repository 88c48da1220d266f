"""A filter that cannot be decided for an event (a field it compares is missing) does not hold:
such an event is outside a total filter, not good under a good filter, and not bad under a bad
filter (OpenSLO's `bad`: good is `not bad`, so undecided counts as good). Each event is judged once
per distinct filter of the SLO versions (int_events_judged); this pins what an undecided judgement
counts as, worked by hand on 13 events.

Service `api`, 2026-10-05 10:00-10:12, one event a minute, all with status 200 unless noted:
6 with latency 100 ms, 2 with latency 500 ms, 3 without latency, and 2 with latency 100 ms and
no status code (outcome `error` only)."""

import json

import duckdb
import pytest


def ratio_slo(name: str, part: str, filter: str, total: str) -> str:
    """An api ratio SLO whose `part` (good or bad) and total are warehouse filters."""
    return f"""---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: api
  indicator:
    metadata: {{name: {name}}}
    spec:
      ratioMetric:
        counter: true
        {part}: {{metricSource: {{type: warehouse, spec: {{filter: "{filter}"}}}}}}
        total: {{metricSource: {{type: warehouse, spec: {{filter: "{total}"}}}}}}
  timeWindow: [{{duration: 7d, isRolling: true}}]
  budgetingMethod: Occurrences
  objectives: [{{target: 0.9}}]
"""


CATALOG = """
apiVersion: openslo/v1
kind: Service
metadata: {name: api}
spec: {}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-latency}
spec:
  service: api
  indicator:
    metadata: {name: api-latency}
    spec:
      thresholdMetric: {metricSource: {type: warehouse, spec: {field: latency_ms}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{op: lte, value: 300, target: 0.9}]
""" + ratio_slo("api-not-failed", "bad", "status_code >= 500", "true") + ratio_slo(
    "api-timed-ok", "good", "status_code < 500", "latency_ms >= 0")


def write_landing(landing):
    events = ([{"latency_ms": 100, "status_code": 200}] * 6 + [{"latency_ms": 500, "status_code": 200}] * 2
              + [{"status_code": 200}] * 3 + [{"latency_ms": 100, "outcome": "error"}] * 2)
    (landing / "api").mkdir(parents=True)
    (landing / "api" / "2026-10-05.jsonl").write_text("".join(
        json.dumps({"timestamp": f"2026-10-05T10:{i:02d}:00Z", "service": "api", **e}) + "\n"
        for i, e in enumerate(events)))


@pytest.fixture(scope="module")
def built(run_scenario, tmp_path_factory):
    return run_scenario(tmp_path_factory.mktemp("undecided"), write_landing, CATALOG)


def test_an_undecided_filter_does_not_hold(built):
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        counted = {name: counts for name, *counts in con.execute(
            """select slo_name, sum(good_events), sum(total_events), sum(records), count(*)
               from intermediate.int_slo_minutes group by slo_name""").fetchall()}
    # (good, total, records, minutes): one event a minute, so a minute row per event counted
    assert counted == {
        # total `true`: all 13; good: latency <= 300, so the 6 + 2 at 100 ms (a missing latency is bad)
        "api-latency": [8.0, 13.0, 13, 13],
        # bad `status_code >= 500` cannot be decided for the 2 without a status: not bad, so good
        "api-not-failed": [13.0, 13.0, 13, 13],
        # total `latency_ms >= 0` leaves out the 3 without latency; of the 10, the 2 without a
        # status are not good. The 3 minutes whose one event is outside the total have no row
        "api-timed-ok": [8.0, 10.0, 10, 10],
    }
