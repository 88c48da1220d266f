"""Recurring exclusion windows: an iCalendar RRULE (RFC 5545, read by python-dateutil) from a local
start time, each occurrence lasting a fixed duration, in the exclusion's own time zone.

Occurrences follow the wall clock: "every Sunday 02:00 Europe/Berlin" is 01:00 UTC in winter and
00:00 UTC in summer. A start that does not exist locally (the spring-forward hour) or exists twice
(the fall-back hour) is read with the offset before the change, as RFC 5545 prescribes; the
duration is exact (2h is two real hours, also across a change). A rule version applies to the
occurrences that start on its local days [valid_from, valid_to), so a changed rule leaves past
days with the rule in force then. An endless rule is expanded up to a horizon the caller names;
overlapping occurrences of one rule are merged, so no minute is excluded twice by it.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import islice
from typing import Any, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from .model import UNIT_MINUTES
from .values import shown

FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY")
LONGEST_MINUTES = 31 * 1440  # an exclusion window longer than a month is no maintenance window
HORIZON_DAYS = 400           # an endless rule is expanded this far past the day the catalog is exported
MOST_WINDOWS = 50_000        # hourly for five years: more is a mistake, and would only slow every run


def zone(name: Any) -> ZoneInfo | None:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_start(value: Any) -> dt.datetime | None:
    """A wall-clock date and time without an offset (YAML may read it as a datetime already)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is None else None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is None else None


def duration_minutes(value: Any) -> int | None:
    m = re.fullmatch(r"(\d+)([mhdw])", str(value))
    return int(m.group(1)) * UNIT_MINUTES[m.group(2)] if m else None


def parse_rule(text: Any, start: dt.datetime) -> tuple[rrule | None, str | None]:
    """(the rule from `start`, None) or (None, what is wrong): one RRULE line, no DTSTART of its own
    (the start is `spec.recurrence.start`), no frequency finer than hourly."""
    if not isinstance(text, str) or not text.strip():
        return None, f"an iCalendar RRULE like FREQ=WEEKLY;BYDAY=SU, got {shown(text)}"
    body = text.strip().removeprefix("RRULE:")
    if "\n" in body or ":" in body:
        return None, "one RRULE line only (the start is spec.recurrence.start; no DTSTART, EXDATE or RDATE)"
    try:
        rule = rrulestr(body, dtstart=start)
    except (ValueError, TypeError) as exc:
        return None, f"not an iCalendar RRULE: {exc}"
    freq = re.search(r"(?:^|;)FREQ=([A-Z]+)", body.upper())
    if freq is None or freq.group(1) not in FREQUENCIES:
        return None, f"FREQ must be one of {', '.join(FREQUENCIES)} (an exclusion recurs at most hourly)"
    if sum(1 for _ in islice(rule.between(start, horizon(dt.date.today()).replace(tzinfo=start.tzinfo), inc=True),
                             MOST_WINDOWS + 1)) > MOST_WINDOWS:
        return None, (f"more than {MOST_WINDOWS:,} occurrences from its start to {HORIZON_DAYS} days from today: "
                      f"give it COUNT or UNTIL, a later start or a longer INTERVAL")
    return rule, None


def checked_rule(text: str, start: dt.datetime) -> rrule:
    """A rule `parse_rule` accepted when its document was resolved, read again for expansion
    without counting its occurrences once more."""
    return rrulestr(text.strip().removeprefix("RRULE:"), dtstart=start)


def horizon(today: dt.date) -> dt.datetime:
    """How far an endless rule is expanded when the catalog is exported on `today`."""
    return dt.datetime.combine(today + dt.timedelta(days=HORIZON_DAYS), dt.time())


def occurrences(version: dict, through: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The version's windows [start, end) as naive UTC, merged where they overlap, for occurrences
    starting on its local days [valid_from, valid_to) and before `through` (naive UTC)."""
    tz = ZoneInfo(version["time_zone"])
    rule = checked_rule(version["rrule"], version["local_start"].replace(tzinfo=tz))
    length = dt.timedelta(minutes=version["duration_minutes"])
    first, last = version.get("valid_from"), version.get("valid_to")
    merged: list[list[dt.datetime]] = []
    for local in rule:
        start = local.astimezone(dt.timezone.utc).replace(tzinfo=None)
        if start >= through or (last is not None and local.date() >= last):
            break
        if first is not None and local.date() < first:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], start + length)
        else:
            merged.append([start, start + length])
    for start, end in merged:
        yield start, end


def days(rule_text: str, start: dt.datetime, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days of a rule's occurrences (counted from `start`) in [first, last)."""
    rule = checked_rule(rule_text, start)
    lo = dt.datetime.combine(first, dt.time(), start.tzinfo)
    hi = dt.datetime.combine(last, dt.time(), start.tzinfo)
    return sorted({o.date() for o in rule.between(lo, hi, inc=True) if o < hi})
