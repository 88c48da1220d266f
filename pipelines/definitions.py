"""Assembles the Dagster definitions; each stage lives in its own module."""

import dagster as dg

from .catalog_export import slo_catalog
from .dbt import warehouse_models
from .dbt_manifest import dbt_resource
from .ingest import landed_events
from .publish import published_marts
from .quality import QUALITY_CHECKS
from .resources import SlmResource
from .sensors import new_landing_files
from .settings import Settings
from .snapshots import audit_snapshot

pipeline_job = dg.define_asset_job(
    "slm_daily",
    selection=dg.AssetSelection.assets(slo_catalog, landed_events, warehouse_models, published_marts),
    description="Catalog -> ingest -> dbt -> checks -> BI release for a day (or a range of days in one run).",
)
snapshot_job = dg.define_asset_job(
    "slm_snapshot",
    selection=dg.AssetSelection.assets(audit_snapshot),
    description="Freeze a month's marts into the write-once snapshot store.",
)


def build_definitions(settings: Settings) -> dg.Definitions:
    settings.export()  # dbt subprocesses read SLM_HOME
    return dg.Definitions(
        assets=[slo_catalog, landed_events, warehouse_models, published_marts, audit_snapshot],
        asset_checks=QUALITY_CHECKS,
        jobs=[pipeline_job, snapshot_job],
        sensors=[new_landing_files],
        schedules=[
            # Shortly after each UTC midnight, the day that just ended.
            dg.build_schedule_from_partitioned_job(pipeline_job, hour_of_day=0, minute_of_hour=30),
            # On the 2nd of each month, the month that just ended (a day's grace for late data).
            dg.ScheduleDefinition(job=snapshot_job, cron_schedule="0 6 2 * *", execution_timezone="UTC"),
        ],
        resources={
            "slm": SlmResource(home=str(settings.home), landing=settings.landing, catalog=str(settings.catalog),
                               formats=";".join(f"{k}={v}" for k, v in settings.formats.items())),
            "dbt": dbt_resource(),
        },
    )


# What `dagster dev` loads ([tool.dagster] in pyproject.toml): locations from SLM_HOME & co.
defs = build_definitions(Settings.from_env())
