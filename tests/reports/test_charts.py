"""Where a chart puts an annotation: by the day it belongs to, between evenly spaced daily points."""

import datetime as dt

import pytest

from pipelines.reports.charts import day_fraction

D, T = dt.date, dt.datetime
SPARSE = [D(2026, 7, 15), D(2026, 8, 15), D(2026, 9, 15)]  # three points: at 0, 0.5 and 1


@pytest.mark.parametrize("when, expected", [
    (D(2026, 8, 15), 0.5),                          # on a point's day, at its start
    (T(2026, 7, 15, 12), (0 + 0.5 / 31) / 2),       # 12 h into the 31 days to the next point
    (T(2026, 8, 30, 0), (1 + 15 / 31) / 2),         # 15 of the 31 days after 08-15
    (T(2026, 9, 15, 23), 1.0),                      # the last day: clamped at its point
    (D(2026, 7, 14), None),                         # before the first day
    (D(2026, 9, 17), None),                         # after the last day's end
])
def test_a_marker_sits_by_its_day(when, expected):
    got = day_fraction(SPARSE, when)
    assert got == (None if expected is None else pytest.approx(expected))


def test_one_day_puts_every_marker_on_its_point():
    assert day_fraction([D(2026, 10, 1)], T(2026, 10, 1, 2)) == 0.5 and day_fraction([], D(2026, 10, 1)) is None
