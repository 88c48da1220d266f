"""The data-quality checks as Dagster asset checks: one step checks the landed events (one DuckDB
view of them for four checks), one step reads the marts for three (each step is a process of its
own under `dagster dev`). Every result is appended to the ledger before Dagster sees it; checks never write data."""

import datetime as dt

import dagster as dg

from ..ingest.lake import Lake
from ..orchestration.partitions import window_of
from ..orchestration.resources import SlmLocations
from ..warehouse.project import mart
from .gx import data_docs_built_once
from .landed import LandedWindow, landed_event_duplicates, landed_event_times, landed_events_valid, telemetry_fresh
from .ledger import ERROR, CheckRecord, record_check
from .marts import sli_daily_valid, telemetry_complete, telemetry_volume
from .results import CheckResult

LANDED = dg.AssetKey("landed_events")
LANDED_CHECKS = (landed_events_valid, landed_event_times, landed_event_duplicates, telemetry_fresh)
MART_CHECKS = {telemetry_complete: "fct_telemetry_gaps", telemetry_volume: "fct_telemetry_volume",
               sli_daily_valid: "fct_sli_daily"}
CHECK_ASSETS = {c.__name__: LANDED for c in LANDED_CHECKS} | {
    c.__name__: dg.AssetKey(mart(name).asset_key) for c, name in MART_CHECKS.items()}


def _reported(context: dg.AssetCheckExecutionContext, slm: SlmLocations, result: CheckResult) -> dg.AssetCheckResult:
    """The Dagster result of a check, recorded in `checks.jsonl` first."""
    window = window_of(context.run.tags)
    quality = slm.settings().quality
    record_check(quality, CheckRecord(
        check=result.name, severity=result.severity, passed=result.passed,
        window_start=window[0].isoformat() if window else None,
        window_end=window[1].isoformat() if window else None,
        run_id=context.run.run_id, at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"),
        failed=result.failed))
    metadata = {k: dg.MetadataValue.json(v) if isinstance(v, (list, dict)) else v for k, v in result.metadata.items()}
    return dg.AssetCheckResult(
        asset_key=CHECK_ASSETS[result.name], check_name=result.name, passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR if result.severity == ERROR else dg.AssetCheckSeverity.WARN,
        metadata={**metadata, "failed_expectations": dg.MetadataValue.json(result.failed),
                  "data_docs": str(quality / "data_docs" / "index.html")},
    )


def _spec(check, **kwargs) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(check.__name__, asset=CHECK_ASSETS[check.__name__],
                             description=(check.__doc__ or "").strip(), **kwargs)


@dg.multi_asset_check(
    specs=[_spec(c, blocking=c is landed_events_valid) for c in LANDED_CHECKS],
    name="landed_events_checks",
)
def landed_events_checks(context: dg.AssetCheckExecutionContext, slm: SlmLocations):
    """The checks of the landed events of the run's days (one DuckDB view of them, never loaded whole)."""
    settings, window = slm.settings(), window_of(context.run.tags)
    with LandedWindow(Lake(settings.lake), window) as events, data_docs_built_once(settings.home):
        results = [check(events, window, settings.home) for check in LANDED_CHECKS]
    for result in results:
        yield _reported(context, slm, result)


@dg.multi_asset_check(specs=[_spec(c) for c in MART_CHECKS], name="mart_checks", pool="warehouse")
def mart_checks(context: dg.AssetCheckExecutionContext, slm: SlmLocations):
    """The checks of the marts for the run's days."""
    settings, window = slm.settings(), window_of(context.run.tags)
    with data_docs_built_once(settings.home):
        results = [check(settings.warehouse, window, settings.home) for check in MART_CHECKS]
    for result in results:
        yield _reported(context, slm, result)


definitions = dg.Definitions(asset_checks=[landed_events_checks, mart_checks])
