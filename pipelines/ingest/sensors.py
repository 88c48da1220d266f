"""A sensor that notices new landing files (local folder or S3) and asks for runs of exactly the
days they touch, so that events arriving days late re-open only their own partitions."""

import hashlib

import dagster as dg

from ..orchestration.partitions import daily_partitions
from ..orchestration.resources import SlmLocations
from .land import land
from .landing import open_landing
from .remote_lake import LakeBusy, writing


@dg.sensor(job_name="slm_daily", minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def new_landing_files(context: dg.SensorEvaluationContext, slm: SlmLocations):
    """Lists the landing location; when it changed since the cursor, lands what is new (by content
    hash, as every run does) and requests one run per day the new files hold events for."""
    settings = slm.settings()
    listing = open_landing(settings.landing).files()
    state = hashlib.sha256("\n".join(f.fingerprint for f in listing).encode()).hexdigest()
    if state == context.cursor:
        return dg.SkipReason(f"no change in {settings.landing} ({len(listing)} file(s))")
    try:
        with writing(settings, "sensor new_landing_files") as lake:
            report = land(lake, settings.landing, formats=settings.formats)
    except LakeBusy as busy:  # another pipeline is writing the lake: the next tick tries again
        return dg.SkipReason(str(busy))
    context.update_cursor(state)
    if not report.landed:
        return dg.SkipReason(f"{settings.landing} changed, but every file was landed before")
    known = set(daily_partitions.get_partition_keys())
    days = sorted({d for e in report.landed for d in e.days})
    outside = [d for d in days if d not in known]
    if outside:
        context.log.warning(f"events on days outside the partitions, not scheduled: {', '.join(outside)}")
    batch = hashlib.sha256(",".join(sorted(e.file_sha256 for e in report.landed)).encode()).hexdigest()[:16]
    context.log.info(f"landed {len(report.landed)} file(s) ({len(report.corrections)} correction(s)); "
                     f"requesting {len(days) - len(outside)} day(s)")
    return [dg.RunRequest(partition_key=day, run_key=f"{day}:{batch}",
                          tags={"slm/trigger": "new_landing_files"}) for day in days if day in known]
