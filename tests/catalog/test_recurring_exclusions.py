"""Recurring exclusions (issue 19, item 5): an iCalendar RRULE with a duration, expanded in the
exclusion's time zone across daylight-saving changes, and versioned like SLO definitions so that
past days keep the rule in force then. Every window below is worked out by hand from the Berlin
offsets: CET is UTC+1, CEST UTC+2; summer time in 2026 runs from 29 March 01:00 UTC to 25
October 01:00 UTC."""

import datetime as dt
import textwrap

import pyarrow.parquet as pq
import pytest

from pipelines.catalog import load_catalog
from pipelines.catalog.export import export_catalog
from pipelines.catalog.model import CatalogError
from pipelines.catalog.recurrence import (HORIZON_DAYS, LONGEST_MINUTES, MOST_WINDOWS, days, horizon, local_start,
                                          occurrences, parse_rule)

T = dt.datetime

SERVICES = """
apiVersion: openslo/v1
kind: Service
metadata: {name: web}
spec: {}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: api}
spec: {}
"""


def rule(body: str, annotations: str = "{}") -> str:
    return SERVICES + textwrap.dedent(f"""
    ---
    apiVersion: slm/v1
    kind: Exclusion
    metadata: {{name: sunday-patching, annotations: {annotations}}}
    spec:
      services: [web, api]
      kind: maintenance
      reason: weekly OS patching
      approvedBy: change-board
      ticket: CHG-7
    """) + textwrap.indent(textwrap.dedent(body), "  ")


SUNDAYS_2AM = """
recurrence:
  rrule: FREQ=WEEKLY;BYDAY=SU
  start: "2026-03-15T02:00:00"
  duration: 2h
  timeZone: Europe/Berlin
"""


def export(tmp_path, text: str, today: dt.date):
    folder = tmp_path / "catalog"
    folder.mkdir(exist_ok=True)
    (folder / "catalog.yaml").write_text(text)
    cat = load_catalog(folder)
    assert cat.problems == []
    export_catalog(cat, tmp_path / "lake", today)
    return pq.read_table(tmp_path / "lake" / "catalog" / "exclusions.parquet").to_pylist()


def windows(rows, service="web", before=T(2100, 1, 1)):
    return [(r["start_ts"], r["end_ts"]) for r in rows if r["service"] == service and r["start_ts"] < before]


def test_a_weekly_rule_follows_the_wall_clock_across_both_changes(tmp_path):
    rows = export(tmp_path, rule(SUNDAYS_2AM), dt.date(2026, 11, 1))
    got = windows(rows)
    assert got[:4] == [
        (T(2026, 3, 15, 1), T(2026, 3, 15, 3)),  # 02:00 CET
        (T(2026, 3, 22, 1), T(2026, 3, 22, 3)),
        # 29 March: 02:00 local does not exist; RFC 5545 reads it with the offset before the change
        # (+01:00), so 01:00 UTC (03:00 CEST), and the 2h are real hours
        (T(2026, 3, 29, 1), T(2026, 3, 29, 3)),
        (T(2026, 4, 5, 0), T(2026, 4, 5, 2)),    # 02:00 CEST
    ]
    by_start = dict(got)
    # 25 October: 02:00 local happens twice; the first (CEST, +02:00) is taken: 00:00 UTC
    assert by_start[T(2026, 10, 25, 0)] == T(2026, 10, 25, 2)
    assert by_start[T(2026, 11, 1, 1)] == T(2026, 11, 1, 3)  # CET again
    # one window per Sunday from 15 March to the horizon (400 days after the export day), for
    # each service the rule names, each carrying the rule's reason, approver and ticket
    sundays = (dt.date(2026, 11, 1) + dt.timedelta(days=400) - dt.date(2026, 3, 15)).days // 7 + 1
    assert len(got) == len(windows(rows, "api")) == sundays == len(rows) / 2
    assert {(r["exclusion_name"], r["kind"], r["reason"], r["approved_by"], r["ticket"]) for r in rows} == {
        ("sunday-patching", "maintenance", "weekly OS patching", "change-board", "CHG-7")}


def test_count_until_and_overlapping_occurrences(tmp_path):
    # every 6 hours from 22:00 UTC, three times, each 8 hours long: the windows overlap, and are
    # merged into one [22:00, 22:00 + 12h + 8h)
    rows = export(tmp_path, rule("""
    recurrence: {rrule: "RRULE:FREQ=HOURLY;INTERVAL=6;COUNT=3", start: "2026-10-01T22:00:00", duration: 8h}
    """), dt.date(2026, 10, 1))
    assert windows(rows) == [(T(2026, 10, 1, 22), T(2026, 10, 2, 18))]
    # UNTIL (in UTC, as RFC 5545 requires with a zoned start) ends a daily rule: 1 to 3 October
    rows = export(tmp_path, rule("""
    recurrence: {rrule: "FREQ=DAILY;UNTIL=20261003T230000Z", start: "2026-10-01T09:30:00", duration: 30m,
                 timeZone: America/New_York}
    """), dt.date(2026, 10, 1))
    assert windows(rows) == [(T(2026, 10, d, 13, 30), T(2026, 10, d, 14)) for d in (1, 2, 3)]  # EDT is UTC-4


def test_a_changed_rule_leaves_past_days_with_the_rule_then(tmp_path):
    export(tmp_path, rule(SUNDAYS_2AM), dt.date(2026, 3, 20))
    # from 1 April the window moves to 04:00-05:00 local (annotated), re-exported on 10 April
    later = rule(SUNDAYS_2AM.replace('"2026-03-15T02:00:00"', '"2026-03-15T04:00:00"').replace("2h", "1h"),
                 '{slm/valid-from: "2026-04-01"}')
    rows = export(tmp_path, later, dt.date(2026, 4, 10))
    assert windows(rows, before=T(2026, 4, 13)) == [
        (T(2026, 3, 15, 1), T(2026, 3, 15, 3)), (T(2026, 3, 22, 1), T(2026, 3, 22, 3)),
        (T(2026, 3, 29, 1), T(2026, 3, 29, 3)),   # the old rule, through 31 March
        (T(2026, 4, 5, 2), T(2026, 4, 5, 3)), (T(2026, 4, 12, 2), T(2026, 4, 12, 3)),  # 04:00 CEST, 1h
    ]
    versions = pq.read_table(tmp_path / "lake" / "catalog" / "exclusion_versions.parquet").to_pylist()
    assert [(v["valid_from"], v["valid_to"], v["duration_minutes"]) for v in versions] == [
        (None, dt.date(2026, 4, 1), 120), (dt.date(2026, 4, 1), None, 60)]
    # a change that would take effect on or before the version in force is refused, nothing written
    before = (tmp_path / "lake" / "catalog" / "exclusions.parquet").read_bytes()
    again = later.replace('"2026-04-01"', '"2026-03-01"').replace("1h", "3h")
    with pytest.raises(CatalogError, match="Exclusion sunday-patching: the new definition must take effect after 2026-04-01"):
        export(tmp_path, again, dt.date(2026, 4, 11))
    assert (tmp_path / "lake" / "catalog" / "exclusions.parquet").read_bytes() == before
    # unannotated, a change takes effect on the day it is first exported
    rows = export(tmp_path, later.replace("1h", "30m").replace('{slm/valid-from: "2026-04-01"}', "{}"),
                  dt.date(2026, 4, 15))
    assert windows(rows, before=T(2026, 4, 27))[-3:] == [
        (T(2026, 4, 12, 2), T(2026, 4, 12, 3)), (T(2026, 4, 19, 2), T(2026, 4, 19, 2, 30)),
        (T(2026, 4, 26, 2), T(2026, 4, 26, 2, 30))]


def test_every_fault_of_a_rule_is_reported_at_once(tmp_path):
    (tmp_path / "catalog.yaml").write_text(rule("""
    start: "2026-01-01T00:00:00Z"
    recurrence: {rrule: FREQ=MINUTELY, start: "2026-03-15T02:00:00+01:00", duration: 0m, timeZone: Mars/Base}
    """))
    found = {(p.path, p.message.split(",")[0].split(" (")[0]) for p in load_catalog(tmp_path).problems}
    assert found == {
        ("spec.start", "a recurring exclusion gives its times in spec.recurrence"),
        ("spec.recurrence.timeZone", "must be an IANA time zone like Europe/Berlin"),
        ("spec.recurrence.start", "a local date and time without an offset"),
        ("spec.recurrence.duration", "a duration from 1m to 31d like 2h or 90m"),
        ("spec.recurrence.rrule", "FREQ must be one of YEARLY"),
    }
    for text, message in (("FREQ=WEEKLY;BYDAY=XX", "not an iCalendar RRULE: invalid 'BYDAY': XX"),
                          ("DTSTART:20260101T000000\nRRULE:FREQ=WEEKLY", "one RRULE line only"),
                          ("FREQ=DAILY;UNTIL=20261003T230000", "must be specified in UTC"),
                          ("FREQ=HOURLY;INTERVAL=1", "more than 50,000 occurrences"),  # hourly since 2020: ~60,000
                          ("", "an iCalendar RRULE like FREQ=WEEKLY;BYDAY=SU")):
        (tmp_path / "catalog.yaml").write_text(rule(f"recurrence: {{rrule: {text!r}, start: '{'2020' if 'HOURLY' in text else '2026'}-03-15T02:00:00', duration: 2h}}"))
        problems = load_catalog(tmp_path).problems
        assert [p.path for p in problems] == ["spec.recurrence.rrule"] and message in problems[0].message, problems


# --- the rules' edges, on the functions themselves (issue 22) ----------------------------------------

UTC_VERSION = {"time_zone": "UTC", "local_start": T(2026, 10, 1), "valid_from": None, "valid_to": None}


def test_the_limits_are_a_month_400_days_and_50000_windows():
    assert (LONGEST_MINUTES, HORIZON_DAYS, MOST_WINDOWS) == (31 * 1440, 400, 50_000)
    assert horizon(dt.date(2026, 12, 1)) == T(2028, 1, 5)  # 400 days on, at midnight


@pytest.mark.parametrize("duration, accepted", [("31d", True), (f"{31 * 1440}m", True), (f"{31 * 1440 + 1}m", False),
                                                ("1m", True), ("0m", False)])
def test_a_window_lasts_from_one_minute_to_a_month(tmp_path, duration, accepted):
    (tmp_path / "catalog.yaml").write_text(rule(f"recurrence: {{rrule: FREQ=MONTHLY, start: '2026-03-15T02:00:00', "
                                                f"duration: {duration}}}"))
    problems = [p.path for p in load_catalog(tmp_path).problems]
    assert problems == ([] if accepted else ["spec.recurrence.duration"])


def test_most_windows_is_reached_exactly():
    start = T(2020, 1, 1)  # hourly from 2020: both counts end years before the horizon
    assert parse_rule(f"FREQ=HOURLY;COUNT={MOST_WINDOWS}", start)[1] is None
    rule_, problem = parse_rule(f"FREQ=HOURLY;COUNT={MOST_WINDOWS + 1}", start)
    assert rule_ is None and problem.startswith("more than 50,000 occurrences")


@pytest.mark.parametrize("value, parsed", [
    ("2026-03-15T02:00:00", T(2026, 3, 15, 2)),
    (T(2026, 3, 15, 2), T(2026, 3, 15, 2)),                                  # YAML read it already
    ("2026-03-15T02:00:00+01:00", None),                                     # an offset: not a wall clock
    (T(2026, 3, 15, 2, tzinfo=dt.timezone.utc), None),
    ("next sunday", None),
])
def test_a_start_is_a_wall_clock_time(value, parsed):
    assert local_start(value) == parsed


def test_occurrences_are_half_open_at_through_and_valid_to():
    daily = dict(UTC_VERSION, rrule="FREQ=DAILY", duration_minutes=60)
    # `through` exactly at an occurrence's start: that occurrence is not expanded
    assert list(occurrences(daily, T(2026, 10, 3))) == [(T(2026, 10, 1), T(2026, 10, 1, 1)), (T(2026, 10, 2), T(2026, 10, 2, 1))]
    assert list(occurrences(daily, T(2026, 10, 3, 0, 0, 1)))[-1] == (T(2026, 10, 3), T(2026, 10, 3, 1))
    # a version in force [10-02, 10-04): the days before and from valid_to are someone else's
    bounded = dict(daily, valid_from=dt.date(2026, 10, 2), valid_to=dt.date(2026, 10, 4))
    assert [s for s, _ in occurrences(bounded, T(2027, 1, 1))] == [T(2026, 10, 2), T(2026, 10, 3)]


def test_touching_and_overlapping_windows_merge_with_the_one_before():
    # 00:00 and 01:00 for 60 minutes touch (merge into 00:00-02:00); 05:00 stands alone; the next
    # day's 00:00 and 01:00 merge with each other, not with the first day's window
    version = dict(UTC_VERSION, rrule="FREQ=DAILY;BYHOUR=0,1,5;COUNT=6", duration_minutes=60)
    assert list(occurrences(version, T(2027, 1, 1))) == [
        (T(2026, 10, 1, 0), T(2026, 10, 1, 2)), (T(2026, 10, 1, 5), T(2026, 10, 1, 6)),
        (T(2026, 10, 2, 0), T(2026, 10, 2, 2)), (T(2026, 10, 2, 5), T(2026, 10, 2, 6))]
    # overlapping windows (00:00-03:00 and 01:00-04:00) are one
    nested = dict(UTC_VERSION, rrule="FREQ=HOURLY;INTERVAL=1;BYHOUR=0,1;COUNT=2", duration_minutes=180)
    assert list(occurrences(nested, T(2027, 1, 1))) == [(T(2026, 10, 1, 0), T(2026, 10, 1, 4))]


def test_days_of_a_rule_are_half_open():
    start = T(2026, 10, 1)  # daily at midnight: the first day's midnight counts, the last day's does not
    assert days("FREQ=DAILY", start, dt.date(2026, 10, 1), dt.date(2026, 10, 4)) == [
        dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)]
    assert days("FREQ=DAILY", start, dt.date(2026, 10, 4), dt.date(2026, 10, 4)) == []
