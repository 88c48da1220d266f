"""Data quality (issue 6): a clean, deterministic fortnight of telemetry with known defects
injected, run through the whole pipeline. Each test asserts exactly which rows, minutes and days
are flagged and that nothing clean is; expected figures are worked out here from the same data.

    steady     server, one request every 6 s (10 a minute), 2026-10-01 (Thu) .. 10-15 (Thu), one
               delivery per day under dt=YYYY-MM-DD; every 1000th request fails. Defects:
               - 10-10 09:00-12:00: no telemetry (a 3-hour gap);
               - 10-12: 3 records with a negative latency (lines 5, 6, 7 of that day's file);
               - 10-13: 500 of the day's records re-sent in a second file (duplicate trace_ids);
               - 10-14: a host with its clock a day ahead delivers 20 records stamped 10-15 03:00+;
               - 10-15: 10 % of the normal volume (one request a minute).
               The 10-02 delivery also holds one record of 10-03 00:00:30 (written at midnight:
               inside the hour of tolerance, not a skew).
    nightowl   server, one request a minute from 08:00 to 19:59 only: quiet nights are not gaps.
    api        10-15 only: a load balancer and a server each log a request every 30 s; the server
               log stops from 14:00 to 15:00 while the load balancer keeps counting. A synthetic
               prober checks it every 10 s all day: its probes are records, not requests, so the
               server is expected to have seen the load balancer's 2 a minute, not the prober's 6.
               The server also logs a health check every 30 s (a probe, not a request): its mean
               sample rate is that of its real records (1), not halved by the probes.
"""

import datetime as dt
import json
import textwrap
from decimal import Decimal

import duckdb
import pytest

from pipelines.settings import Settings

DAYS = [dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(15)]
GAP = (dt.datetime(2026, 10, 10, 9), dt.datetime(2026, 10, 10, 12))
NEGATIVE_LINES = (5, 6, 7)

CATALOG = """
apiVersion: openslo/v1
kind: Service
metadata: {name: steady}
spec: {}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: nightowl}
spec: {}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: api}
spec: {}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: steady-availability}
spec:
  service: steady
  indicator:
    metadata: {name: steady-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: warehouse, spec: {filter: "status_code < 500"}}}
        total: {metricSource: {type: warehouse, spec: {filter: "true"}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
""" + "".join(f"""---
apiVersion: slm/v1
kind: Contract
metadata: {{name: steady-{policy}}}
spec:
  customer: Example {policy}
  slo: steady-availability
  period: month
  fee: {{amount: 1000, currency: EUR}}
  creditTiers: [{{below: 99.9, creditPercent: 10}}]
  creditCapPercent: 100
  exclusionKinds: []
  missingData: {policy}
""" for policy in ("good", "bad", "excluded"))


def record(ts: dt.datetime, service: str, n: int, **extra) -> dict:
    return {"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "service": service,
            "status_code": 500 if n % 1000 == 999 else 200, "latency_ms": 12.5, "trace_id": f"{service}-{n}", **extra}


def steady_day(day: dt.date, counter: list[int]) -> list[dict]:
    start = dt.datetime.combine(day, dt.time())
    step = 60 if day == dt.date(2026, 10, 15) else 6
    out = []
    for s in range(0, 86_400, step):
        ts = start + dt.timedelta(seconds=s)
        if GAP[0] <= ts < GAP[1]:
            continue
        out.append(record(ts, "steady", counter[0]))
        counter[0] += 1
    return out


def write_landing(landing) -> dict:
    """Writes the landing zone; returns what the tests need to know about it."""
    def put(rel, records):
        path = landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in records))

    counter, by_day = [0], {}
    for day in DAYS:
        records = steady_day(day, counter)
        if day == dt.date(2026, 10, 2):
            records.append(record(dt.datetime(2026, 10, 3, 0, 0, 30), "steady", 10**7))
        if day == dt.date(2026, 10, 12):
            for line in NEGATIVE_LINES:
                records[line - 1]["latency_ms"] = -5
        by_day[day] = records
        put(f"steady/dt={day}/events.jsonl", records)
    resent = by_day[dt.date(2026, 10, 13)][1000:1500]
    put("steady/dt=2026-10-13/resend.jsonl", resent)
    skewed = [record(dt.datetime(2026, 10, 15, 3, i), "steady", 2 * 10**7 + i) for i in range(20)]
    put("steady/dt=2026-10-14/host-b.jsonl", skewed)

    night = [record(dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=m), "nightowl", i * 720 + m)
             for i, day in enumerate(DAYS) for m in range(12 * 60)]
    put("nightowl/events.jsonl", night)

    day = dt.datetime(2026, 10, 15)
    lb = [record(day + dt.timedelta(seconds=30 * i), "api", i, source="loadbalancer") for i in range(2880)]
    server = [record(day + dt.timedelta(seconds=30 * i), "api", 10**5 + i, source="server") for i in range(2880)
              if not 14 * 120 <= i < 15 * 120]
    prober = [record(day + dt.timedelta(seconds=10 * i), "api", 2 * 10**5 + i, source="prober", is_probe=True)
              for i in range(8640)]
    health = [record(day + dt.timedelta(seconds=30 * i + 15), "api", 3 * 10**5 + i, source="server", is_probe=True)
              for i in range(2880) if not 14 * 120 <= i < 15 * 120]
    put("api/events.jsonl", lb + server + prober + health)
    steady_landed = [r for d in DAYS for r in by_day[d] if r["latency_ms"] >= 0] + resent + skewed
    return {"resent": resent, "skewed": skewed, "steady_landed": steady_landed}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from pipelines.cli.runner import run_pipeline

    root = tmp_path_factory.mktemp("quality")
    landing, catalog = root / "landing", root / "catalog"
    facts = write_landing(landing)
    catalog.mkdir()
    (catalog / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    settings = Settings.resolve(root / "home", str(landing), catalog)
    outcome = run_pipeline(settings, out=lambda line: None)
    assert outcome.success, outcome.failed_steps
    return settings, outcome, facts


def rows(settings, sql, params=()):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def checks(outcome):
    return {c.name: c for c in outcome.checks}


def test_exactly_the_silent_minutes_are_gaps(run):
    settings, outcome, _ = run
    gaps = rows(settings, """select service, source, gap_start, gap_end, gap_minutes, expected_records, expected_by
                             from marts.fct_telemetry_gaps order by service""")
    assert gaps == [
        # the load balancer kept counting 2 requests a minute; the server logs every request:
        # 60 minutes x 2 = 120 records expected, seen by the other source (the prober's 6 probes a
        # minute are not requests: counted as such, 360 would be expected; nor do the server's own
        # health checks halve its sample rate: 60 would be expected)
        ("api", "server", dt.datetime(2026, 10, 15, 14), dt.datetime(2026, 10, 15, 15), 60, 120.0, "mirror"),
        # the 7 days before 10-10 all had 600 records in each of the hours 09-11: 3 x 600 expected
        ("steady", "server", *GAP, 180, 1800.0, "pattern"),
    ]
    # nightowl's nights, the load balancer, 10-15's one-a-minute day: never a gap
    flagged = rows(settings, """select service, source, count(*) from intermediate.int_source_minutes_classified
                                where is_gap group by all order by all""")
    assert flagged == [("api", "server", 60), ("steady", "server", 180)]
    gap_check = checks(outcome)["telemetry_complete"]
    assert not gap_check.passed and gap_check.severity == "WARN"


def test_coverage_counts_expected_minutes_only(run):
    settings, _, _ = run
    got = dict(((d, (e, g, c))) for d, e, g, c in rows(settings, """
        select day, expected_minutes, gap_minutes, coverage from marts.fct_sli_daily
        where slo_name = 'steady-availability'"""))
    # every minute of 10-10 was expected (records or the pattern); 180 of them were missing
    assert got[dt.date(2026, 10, 10)] == (1440, 180, pytest.approx(1 - 180 / 1440))
    assert {d: v for d, v in got.items() if d != dt.date(2026, 10, 10)} == {
        d: (1440, 0, 1.0) for d in DAYS if d != dt.date(2026, 10, 10)}
    (budget_coverage,), = rows(settings, """select coverage from marts.fct_error_budget
                                          where slo_name = 'steady-availability' and as_of = '2026-10-15'""")
    assert budget_coverage == pytest.approx(1 - 180 / (15 * 1440))


def test_the_missing_data_policy_decides_how_gap_minutes_count(run):
    settings, _, facts = run
    landed = facts["steady_landed"]
    total = len(landed)
    good = sum(1 for r in landed if r["status_code"] < 500)
    expected, gap = 15 * 1440, 180
    # gap minutes carry the period's observed events per covered minute, to 6 decimals
    imputed = (Decimal(total) * gap / (expected - gap)).quantize(Decimal("0.000001"))
    got = {name: (Decimal(str(imp)), Decimal(str(cg)), Decimal(str(ct)), att, md, cov)
           for name, imp, cg, ct, att, md, cov in rows(settings, """
        select contract_name, imputed_events, counted_good_events, counted_total_events, attained_pct,
               missing_data, coverage
        from marts.fct_sla_compliance""")}
    assert got["steady-excluded"][:3] == (0, good, total)
    assert got["steady-bad"][:3] == (imputed, good, total + imputed)
    assert got["steady-good"][:3] == (imputed, good + imputed, total + imputed)
    assert got["steady-bad"][3] == pytest.approx(100 * float(good / (total + imputed)))
    assert got["steady-good"][3] == pytest.approx(100 * float((good + imputed) / (total + imputed)))
    assert {name: v[4] for name, v in got.items()} == {f"steady-{p}": p for p in ("good", "bad", "excluded")}
    assert [v[5] for v in got.values()] == [pytest.approx(1 - gap / expected)] * 3


def test_negative_latencies_are_quarantined_with_file_and_line(run):
    settings, _, _ = run
    with duckdb.connect() as con:
        got = con.execute(f"""
            select l.path, q.line, q.reason
            from read_parquet('{settings.lake}/quarantine/*.parquet') q
            join read_json('{settings.lake}/ledger/*.json') l on q.file_sha256 = l.file_sha256
            order by all""").fetchall()
    assert got == [("steady/dt=2026-10-12/events.jsonl", line, "latency_ms: -5 is negative") for line in NEGATIVE_LINES]


def test_duplicate_trace_ids_are_flagged_with_their_values(run):
    _, outcome, facts = run
    dup = checks(outcome)["landed_event_duplicates"]
    ids = sorted(r["trace_id"] for r in facts["resent"])
    assert not dup.passed and dup.severity == "WARN"
    # each re-sent record and its original share a trace_id: 2 x 500 rows
    assert dup.metadata["rows_sharing_a_trace_id"] == 1000
    assert dup.metadata["duplicated_trace_ids"] == ids[:10]
    [failed] = dup.metadata["failed_expectations"]
    # validated as one row counted over the window: 1,000 of the rows with a trace_id share it
    assert (failed["expectation"], failed["column"], failed["unexpected_count"]) == (
        "expect_column_values_to_be_between", "share_sharing_a_trace_id", 1)
    assert float(failed["sample"][0]) == pytest.approx(1000 / dup.metadata["rows_with_trace_id"])


def test_a_clock_skewed_file_is_flagged_row_by_row(run):
    _, outcome, facts = run
    times = checks(outcome)["landed_event_times"]
    assert not times.passed and times.severity == "ERROR"
    [failed] = times.metadata["failed_expectations"]
    # the 20 records of host-b, 180 to 199 minutes after the end of 10-14; the midnight record
    # of the 10-02 delivery is within the hour of tolerance and is not among them
    assert failed["unexpected_count"] == len(facts["skewed"]) == 20
    assert [(r["landing_path"], r["line"], r["minutes_outside_delivery_day"]) for r in failed["rows"]] == [
        ("steady/dt=2026-10-14/host-b.jsonl", i + 1, 180 + i) for i in range(10)]


def test_a_day_at_a_tenth_of_its_volume_is_flagged_and_nothing_else(run):
    settings, outcome, _ = run
    volume = checks(outcome)["telemetry_volume"]
    assert not volume.passed and volume.severity == "WARN"
    [failed] = volume.metadata["failed_expectations"]
    # 10-15 (a Thursday) against the Thursdays 10-01 and 10-08 (14,400 records each): 1,440 a
    # minute's worth plus the 20 skewed records = 1,460 -> 0.1014; the only day with two weeks of
    # history, nightowl's 10-15 (720 = its median) passes
    assert failed["unexpected_count"] == 1
    [row] = failed["rows"]
    assert (row["service"], row["day"][:10], row["records"], row["baseline_records"]) == (
        "steady", "2026-10-15", 1460, 14400.0)
    judged = rows(settings, """select service, day, round(volume_ratio, 4) from marts.fct_telemetry_volume
                               where volume_ratio is not null order by all""")
    assert judged == [("nightowl", dt.date(2026, 10, 15), 1.0), ("steady", dt.date(2026, 10, 15), 0.1014)]


def test_clean_checks_pass_and_results_reach_data_docs(run):
    settings, outcome, _ = run
    by_name = checks(outcome)
    assert by_name["landed_events_valid"].passed and by_name["sli_daily_valid"].passed
    assert by_name["telemetry_fresh"].passed  # the newest record is 10-15 23:59, the window ends 10-16
    index = settings.quality / "data_docs" / "index.html"
    html = index.read_text()
    for suite in ("landed_events", "landed_event_times", "landed_event_duplicates", "telemetry_volume"):
        assert suite in html
    # every suite the run validated has its page (one Data Docs build per check step)
    pages = settings.quality / "data_docs" / "validations"
    assert sorted(p.name for p in pages.iterdir() if list(p.rglob("*.html"))) == sorted(
        ["landed_events", "landed_event_times", "landed_event_duplicates", "telemetry_freshness",
         "telemetry_completeness", "telemetry_volume", "fct_sli_daily"])
    recorded = [json.loads(line) for line in (settings.quality / "checks.jsonl").read_text().splitlines()]
    assert {r["check"]: r["passed"] for r in recorded} == {name: c.passed for name, c in by_name.items()
                                                           if name in {r["check"] for r in recorded}}
    assert len({r["check"] for r in recorded}) == 7


def test_slm_run_ends_non_zero_on_an_error_level_failure_with_the_marts_built(run, capsys):
    import click

    from pipelines.cli.app import finish

    settings, outcome, _ = run
    assert outcome.success  # every step ran: the marts are there
    with pytest.raises(click.ClickException) as exc:
        finish(settings, outcome, None)  # what `slm run` does with the outcome
    assert exc.value.message.startswith(
        "error-level data-quality check(s) failed: landed_events/landed_event_times; the marts are built")
    assert "marts/fct_telemetry_gaps/telemetry_complete: FAILED (warn)" in capsys.readouterr().out


def test_a_failed_error_check_blocks_the_snapshot_until_overridden(run):
    from pipelines.audit.snapshot import SnapshotError, create_snapshot

    from click.testing import CliRunner

    from pipelines.cli import main

    settings, _, _ = run
    refused = CliRunner().invoke(main, ["snapshot", "create", "--period", "2026-10", "--home", str(settings.home)])
    assert refused.exit_code == 1
    assert refused.output.startswith("slm: error: error-level data-quality check(s) failed for this period: "
                                     "landed_event_times") and refused.output.count("\n") == 1
    with pytest.raises(SnapshotError, match=r"landed_event_times \(2026-10-01\.\.2026-10-16\).*--override-reason"):
        create_snapshot(settings, "2026-10")
    assert not settings.snapshots.exists() or not list(settings.snapshots.glob("0*"))
    info = create_snapshot(settings, "2026-10", created_by="c.officer",
                           override_reason="host-b clock fixed; its 20 records are known and immaterial")
    quality = info.manifest["data_quality"]
    assert quality["override"]["reason"] == "host-b clock fixed; its 20 records are known and immaterial"
    assert (quality["override"]["by"], quality["override"]["failed_checks"]) == ("c.officer", ["landed_event_times"])
    assert quality["warnings"] == ["landed_event_duplicates", "telemetry_complete", "telemetry_volume"]
    assert {c["check"] for c in quality["checks"]} == {
        "landed_events_valid", "landed_event_times", "landed_event_duplicates", "telemetry_fresh",
        "telemetry_complete", "telemetry_volume", "sli_daily_valid"}
