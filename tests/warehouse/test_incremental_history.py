"""The models that read history (the telemetry-gap grid, coverage, the canary mart, the budget's
day sums) are incremental (issue 15): a home built day by day, with a silence that runs across a
midnight and across the end of a run, another service's silence across the midnight before, and
an incident that lands after the day it covers, must hold exactly the rows of a home built in one
run."""

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Settings

FIRST = dt.date(2026, 9, 1)
DAYS = 10
# one record a minute, two silences of 25 minutes (25 expected records: gaps, >= 20) across a
# midnight; judged on one side of it alone, neither would be (10 or 15 expected records)
SILENCES = [(dt.datetime(2026, 9, 8, 23, 45), dt.datetime(2026, 9, 9, 0, 10)),    # inside the first run
            (dt.datetime(2026, 9, 9, 23, 50), dt.datetime(2026, 9, 10, 0, 15))]   # across its end
# another service's silence across the midnight before the first one's, from its last minute:
# day 10's run re-judges steady from 9-08 (its silence runs into 9-09), and must read other's from
# 9-07 to judge it whole (1 + 19 expected records: a gap at the threshold, none on 9-08 alone)
OTHER_SILENCE = (dt.datetime(2026, 9, 7, 23, 59), dt.datetime(2026, 9, 8, 0, 19))
# a postmortem that lands with day 10 and covers two of day 3's bad minutes (09:42 and 11:19,
# minutes 582 and 679 of the day): 9-03 is attributed again
INCIDENT = {"id": "INC-3", "title": "steady 5xx", "services": ["steady"], "severity": "sev2",
            "started_at": "2026-09-03T09:40:00Z", "detected_at": "2026-09-03T09:45:00Z",
            "mitigated_at": "2026-09-03T11:00:00Z", "resolved_at": "2026-09-03T11:20:00Z", "url": "https://inc/3"}

# a contract in Tokyo's local days (listed, not computed) puts UTC+9 among the zones coverage is
# counted in: a local day there starts at 15:00 UTC the day before, so a day-by-day build must
# read the UTC day before the first local day it recomputes
TOKYO_CONTRACT = """
---
apiVersion: slm/v1
kind: Contract
metadata: {name: tokyo}
spec:
  slo: steady-availability
  timeZone: Asia/Tokyo
  fee: {amount: 100, currency: JPY}
  creditTiers: [{below: 99, creditPercent: 10}]
"""

TABLES = ["intermediate.int_source_minutes_gridded", "intermediate.int_source_hours_profiled",
          "intermediate.int_source_minutes_expected", "intermediate.int_source_minutes_classified",
          "intermediate.int_service_coverage_daily", "marts.fct_telemetry_gaps", "marts.fct_sli_by_version",
          "marts.fct_sli_daily", "intermediate.int_slo_bad_events_summed", "marts.fct_budget_attribution"]


def write_day(landing: Path, day: dt.date) -> None:
    start = dt.datetime.combine(day, dt.time())
    for service, silences in (("steady", SILENCES), ("other", [OTHER_SILENCE])):
        lines = []
        for i in range(1440):
            ts = start + dt.timedelta(minutes=i)
            if any(start <= ts < end for start, end in silences):
                continue
            # a canary version serves the first hour of each day
            version = "v2" if i < 60 else "v1"
            lines.append(json.dumps({"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "service": service,
                                     "status_code": 500 if i % 97 == 0 else 200, "version": version}))
        (landing / f"{service}-{day}.jsonl").write_text("\n".join(lines) + "\n")


def fingerprint(settings: Settings) -> dict[str, tuple[int, str]]:
    from conftest import table_fingerprint

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return {t: table_fingerprint(con, t) for t in TABLES}


@pytest.fixture(scope="module")
def homes(tmp_path_factory, catalog_of):
    from pipelines.cli.runner import run_pipeline

    root = tmp_path_factory.mktemp("incremental")
    (root / "catalog").mkdir()
    (root / "catalog" / "catalog.yaml").write_text(catalog_of("steady", "other") + TOKYO_CONTRACT)
    days = [FIRST + dt.timedelta(days=i) for i in range(DAYS)]
    whole, stepped = root / "whole", root / "stepped"
    for landing in (whole, stepped):
        landing.mkdir()
    for day in days:
        write_day(whole, day)
    (whole / "incidents").mkdir()
    (whole / "incidents" / "postmortem.jsonl").write_text(json.dumps(INCIDENT) + "\n")
    at_once = Settings.resolve(root / "home-whole", str(whole), root / "catalog")
    assert run_pipeline(at_once, out=lambda _: None).success
    # day by day: nine days (the first silence lies inside them, the second starts at their
    # end), then day 10 alone, with the postmortem: it re-judges from the first day of the
    # silences that run into day 9 (9-08, steady's) and reads from the first day of those that run
    # into 9-08 (9-07, other's)
    by_day = Settings.resolve(root / "home-stepped", str(stepped), root / "catalog")
    for day in days[:9]:
        write_day(stepped, day)
    assert run_pipeline(by_day, out=lambda _: None).success
    for service in ("steady", "other"):
        shutil.copy(whole / f"{service}-{days[9]}.jsonl", stepped)
    shutil.copytree(whole / "incidents", stepped / "incidents")
    assert run_pipeline(by_day, days[9].isoformat(), days[9].isoformat(), out=lambda _: None).success
    return at_once, by_day


def test_each_silence_across_midnight_is_one_gap_of_25_minutes_judged_whole(homes):
    at_once, _ = homes
    with duckdb.connect(str(at_once.warehouse), read_only=True) as con:
        gaps = con.execute("select gap_start, gap_end, gap_minutes, expected_records from marts.fct_telemetry_gaps "
                           "order by gap_start").fetchall()
    # the pattern expects the mean of the same hour over the 7 days before, per minute: 60 records
    # an hour before the first silence; its 45 and 50 records at 23:00 and 00:00 are in the means
    # the second silence is judged by
    second = round(10 * (6 * 60 + 45) / 7 / 60 + 15 * (6 * 60 + 50) / 7 / 60, 3)
    assert second == 24.286
    # other's: one record expected on 9-07 (six days known) and 19 on 9-08
    assert gaps == [(*OTHER_SILENCE, 20, 20.0), (*SILENCES[0], 25, 25.0), (*SILENCES[1], 25, second)]


def test_a_home_built_day_by_day_equals_one_built_at_once(homes):
    at_once, by_day = homes
    whole, stepped = fingerprint(at_once), fingerprint(by_day)
    assert whole["intermediate.int_source_minutes_gridded"][0] == 2 * 10 * 1440
    assert whole["marts.fct_sli_by_version"][0] == 2 * 2 * DAYS
    with duckdb.connect(str(at_once.warehouse), read_only=True) as con:
        zones = con.execute("select time_zone, count(*) from intermediate.int_service_coverage_daily "
                            "group by 1 order by 1").fetchall()
    assert zones == [("Asia/Tokyo", 2 * (DAYS + 1)), ("UTC", 2 * DAYS)]  # Tokyo's days straddle the UTC ones
    for table in TABLES:
        assert stepped[table] == whole[table], table


def test_one_new_day_re_judges_from_the_silences_that_run_into_it(homes):
    # day 10's run: its gap judgement reads from 9-07 and writes from 9-08, not from the first day
    _, by_day = homes
    runs = [json.loads(p.read_text()) for p in (by_day.home / "dbt" / "runs").glob("*/run_results.json")]
    [code] = [r["compiled_code"] for run in runs for r in run["results"]
              if r["unique_id"].endswith(".int_source_minutes_classified") and "2026-09" in r["compiled_code"]]
    assert re.findall(r"event_date >=\s*\(cast\('([0-9-]+)'", code) == ["2026-09-07", "2026-09-08"]


def test_a_postmortem_landed_later_takes_its_minutes_from_the_days_sum(homes):
    _, by_day = homes
    with duckdb.connect(str(by_day.warehouse), read_only=True) as con:
        day_3 = con.execute("select cause_kind, cause_id, bad_events from marts.fct_budget_attribution "
                            "where slo_name = 'steady-availability' and day = '2026-09-03' order by 1, 2").fetchall()
    # every 97th minute fails: 0, 97, ..., 1358, 15 a day
    assert sum(b for _, _, b in day_3) == len(range(0, 1440, 97)) == 15
    assert [r for r in day_3 if r[0] == "incident"] == [("incident", "INC-3", 2.0)]


def test_the_unique_test_of_a_run_reads_the_runs_days(homes, tmp_path):
    """fct_burn_rate's key test reads the run's days only (each run checks what it wrote); a
    whole rebuild (no window) checks every row."""
    import subprocess

    from pipelines.settings import tool_environment
    from pipelines.warehouse.project import DBT_PROJECT_DIR, dbt_executable

    _, by_day = homes
    home = tmp_path / "home"
    shutil.copytree(by_day.home, home)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:  # one row twice, on 9-02
        con.execute("insert into marts.fct_burn_rate select * from marts.fct_burn_rate "
                    "where bucket_date = '2026-09-02' order by burn_rate_id limit 1")

    def duplicates(**window: str) -> int:
        subprocess.run(
            [dbt_executable(), "test", "--select", "fct_burn_rate,test_name:unique_in_run_window",
             "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
            env=tool_environment(SLM_HOME=str(home), **window), capture_output=True, text=True, timeout=600)
        results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
        [failures] = [r["failures"] for r in results if r["unique_id"].startswith("test.")]
        return failures

    assert duplicates(SLM_RUN_MIN_DATE="2026-09-10", SLM_RUN_MAX_DATE="2026-09-11") == 0
    assert duplicates(SLM_RUN_MIN_DATE="2026-09-02", SLM_RUN_MAX_DATE="2026-09-03") == 1
    assert duplicates() == 1
