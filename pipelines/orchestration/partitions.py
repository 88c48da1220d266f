"""The one daily partitioning of the pipeline (UTC days, today included) and the run tags that
say which days a run covers."""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import dagster as dg

from ..settings import plausible_timestamps

# The first day that can be run: the first day ingest accepts a timestamp on (SLM_TIMESTAMPS_FROM,
# default 1990-01-01), so any day the lake can hold is computable (a 2015 log, a 1995 one).
PARTITION_START = plausible_timestamps()[0].date().isoformat()

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=PARTITION_START, timezone="UTC", end_offset=1
)

# Dagster's tags for the days of a run: one partition, or a range run as one (backfills).
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

# A run tagged with this rebuilds every incremental model from the whole lake (after a changed
# definition that should apply to history, or a warehouse from an older version); its range
# must then cover every landed day.
FULL_REFRESH_TAG = "slm/full-refresh"


def range_tags(first: dt.date, last: dt.date, full_refresh: bool = False) -> dict[str, str]:
    """The tags of one run over the days first..last (both inclusive)."""
    return {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat(),
            **({FULL_REFRESH_TAG: "true"} if full_refresh else {})}


def window_of(tags: Mapping[str, str]) -> tuple[dt.date, dt.date] | None:
    """The half-open day window [first, last + 1) a run covers (None: not partitioned)."""
    start = tags.get(RANGE_START_TAG) or tags.get(PARTITION_TAG)
    end = tags.get(RANGE_END_TAG) or tags.get(PARTITION_TAG)
    if not start:
        return None
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end) + dt.timedelta(days=1)


def is_full_refresh(tags: Mapping[str, str]) -> bool:
    return tags.get(FULL_REFRESH_TAG) == "true"
