"""Periods and day windows at their edges (issue 22): the year's turn, the first and last month
of a quarter, a half-open window's last day, a month covered to its last day or one day short,
and the spellings refused. Every figure is read off a calendar."""

import datetime as dt

import pytest

from pipelines.core.periods import (PeriodError, days_between, latest_complete_month, month_start_after, parse_day,
                                    period_bounds, quarter_before, quarter_bounds, utc_instant)

D = dt.date


@pytest.mark.parametrize("day, after", [
    (D(2026, 1, 1), D(2026, 2, 1)),
    (D(2026, 1, 31), D(2026, 2, 1)),
    (D(2026, 11, 30), D(2026, 12, 1)),
    (D(2026, 12, 1), D(2027, 1, 1)),      # December: the year turns
    (D(2026, 12, 31), D(2027, 1, 1)),
])
def test_month_start_after(day, after):
    assert month_start_after(day) == after


@pytest.mark.parametrize("period, bounds", [
    ("2026-01", (D(2026, 1, 1), D(2026, 2, 1))),
    ("2026-02", (D(2026, 2, 1), D(2026, 3, 1))),
    ("2026-12", (D(2026, 12, 1), D(2027, 1, 1))),
])
def test_period_bounds_are_half_open(period, bounds):
    assert period_bounds(period) == bounds
    assert len(days_between(*bounds)) == (bounds[1] - bounds[0]).days


@pytest.mark.parametrize("period", ["2026-00", "2026-13", "2026-1", "26-01", "2026-01-01", "", None, "2026-Q1"])
def test_period_bounds_refuse_other_spellings(period):
    with pytest.raises(PeriodError, match="is not YYYY-MM"):
        period_bounds(period)


@pytest.mark.parametrize("period, bounds", [
    ("2026-Q1", (D(2026, 1, 1), D(2026, 4, 1))),
    ("2026-Q2", (D(2026, 4, 1), D(2026, 7, 1))),
    ("2026-Q3", (D(2026, 7, 1), D(2026, 10, 1))),
    ("2026-Q4", (D(2026, 10, 1), D(2027, 1, 1))),
])
def test_quarter_bounds(period, bounds):
    assert quarter_bounds(period) == bounds


@pytest.mark.parametrize("period", ["2026-Q0", "2026-Q5", "2026-q1", "2026-04", None])
def test_quarter_bounds_refuse_other_spellings(period):
    with pytest.raises(PeriodError, match="is not YYYY-Qn"):
        quarter_bounds(period)


@pytest.mark.parametrize("start, before", [
    (D(2026, 1, 1), D(2025, 10, 1)),      # Q1: the quarter before is last year's Q4
    (D(2026, 4, 1), D(2026, 1, 1)),
    (D(2026, 7, 1), D(2026, 4, 1)),
    (D(2026, 10, 1), D(2026, 7, 1)),
])
def test_quarter_before(start, before):
    assert quarter_before(start) == before


def test_days_between_is_half_open():
    assert days_between(D(2026, 2, 27), D(2026, 3, 2)) == ["2026-02-27", "2026-02-28", "2026-03-01"]
    assert days_between(D(2026, 3, 1), D(2026, 3, 2)) == ["2026-03-01"]
    assert days_between(D(2026, 3, 1), D(2026, 3, 1)) == []
    assert days_between(D(2026, 3, 2), D(2026, 3, 1)) == []


@pytest.mark.parametrize("first, last, month", [
    (D(2026, 9, 1), D(2026, 9, 30), "2026-09"),    # covered to its last day
    (D(2026, 9, 1), D(2026, 10, 30), "2026-09"),   # October one day short: September
    (D(2026, 9, 1), D(2026, 10, 31), "2026-10"),
    (D(2026, 9, 30), D(2026, 10, 5), "2026-09"),   # September's last day counts as having September
    (D(2026, 10, 1), D(2026, 10, 5), "2026-10"),   # nothing before October: the month it has
    (D(2026, 12, 1), D(2026, 12, 31), "2026-12"),
    (D(2026, 12, 20), D(2027, 1, 3), "2026-12"),   # across the year's turn
    (D(2026, 2, 1), D(2026, 2, 28), "2026-02"),
])
def test_latest_complete_month(first, last, month):
    assert latest_complete_month(first, last) == month


def test_parse_day():
    assert parse_day(None, "--start") is None
    assert parse_day("2026-12-31", "--start") == D(2026, 12, 31)
    with pytest.raises(PeriodError, match=r"^--end '2026-13-01' is not a day YYYY-MM-DD$"):
        parse_day("2026-13-01", "--end")


@pytest.mark.parametrize("text, utc", [
    ("2026-10-05T12:00:00Z", dt.datetime(2026, 10, 5, 12)),
    ("2026-10-05t12:00:00z", dt.datetime(2026, 10, 5, 12)),
    (" 2026-10-05T12:00:00+02:00 ", dt.datetime(2026, 10, 5, 10)),
    ("2026-10-05T23:30:00-01:00", dt.datetime(2026, 10, 6, 0, 30)),   # into the next UTC day
])
def test_utc_instant(text, utc):
    got = utc_instant(text, "start")
    assert got == utc and got.tzinfo is None


def test_utc_instant_needs_a_zone_and_a_time():
    with pytest.raises(ValueError, match=r"^start: '2026-10-05T12:00:00' has no time zone"):
        utc_instant("2026-10-05T12:00:00", "start")
    with pytest.raises(ValueError, match=r"^end: not an RFC 3339 time: 'tomorrow'$"):
        utc_instant("tomorrow", "end")


def test_a_long_bad_time_is_quoted_to_80_characters():
    text = "x" * 79 + "yz"  # 81 characters: the quote stops after the first y
    with pytest.raises(ValueError) as err:
        utc_instant(text, "start")
    assert str(err.value) == f"start: not an RFC 3339 time: {text[:80]!r}" and "yz" not in str(err.value)
    zoneless = "2026-10-05T12:00:00.000000" + "0" * 60  # no zone, 86 characters
    with pytest.raises(ValueError) as err:
        utc_instant(zoneless, "start")
    assert str(err.value).startswith(f"start: {zoneless[:80]!r} has no time zone")
