"""Periods and day windows: the one spelling of "a month" and "the days of a run".

Every window is half-open, [start, end): a day or a month is never counted twice at a boundary.
"""

from __future__ import annotations

import datetime as dt
import re


class PeriodError(ValueError):
    """A period or a day that is not spelled as this project reads it."""


def month_start_after(day: dt.date) -> dt.date:
    """The first day of the month after the one holding `day`."""
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """`YYYY-MM` -> [first day of the month, first day of the next)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", period or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise PeriodError(f"period {period!r} is not YYYY-MM")
    start = dt.date(int(m.group(1)), int(m.group(2)), 1)
    return start, month_start_after(start)


def quarter_bounds(period: str) -> tuple[dt.date, dt.date]:
    """`YYYY-Qn` -> [first day of the quarter, first day of the next)."""
    m = re.fullmatch(r"(\d{4})-Q([1-4])", period or "")
    if not m:
        raise PeriodError(f"period {period!r} is not YYYY-Qn (e.g. 2026-Q4)")
    start = dt.date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
    return start, month_start_after(month_start_after(month_start_after(start)))


def quarter_before(start: dt.date) -> dt.date:
    """The first day of the quarter before the one starting on `start`."""
    return dt.date(start.year - (start.month == 1), (start.month - 4) % 12 + 1, 1)


def days_between(start: dt.date, end: dt.date) -> list[str]:
    """The ISO days of [start, end)."""
    out, day = [], start
    while day < end:
        out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


def latest_complete_month(first: dt.date, last: dt.date) -> str:
    """Of data covering the days first..last, the newest month it covers to its end (else the
    newest month it has at all), as YYYY-MM."""
    if last == month_start_after(last) - dt.timedelta(days=1):
        return last.strftime("%Y-%m")
    prev = dt.date(last.year, last.month, 1) - dt.timedelta(days=1)
    return (prev if prev >= first else last).strftime("%Y-%m")


def parse_day(value: str | None, what: str) -> dt.date | None:
    """A day given as YYYY-MM-DD (None stays None); `what` names it in the error."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PeriodError(f"{what} {value!r} is not a day YYYY-MM-DD") from None


def utc_instant(text: str, what: str) -> dt.datetime:
    """An RFC 3339 time, which must carry its zone (Z or an offset), as naive UTC; ValueError
    naming `what` otherwise."""
    try:
        parsed = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{what}: not an RFC 3339 time: {text[:80]!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{what}: {text[:80]!r} has no time zone (RFC 3339 needs Z or an offset)")
    return parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
