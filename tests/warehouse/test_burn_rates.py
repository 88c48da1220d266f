"""Burn-rate alerting and the deploy gate, on traffic built so that the SRE Workbook's figures
hold: at 99.9 % over 30 days, a 14.4x burn for 1 h spends 2 % of the budget and 6x for 6 h 5 %."""

import datetime as dt
import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

from pipelines.settings import Settings

START = dt.datetime(2026, 10, 1)
DAYS = 30
PER_BUCKET = 1000  # requests every 5 minutes, one record standing for all of them

CATALOG = """
apiVersion: openslo/v1
kind: Service
metadata: {name: api}
spec: {}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: batch}
spec: {}
""" + "".join(f"""---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: {svc}-availability}}
spec:
  service: {svc}
  indicator:
    metadata: {{name: {svc}-ok}}
    spec:
      ratioMetric:
        counter: true
        good: {{metricSource: {{type: warehouse, spec: {{filter: "status_code < 500"}}}}}}
        total: {{metricSource: {{type: warehouse, spec: {{filter: "not is_probe"}}}}}}
  timeWindow: [{{duration: 30d, isRolling: true}}]
  budgetingMethod: Occurrences
  objectives: [{{target: 0.999}}]
""" for svc in ("api", "batch")) + """---
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-inline-paging}
spec:
  service: api
  indicatorRef: api-ok-ref
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
  alertPolicies:
    - kind: AlertPolicy
      metadata: {name: api-six-hours}
      spec:
        alertWhenBreaching: true
        alertWhenResolved: false
        alertWhenNoData: false
        conditions:
          - kind: AlertCondition
            metadata: {name: api-five-x}
            spec: {severity: page, condition: {kind: burnrate, op: gte, threshold: 5, lookbackWindow: 6h}}
        notificationTargets: [{kind: AlertNotificationTarget, metadata: {name: api-pager}, spec: {target: pagerduty}}]
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: api-ok-ref}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: warehouse, spec: {filter: "status_code < 500"}}}
    total: {metricSource: {type: warehouse, spec: {filter: "not is_probe"}}}
"""


def record(ts, service, status, requests):
    return json.dumps({"timestamp": ts.isoformat() + "Z", "service": service, "status_code": status,
                       "sample_rate": 1 / requests})


def bad_share(ts):
    """api's incidents: 1.44 % errors (14.4x at 99.9 %) for an hour, 0.6 % (6x) for six hours."""
    if dt.datetime(2026, 10, 10, 10) <= ts < dt.datetime(2026, 10, 10, 11):
        return 14.4
    if dt.datetime(2026, 10, 20, 0) <= ts < dt.datetime(2026, 10, 20, 6):
        return 6.0
    return 0.0


@pytest.fixture(scope="module")
def burned(tmp_path_factory):
    from pipelines.cli.runner import run_pipeline

    root = tmp_path_factory.mktemp("burn")
    (root / "landing").mkdir()
    api, batch = [], []
    for i in range(DAYS * 288):
        ts = START + dt.timedelta(minutes=5 * i)
        bad = bad_share(ts)
        api.append(record(ts + dt.timedelta(minutes=1), "api", 200, PER_BUCKET - bad))
        if bad:
            api.append(record(ts + dt.timedelta(minutes=2), "api", 503, bad))
        # batch fails completely in the last hour of the month
        failing = ts >= START + dt.timedelta(days=DAYS, hours=-1)
        batch.append(record(ts + dt.timedelta(minutes=1), "batch", 500 if failing else 200, PER_BUCKET))
    (root / "landing" / "api.jsonl").write_text("\n".join(api) + "\n")
    (root / "landing" / "batch.jsonl").write_text("\n".join(batch) + "\n")
    (root / "catalog").mkdir()
    (root / "catalog" / "c.yaml").write_text(textwrap.dedent(CATALOG))
    settings = Settings.resolve(root / "home", str(root / "landing"), root / "catalog")
    outcome = run_pipeline(settings, out=lambda _line: None)
    assert outcome.success, outcome.failed_steps
    return settings


def rows(settings, sql, params=()):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_the_workbook_budget_figures(burned):
    [(total, allowed, bad, consumed)] = rows(burned, """
        select total_events, allowed_bad, actual_bad, budget_consumed from marts.fct_error_budget
        where slo_name = 'api-availability' and as_of = '2026-10-30'""")
    # 30 days x 288 buckets x 1,000 requests = 8,640,000; 0.1 % of that = 8,640 allowed.
    assert (total, allowed) == (pytest.approx(8_640_000), pytest.approx(8640))
    # 12 buckets x 14.4 = 172.8 bad = 2 % of 8,640; 72 buckets x 6 = 432 bad = 5 %.
    assert bad == pytest.approx(172.8 + 432)
    assert consumed == pytest.approx(0.02 + 0.05)


@pytest.mark.parametrize(("at", "window", "burn_long", "burn_short", "firing"), [
    ("2026-10-10 11:00", "1h", 14.4, 14.4, True),    # the whole hour burnt at 14.4x
    ("2026-10-10 10:30", "1h", 7.2, 14.4, False),    # half an hour in: the long window is at 7.2x
    ("2026-10-20 06:00", "6h", 6.0, 6.0, True),      # six hours at 6x
    ("2026-10-20 06:00", "1h", 6.0, 6.0, False),     # 6x is below the 1 h threshold of 14.4x
    # the burn stopped at 06:00: the 6 h window still holds 66 of the 72 bad buckets (66 x 6 / 72 =
    # 5.5x) but the 30 m window is clean, so nothing fires
    ("2026-10-20 06:30", "6h", 5.5, 0.0, False),
])
def test_burn_rates_fire_on_both_windows(burned, at, window, burn_long, burn_short, firing):
    [row] = rows(burned, """select burn_rate_long, burn_rate_short, firing from marts.fct_burn_rate
                            where slo_name = 'api-availability' and evaluated_at = cast(? as timestamp)
                              and long_window = ?""", [at, window])
    assert row == (pytest.approx(burn_long), pytest.approx(burn_short), firing)


def test_alert_episodes_read_like_an_incident_log(burned):
    episodes = rows(burned, """select severity, long_window, short_window, started_at, ended_at, peak_burn_rate
                               from marts.fct_alert_episodes where slo_name = 'api-availability'
                               order by started_at""")
    assert episodes == [
        ("page", "1h", "5m", dt.datetime(2026, 10, 10, 11, 0), dt.datetime(2026, 10, 10, 11, 5), pytest.approx(14.4)),
        ("page", "6h", "30m", dt.datetime(2026, 10, 20, 6, 0), dt.datetime(2026, 10, 20, 6, 5), pytest.approx(6.0)),
    ]


def test_an_alert_policy_written_inline_in_the_slo_replaces_the_default_pairs(burned):
    """OpenSLO v1 lets an SLO carry its AlertPolicy inline (issue 17, item 4): its one condition,
    5x over 6 h (short window 30 m, alertAfter left at its 0m default), is the SLO's only alert."""
    assert rows(burned, """select distinct long_window, short_window from marts.fct_burn_rate
                           where slo_name = 'api-inline-paging'""") == [("6h", "30m")]
    # six hours at 6x >= 5x on both windows; the 14.4x hour is 14.4 x 12 / 72 = 2.4x over 6 h
    [(long, short, firing)] = rows(burned, """select burn_rate_long, burn_rate_short, firing from marts.fct_burn_rate
                                              where slo_name = 'api-inline-paging'
                                                and evaluated_at = timestamp '2026-10-20 06:00'""")
    assert (long, short, firing) == (pytest.approx(6.0), pytest.approx(6.0), True)
    [(long, firing)] = rows(burned, """select burn_rate_long, firing from marts.fct_burn_rate
                                       where slo_name = 'api-inline-paging' and evaluated_at = timestamp '2026-10-10 11:00'""")
    assert (long, firing) == (pytest.approx(2.4), False)


def gate(settings, slo):
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "gate", "--slo", slo, "--home", str(settings.home),
                           "--json"], capture_output=True, text=True)


def test_the_gate_allows_a_healthy_slo(burned):
    result = gate(burned, "api-availability")
    assert result.returncode == 0, result.stdout + result.stderr
    decision = json.loads(result.stdout)
    assert decision["allowed"] and decision["status"] == "healthy"
    assert decision["budget_remaining"] == pytest.approx(0.93)


def test_the_gate_freezes_on_an_exhausted_budget_and_a_fast_burn(burned):
    result = gate(burned, "batch-availability")
    assert result.returncode == 1
    decision = json.loads(result.stdout)
    # 12 buckets x 1,000 failed requests = 12,000 bad > 8,640 allowed; the last hour burns at 1000x
    assert not decision["allowed"] and decision["status"] == "exhausted"
    assert decision["budget_remaining"] == pytest.approx(1 - 12000 / 8640)
    # 12,000 bad requests at the end: 1 h window 12,000/12,000 = 100 % -> 1000x; 6 h 12,000/72,000
    # -> 166.7x; 1 d 12,000/288,000 -> 41.7x; 3 d 12,000/864,000 -> 13.9x: every pair fires
    firing = {(a["severity"], a["long_window"]): a["burn_rate_long"] for a in decision["firing"]}
    assert firing == {("page", "1h"): pytest.approx(1000), ("page", "6h"): pytest.approx(1000 / 6),
                      ("ticket", "1d"): pytest.approx(1000 / 24), ("ticket", "3d"): pytest.approx(1000 / 72)}
    # only pages freeze a deploy
    assert [r.split(":")[0] for r in decision["reasons"]] == [
        "error budget exhausted", "fast burn firing", "fast burn firing"]


def test_the_gate_names_an_unknown_slo(burned):
    result = gate(burned, "nope")
    assert result.returncode == 1 and result.stderr.startswith("slm: error: no SLO named 'nope'")
