"""Ingest as Dagster definitions: the `landed_events` asset and the new-files sensor."""

import dagster as dg

from ..core.periods import days_between
from ..orchestration.partitions import daily_partitions
from ..orchestration.policies import retry_if_transient
from ..orchestration.resources import SlmLocations
from .land import land
from .lake import Lake, write_day_partition
from .sensors import new_landing_files


@dg.asset(
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"python", "parquet"},
    group_name="ingest",
)
def landed_events(context: dg.AssetExecutionContext, slm: SlmLocations) -> dg.MaterializeResult:
    """Canonical request events, one Parquet file per UTC day, built from the landing zone.

    Lands every landing file not seen before (by content hash; bad records to quarantine), then
    rebuilds exactly the day partitions of this run, each replaced atomically."""
    settings = slm.settings()
    lake = Lake(settings.lake)
    try:
        report = land(lake, settings.landing, formats=settings.formats)
    except Exception as exc:
        retry_if_transient(context, exc)  # e.g. S3 throttled or timed out
        raise
    for e in report.landed:
        context.log.info(f"landed {e.path}: {e.rows_read} read = {e.rows_landed} landed + {e.rows_quarantined} quarantined")
    window = context.partition_time_window
    days = days_between(window.start.date(), window.end.date())
    active = lake.active()
    rows = {day: write_day_partition(lake, day, active) for day in days}
    context.log.info(f"published {len(days)} day partition(s), {sum(rows.values())} events")
    return dg.MaterializeResult(metadata={
        "landing": settings.landing,
        "files_landed": len(report.landed),
        "files_already_landed": report.already_landed,
        "rows_read": sum(e.rows_read for e in report.landed),
        "rows_landed": sum(e.rows_landed for e in report.landed),
        "rows_quarantined": sum(e.rows_quarantined for e in report.landed),
        "events_published": sum(rows.values()),
        "events_by_day": dg.MetadataValue.json(rows),
    })


definitions = dg.Definitions(assets=[landed_events], sensors=[new_landing_files])
