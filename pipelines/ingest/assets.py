"""Ingest as Dagster definitions: the `landed_events` asset and the new-files sensor.

`landed_events` is three kinds of step: one plans (lists the landing zone, leaves out what its
fingerprint says was read before, and deals the rest out by size), one per share lands its files
(in parallel: a process each under Dagster's multiprocess executor, a Kubernetes job each under
`SLM_EXECUTOR=k8s`), and one publishes the run's day partitions. `land` keeps the ledger's
promises however many steps land at once (land.py)."""

import dagster as dg

from ..core.periods import days_between
from ..orchestration.partitions import daily_partitions
from ..orchestration.policies import retry_if_transient
from ..orchestration.resources import SlmLocations
from ..settings import landing_steps
from .land import LandingReport, land, remember
from .deploys import publish_deploys
from .incidents import publish_incidents
from .lake import write_day_partition
from .landing import open_landing
from .remote_lake import landing_step, reading, writing
from .sensors import new_landing_files


def deal(sizes: dict[str, int], shares: int) -> list[list[str]]:
    """Landing paths dealt into at most `shares` lists of about equal bytes (largest first, each to
    the lightest list); always one list, empty when there is nothing to land."""
    out: list[tuple[int, list[str]]] = [(0, []) for _ in range(max(1, min(shares, len(sizes))))]
    for rel in sorted(sizes, key=lambda r: (-sizes[r], r)):
        total, rels = min(out, key=lambda s: s[0])
        out[out.index((total, rels))] = (total + sizes[rel], rels + [rel])
    return [sorted(rels) for _, rels in out]


@dg.op(out=dg.DynamicOut(list))
def plan_landing(context: dg.OpExecutionContext, slm: SlmLocations):
    """The landing files not read before (by fingerprint), dealt into `SLM_LANDING_STEPS` shares."""
    settings = slm.settings()
    lake = reading(settings)
    try:
        if lake.remote is not None:
            lake.remote.pull(lake, context.log.info)
        read_before = {e.file_sha256 for e in lake.ledger()}
        fingerprints = lake.fingerprints()
        sizes = {f.rel: f.size for f in open_landing(settings.landing).files()
                 if fingerprints.get(f.fingerprint) not in read_before}
    except Exception as exc:
        retry_if_transient(context, exc)  # e.g. S3 throttled or timed out
        raise
    shares = deal(sizes, landing_steps())
    context.log.info(f"{len(sizes)} landing file(s) to read, in {len(shares)} step(s)")
    for i, rels in enumerate(shares):
        yield dg.DynamicOutput(rels, mapping_key=f"share_{i}")


@dg.op
def land_share(context: dg.OpExecutionContext, slm: SlmLocations, rels: list) -> LandingReport:
    """Land one share of the new files (a file another step or run landed meanwhile is counted as
    landed before)."""
    settings = slm.settings()
    try:
        with landing_step(settings, context.log.info) as lake:
            report = land(lake, settings.landing, formats=settings.formats, only=set(rels))
    except Exception as exc:
        retry_if_transient(context, exc)
        raise
    for e in report.landed:
        context.log.info(f"landed {e.path}: {e.rows_read} read = {e.rows_landed} landed + {e.rows_quarantined} quarantined")
    return report


@dg.op(out=dg.Out(dg.Nothing))
def publish_days(context: dg.OpExecutionContext, slm: SlmLocations, reports: list) -> None:
    """Rebuild exactly the run's day partitions from the lake's active files, each replaced
    atomically (under the lake's lease when it is on S3)."""
    settings = slm.settings()
    window = context.partition_time_window
    days = days_between(window.start.date(), window.end.date())
    landed = [e for r in reports for e in r.landed]
    try:
        with writing(settings, f"run {context.run.run_id}", progress=context.log.info) as lake:
            remember(lake, {k: v for r in reports for k, v in r.read.items()})
            active = lake.active()
            rows = {day: write_day_partition(lake, day, active) for day in days}
            incidents, deploys = publish_incidents(lake), publish_deploys(lake)
    except Exception as exc:
        retry_if_transient(context, exc)
        raise
    context.log.info(f"published {len(days)} day partition(s), {sum(rows.values())} events; {incidents} incident(s), {deploys} deploy(s)")
    context.add_output_metadata({
        "landing": settings.landing,
        "landing_steps": len(reports),
        "files_landed": len(landed),
        "files_already_landed": sum(r.already_landed for r in reports),
        "rows_read": sum(e.rows_read for e in landed),
        "rows_landed": sum(e.rows_landed for e in landed),
        "rows_quarantined": sum(e.rows_quarantined for e in landed),
        "events_published": sum(rows.values()),
        "events_by_day": dg.MetadataValue.json(rows),
        "incidents": incidents,
        "deploys": deploys,
    })


@dg.graph_asset(
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"python", "parquet"},
    group_name="ingest",
)
def landed_events():
    """Canonical request events, one Parquet file per UTC day, built from the landing zone.

    Lands every landing file not seen before (by content hash; bad records to quarantine), in
    parallel steps, then rebuilds exactly the day partitions of this run, each replaced atomically."""
    return publish_days(plan_landing().map(land_share).collect())


definitions = dg.Definitions(assets=[landed_events], sensors=[new_landing_files])
