"""The models that read history (the telemetry-gap grid, coverage, the canary mart) are
incremental (issue 15): a home built day by day, with a silence that runs across a midnight and
across the end of a run, must hold exactly the rows of a home built in one run."""

import datetime as dt
import json
import shutil
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Settings

FIRST = dt.date(2026, 9, 1)
DAYS = 10
# one record a minute; the silence runs from 23:45 on day 8 to 00:10 on day 9: 25 expected
# records, a gap (>= 20), though its 10 minutes after midnight alone (10 expected) would not be
SILENCE = (dt.datetime(2026, 9, 8, 23, 45), dt.datetime(2026, 9, 9, 0, 10))

CATALOG = """
apiVersion: openslo/v1
kind: Service
metadata: {name: steady}
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
  objectives: [{target: 0.99}]
"""

TABLES = ["intermediate.int_source_minutes_gridded", "intermediate.int_source_hours_profiled",
          "intermediate.int_source_minutes_expected", "intermediate.int_source_minutes_classified",
          "intermediate.int_service_coverage_daily", "marts.fct_telemetry_gaps", "marts.fct_sli_by_version",
          "marts.fct_sli_daily"]


def write_day(landing: Path, day: dt.date) -> None:
    start = dt.datetime.combine(day, dt.time())
    lines = []
    for i in range(1440):
        ts = start + dt.timedelta(minutes=i)
        if SILENCE[0] <= ts < SILENCE[1]:
            continue
        # a canary version serves the first hour of each day
        version = "v2" if i < 60 else "v1"
        lines.append(json.dumps({"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "service": "steady",
                                 "status_code": 500 if i % 97 == 0 else 200, "version": version}))
    (landing / f"steady-{day}.jsonl").write_text("\n".join(lines) + "\n")


def fingerprint(settings: Settings) -> dict[str, tuple[int, str]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return {t: con.execute(f"select count(*), md5(coalesce(string_agg(cast(t as varchar), ';' "
                               f"order by cast(t as varchar)), '')) from {t} as t").fetchone()
                for t in TABLES}


@pytest.fixture(scope="module")
def homes(tmp_path_factory):
    from pipelines.cli.runner import run_pipeline

    root = tmp_path_factory.mktemp("incremental")
    (root / "catalog").mkdir()
    (root / "catalog" / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    days = [FIRST + dt.timedelta(days=i) for i in range(DAYS)]
    whole, stepped = root / "whole", root / "stepped"
    for landing in (whole, stepped):
        landing.mkdir()
    for day in days:
        write_day(whole, day)
    at_once = Settings.resolve(root / "home-whole", str(whole), root / "catalog")
    assert run_pipeline(at_once, out=lambda _: None).success
    # day by day: the first eight days, then day 9 alone (its silence began on day 8, after the
    # newest minute the first run saw), then day 10 alone (the silence lies across midnight)
    by_day = Settings.resolve(root / "home-stepped", str(stepped), root / "catalog")
    for day in days[:8]:
        write_day(stepped, day)
    assert run_pipeline(by_day, out=lambda _: None).success
    for day in days[8:]:
        shutil.copy(whole / f"steady-{day}.jsonl", stepped)
        assert run_pipeline(by_day, day.isoformat(), day.isoformat(), out=lambda _: None).success
    return at_once, by_day


def test_the_silence_across_midnight_is_one_gap_of_25_minutes(homes):
    at_once, _ = homes
    with duckdb.connect(str(at_once.warehouse), read_only=True) as con:
        gaps = con.execute("select gap_start, gap_end, gap_minutes, expected_records from marts.fct_telemetry_gaps").fetchall()
    assert gaps == [(SILENCE[0], SILENCE[1], 25, 25.0)]


def test_a_home_built_day_by_day_equals_one_built_at_once(homes):
    at_once, by_day = homes
    whole, stepped = fingerprint(at_once), fingerprint(by_day)
    assert whole["intermediate.int_source_minutes_gridded"][0] == 10 * 1440
    assert whole["marts.fct_sli_by_version"][0] == 2 * DAYS
    for table in TABLES:
        assert stepped[table] == whole[table], table
