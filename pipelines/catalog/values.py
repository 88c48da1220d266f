"""Reading the scalar values people write in catalog YAML: dates, times, decimals, names."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo


def dst_shift_minutes(tz: str) -> int:
    """How much a local day grows or shrinks on a daylight-saving change (0 without DST): time
    slices must divide it so that a 23- or 25-hour day holds whole slices."""
    zone = ZoneInfo(tz)
    year = dt.date.today().year
    offsets = {dt.datetime(year, month, 1, tzinfo=zone).utcoffset() for month in (1, 7)}
    return int(abs(max(offsets) - min(offsets)).total_seconds() // 60)


def shown(value: Any) -> str:
    """A value as the YAML author wrote it ('web', null, true, [1, 2]), never in Python's words."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-") or "objective"


def decimal_or_none(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None  # .nan and .inf are no amount


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def parse_timestamp(value: Any) -> dt.datetime | None:
    """RFC 3339 -> naive UTC (the warehouse's one time convention)."""
    if isinstance(value, dt.datetime):
        ts = value
    else:
        try:
            ts = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if ts.tzinfo is None:
        return ts
    return ts.astimezone(dt.timezone.utc).replace(tzinfo=None)
