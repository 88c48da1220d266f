"""Data quality: Great Expectations suites from `expectations/`, run as Dagster asset checks.

GX 1.x is wrapped by hand (dagster-ge is pinned below GX 1.0) and always validates pandas frames:
its SQL path through duckdb-engine has known metric bugs. The suites are plain JSON in git and
are loaded into an ephemeral context, because a file context rewrites its own YAML whenever a
datasource is registered and the repository must not change when the pipeline runs.
Checks read the lake or the warehouse read-only; they never write data.
"""

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

# GX reports usage to its vendor unless told not to; this project never phones home.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import dagster as dg  # noqa: E402
import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from .ingest import Lake  # noqa: E402
from .resources import SlmResource  # noqa: E402

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"
SAMPLE = 10  # offending values shown in a check's metadata


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int = 0
    unexpected_sample: list = field(default_factory=list)
    unexpected_index: list = field(default_factory=list)


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


_gx_context = None


def _context():
    """One ephemeral GX context per process (creating one costs about a second)."""
    global _gx_context
    if _gx_context is None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = ctx.data_sources.add_pandas("frames").add_dataframe_asset("frame")
        asset.add_batch_definition_whole_dataframe("whole")
        _gx_context = ctx
    return _gx_context


def load_suite(name: str) -> dict:
    path = EXPECTATIONS_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def validate_frame(frame: pd.DataFrame, suite_name: str, complete: bool = False) -> SuiteOutcome:
    """Validate a frame against a suite; `complete` returns every offending row index."""
    import great_expectations as gx

    ctx = _context()
    suite = ctx.suites.add_or_update(gx.ExpectationSuite(**load_suite(suite_name)))
    batch_def = ctx.data_sources.get("frames").get_asset("frame").get_batch_definition("whole")
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format="COMPLETE" if complete else "SUMMARY")
    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        if r.exception_info and r.exception_info.get("raised_exception"):
            outcomes.append(ExpectationOutcome(cfg.type, cfg.kwargs.get("column"), False,
                                               unexpected_sample=[r.exception_info.get("exception_message")]))
            continue
        outcomes.append(ExpectationOutcome(
            expectation=cfg.type,
            column=cfg.kwargs.get("column"),
            success=bool(r.success),
            unexpected_count=int(res.get("unexpected_count") or 0),
            unexpected_sample=list(res.get("partial_unexpected_list") or [])[:SAMPLE],
            unexpected_index=list(res.get("unexpected_index_list") or []) if complete else [],
        ))
    return SuiteOutcome(suite_name, bool(result.success), outcomes)


def run_window(context: dg.AssetCheckExecutionContext) -> tuple[dt.date, dt.date] | None:
    """The half-open day window of the run the check belongs to (None: not partitioned)."""
    tags = context.run.tags
    start = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    end = tags.get("dagster/asset_partition_range_end") or tags.get("dagster/partition")
    if not start:
        return None
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end) + dt.timedelta(days=1)


def _outcome_metadata(outcome: SuiteOutcome) -> dict:
    return {
        "suite": outcome.suite,
        "expectations": len(outcome.outcomes),
        "failed_expectations": dg.MetadataValue.json([
            {"expectation": o.expectation, "column": o.column, "unexpected_count": o.unexpected_count,
             "sample": [str(v) for v in o.unexpected_sample]}
            for o in outcome.failed
        ]),
    }


def landed_events_frame(lake: Lake, window: tuple[dt.date, dt.date] | None) -> pd.DataFrame:
    files = sorted(lake.events.glob("day=*/events.parquet"))
    if window:
        lo, hi = window
        files = [f for f in files if lo.isoformat() <= f.parent.name[4:] < hi.isoformat()]
    if not files:
        return pd.DataFrame()
    with duckdb.connect() as con:
        return con.execute("select * from read_parquet(?)", [[str(f) for f in files]]).df()


@dg.asset_check(asset="landed_events", blocking=True, name="landed_events_valid")
def landed_events_valid(context: dg.AssetCheckExecutionContext, slm: SlmResource) -> dg.AssetCheckResult:
    """Suite `landed_events`: schema, required fields and value ranges of the landed days."""
    window = run_window(context)
    frame = landed_events_frame(Lake(slm.settings().lake), window)
    if frame.empty:
        return dg.AssetCheckResult(passed=True, metadata={"rows": 0, "note": "no landed events in the window"})
    outcome = validate_frame(frame, "landed_events")
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"rows": len(frame), **_outcome_metadata(outcome)},
    )


def service_hours_frame(warehouse: Path, window: tuple[dt.date, dt.date] | None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        query = "select service, hour_ts, day, records, is_expected from intermediate.int_service_hours_classified"
        if window:
            return con.execute(query + " where day >= ? and day < ? order by service, hour_ts", list(window)).df()
        return con.execute(query + " order by service, hour_ts").df()


def gaps_by_service(frame: pd.DataFrame, offending_rows: list[int]) -> dict[str, list[str]]:
    """Offending rows -> {service: ["2026-10-27T09:00", ...]} (hours in UTC)."""
    out: dict[str, list[str]] = {}
    for idx in sorted(offending_rows):
        row = frame.loc[idx]
        out.setdefault(row["service"], []).append(pd.Timestamp(row["hour_ts"]).strftime("%Y-%m-%dT%H:%M"))
    return out


@dg.asset_check(asset=dg.AssetKey(["intermediate", "int_service_hours_classified"]), name="telemetry_complete", pool="warehouse")
def telemetry_complete(context: dg.AssetCheckExecutionContext, slm: SlmResource) -> dg.AssetCheckResult:
    """Suite `telemetry_completeness`: no expected hour without telemetry. Lists the missing hours per service."""
    window = run_window(context)
    frame = service_hours_frame(slm.settings().warehouse, window)
    if frame.empty:
        return dg.AssetCheckResult(passed=True, metadata={"hours_checked": 0})
    outcome = validate_frame(frame, "telemetry_completeness", complete=True)
    missing = gaps_by_service(frame, [i for o in outcome.failed for i in o.unexpected_index])
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "hours_checked": len(frame),
            "missing_hours": sum(len(v) for v in missing.values()),
            "services_with_gaps": ", ".join(sorted(missing)) or "none",
            "missing_hours_by_service": dg.MetadataValue.json(missing),
            **_outcome_metadata(outcome),
        },
    )
