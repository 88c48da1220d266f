"""Assembles the Dagster definitions: each domain package contributes its own (assets, checks,
sensors); the jobs, schedules and resources that span them are defined here."""

import dagster as dg

from .audit import assets as audit
from .bi import assets as bi
from .catalog import assets as catalog
from .ingest import assets as ingest
from .orchestration.resources import SlmLocations
from .quality import checks as quality
from .settings import Settings, executor
from .warehouse import assets as warehouse

# Each domain's own definitions (held by module, not by name: Dagster loads the one Definitions
# object at this module's scope, `defs`).
DOMAINS = (catalog, ingest, warehouse, quality, bi, audit)

pipeline_job = dg.define_asset_job(
    "slm_daily",
    selection=dg.AssetSelection.assets(catalog.slo_catalog, ingest.landed_events, warehouse.warehouse_models,
                                       bi.published_marts),
    description="Catalog -> ingest -> dbt -> checks -> BI release for a day (or a range of days in one run).",
)
landing_job = dg.define_asset_job(
    "slm_land",
    selection=dg.AssetSelection.assets(ingest.landed_events),
    description="Land what is new in the landing zone (in parallel steps) and publish the run's days; no models.",
)
snapshot_job = dg.define_asset_job(
    "slm_snapshot",
    selection=dg.AssetSelection.assets(audit.audit_snapshot),
    description="Freeze a month's marts into the write-once snapshot store.",
)


def run_executor() -> dg.ExecutorDefinition | None:
    """How a launched run executes its steps (`SLM_EXECUTOR`): Dagster's default, one process per
    step on the run's machine; or one Kubernetes job per step (dagster-k8s, the `k8s` extra)."""
    if executor() == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    return None


def build_definitions(settings: Settings) -> dg.Definitions:
    settings.export()  # dbt subprocesses read SLM_HOME
    return dg.Definitions.merge(*(domain.definitions for domain in DOMAINS), dg.Definitions(
        executor=run_executor(),
        jobs=[pipeline_job, landing_job, snapshot_job],
        schedules=[
            # Shortly after each UTC midnight, the day that just ended.
            dg.build_schedule_from_partitioned_job(pipeline_job, hour_of_day=0, minute_of_hour=30),
            # On the 2nd of each month, the month that just ended (a day's grace for late data).
            dg.ScheduleDefinition(job=snapshot_job, cron_schedule="0 6 2 * *", execution_timezone="UTC"),
        ],
        resources={"slm": SlmLocations.of(settings), "dbt": warehouse.dbt_resource(),
                   # what steps hand each other (the landing shares and reports), in the home: on
                   # Kubernetes, steps are pods that share the home's volume, not a disk
                   "io_manager": dg.FilesystemIOManager(base_dir=str(settings.dagster_home / "storage"))},
    ))


# What `dagster dev` loads ([tool.dagster] in pyproject.toml): locations from SLM_HOME & co.
defs = build_definitions(Settings.from_env())


def landing_job_of_defs() -> dg.JobDefinition:
    """`slm_land` as `dg.reconstructable` needs it, for runs outside `dagster dev` whose steps
    run in processes of their own."""
    return defs.resolve_job_def("slm_land")
