"""Data quality: Great Expectations suites from `expectations/`, run as Dagster asset checks.

GX 1.x is wrapped by hand (dagster-ge is pinned below GX 1.0) and always validates pandas frames:
its SQL path through duckdb-engine has known metric bugs. The suites are plain JSON in git and
are loaded into an ephemeral context, because a file context rewrites its own YAML whenever a
datasource is registered and the repository must not change when the pipeline runs. Validation
results and the Data Docs site are written under the home (`quality/`), and every check's
outcome is appended to `quality/checks.jsonl`, which the audit snapshot consults: a failed
error-level check blocks the snapshot of its period unless a person overrides it with a reason.
Checks read the lake or the warehouse read-only; they never write data.
"""

import datetime as dt
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

# GX reports usage to its vendor unless told not to; this project never phones home.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import dagster as dg  # noqa: E402
import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from .ingest import Lake  # noqa: E402
from .resources import SlmResource  # noqa: E402
from .storage import exclusive_lock  # noqa: E402

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"
SAMPLE = 10  # offending rows shown in a check's metadata
ERROR, WARN = "ERROR", "WARN"
# A landing path that names the day it was delivered for: dt=2026-10-05, date=..., 2026/10/05, 2026-10-05
DELIVERY_DAY_RE = re.compile(r"(?:^|/)(?:(?:dt|date|day)=)?(\d{4})[-/](\d{2})[-/](\d{2})(?:/|$)")


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int = 0
    unexpected_sample: list = field(default_factory=list)
    unexpected_index: list = field(default_factory=list)
    observed: object = None


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


_gx_contexts: dict[str, object] = {}


def _context(home: Path | None):
    """One ephemeral GX context per home and process; with a home, validation results and Data
    Docs are kept in files under `home/quality`."""
    key = str(home or "")
    if key not in _gx_contexts:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig)

        config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                                   analytics_enabled=False, progress_bars=ProgressBarsConfig(globally=False))
        if home:
            base = Path(home) / "quality"
            config.stores["validation_results_store"] = {
                "class_name": "ValidationResultsStore",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(base / "gx")},
            }
            config.data_docs_sites = {"local_site": {
                "class_name": "SiteBuilder", "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(base / "data_docs")},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }}
        ctx = gx.get_context(mode="ephemeral", project_config=config)
        asset = ctx.data_sources.add_pandas("frames").add_dataframe_asset("frame")
        asset.add_batch_definition_whole_dataframe("whole")
        _gx_contexts[key] = ctx
    return _gx_contexts[key]


def load_suite(name: str) -> dict:
    path = EXPECTATIONS_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def validate_frame(frame: pd.DataFrame, suite_name: str, complete: bool = False,
                   home: Path | None = None) -> SuiteOutcome:
    """Validate a frame against a suite; `complete` returns every offending row index. With a
    home, the result is stored and the Data Docs site rebuilt."""
    import great_expectations as gx

    ctx = _context(home)
    suite = ctx.suites.add_or_update(gx.ExpectationSuite(**load_suite(suite_name)))
    batch_def = ctx.data_sources.get("frames").get_asset("frame").get_batch_definition("whole")
    definition = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(data=batch_def, suite=suite, name=suite_name))
    result = definition.run(batch_parameters={"dataframe": frame},
                            result_format="COMPLETE" if complete else "SUMMARY")
    if home:
        ctx.build_data_docs()
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
            column=cfg.kwargs.get("column") or cfg.kwargs.get("column_A"),
            success=bool(r.success),
            unexpected_count=int(res.get("unexpected_count") or 0),
            unexpected_sample=list(res.get("partial_unexpected_list") or [])[:SAMPLE],
            unexpected_index=list(res.get("unexpected_index_list") or []) if complete else [],
            observed=res.get("observed_value"),
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


# --- the record of check outcomes ---------------------------------------------------------------------


@dataclass
class CheckRecord:
    check: str
    severity: str
    passed: bool
    window_start: str | None
    window_end: str | None
    run_id: str
    at: str
    failed: list


def record_outcome(quality_dir: Path, record: CheckRecord) -> None:
    """Append one check outcome to `checks.jsonl` (the evidence an audit snapshot cites)."""
    quality_dir.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(quality_dir / ".lock"):
        with open(quality_dir / "checks.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(record), default=str, sort_keys=True) + "\n")


def read_outcomes(quality_dir: Path) -> list[CheckRecord]:
    path = quality_dir / "checks.jsonl"
    if not path.exists():
        return []
    return [CheckRecord(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def outcomes_for_period(quality_dir: Path, start: dt.date, end: dt.date) -> list[CheckRecord]:
    """For each check, the newest outcome for every day of [start, end) that a run checked; a
    later run over a day replaces what an earlier one said about it."""
    newest: dict[tuple[str, str], CheckRecord] = {}
    for rec in sorted(read_outcomes(quality_dir), key=lambda r: r.at):
        if not rec.window_start:
            continue
        day = max(dt.date.fromisoformat(rec.window_start), start)
        last = min(dt.date.fromisoformat(rec.window_end), end)
        while day < last:
            newest[(rec.check, day.isoformat())] = rec
            day += dt.timedelta(days=1)
    unique: dict[tuple, CheckRecord] = {}
    for rec in newest.values():
        unique[(rec.check, rec.run_id, rec.at)] = rec
    return sorted(unique.values(), key=lambda r: (r.check, r.at))


def _result(context: dg.AssetCheckExecutionContext, slm: SlmResource, name: str, passed: bool,
            severity: str, failed: list, metadata: dict) -> dg.AssetCheckResult:
    asset = CHECK_ASSETS[name]
    """The Dagster result of a check, recorded in `checks.jsonl` first."""
    window = run_window(context)
    record_outcome(slm.settings().quality, CheckRecord(
        check=name, severity=severity, passed=passed,
        window_start=window[0].isoformat() if window else None,
        window_end=window[1].isoformat() if window else None,
        run_id=context.run.run_id, at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"),
        failed=failed))
    return dg.AssetCheckResult(
        asset_key=asset, check_name=name, passed=passed,
        severity=dg.AssetCheckSeverity.ERROR if severity == ERROR else dg.AssetCheckSeverity.WARN,
        metadata={**metadata, "failed_expectations": dg.MetadataValue.json(failed),
                  "data_docs": str(slm.settings().quality / "data_docs" / "index.html")},
    )


def _failed(outcome: SuiteOutcome, frame: pd.DataFrame | None = None, show: tuple[str, ...] = ()) -> list[dict]:
    """Failed expectations with their offending values, or offending rows when `show` names columns."""
    out = []
    for o in outcome.failed:
        item = {"expectation": o.expectation, "column": o.column, "unexpected_count": o.unexpected_count}
        if show and frame is not None and o.unexpected_index:
            rows = frame.loc[sorted(o.unexpected_index)[:SAMPLE], list(show)]
            item["rows"] = json.loads(rows.to_json(orient="records", date_format="iso"))
        else:
            item["sample"] = [str(v) for v in o.unexpected_sample]
        if o.observed is not None and not o.unexpected_sample:
            item["observed"] = str(o.observed)
        out.append(item)
    return out


# --- landed events ----------------------------------------------------------------------------------


def delivery_day(path: str) -> dt.date | None:
    """The day a landing path says its file was delivered for (dt=YYYY-MM-DD and the like)."""
    found = DELIVERY_DAY_RE.findall(path)
    if not found:
        return None
    try:
        return dt.date(*map(int, found[-1]))
    except ValueError:
        return None


def landed_events_frame(lake: Lake, window: tuple[dt.date, dt.date] | None) -> pd.DataFrame:
    """The landed events of the window, with the landing path of their file and how far (in
    minutes) each event lies outside the day its delivery path names."""
    files = sorted(lake.events.glob("day=*/events.parquet"))
    if window:
        lo, hi = window
        files = [f for f in files if lo.isoformat() <= f.parent.name[4:] < hi.isoformat()]
    if not files:
        return pd.DataFrame()
    deliveries = pd.DataFrame(
        [(e.file_sha256, e.path, delivery_day(e.path)) for e in lake.ledger()],
        columns=["file_sha256", "landing_path", "delivery_day"],
    ).drop_duplicates("file_sha256", keep="last")
    with duckdb.connect() as con:
        con.register("deliveries", deliveries)
        return con.execute("""
            select e.* replace (cast(e.day as varchar) as day), d.landing_path,
                   strftime(e.event_ts, '%Y-%m-%d') as event_day,
                   case
                       when d.delivery_day is null then null
                       when e.event_ts < cast(d.delivery_day as timestamp)
                           then date_diff('minute', e.event_ts, cast(d.delivery_day as timestamp))
                       when e.event_ts >= cast(d.delivery_day as timestamp) + interval 1 day
                           then date_diff('minute', cast(d.delivery_day as timestamp) + interval 1 day, e.event_ts)
                       else 0
                   end as minutes_outside_delivery_day
            from read_parquet(?) as e
            left join deliveries as d using (file_sha256)
            order by e.event_ts, e.file_sha256, e.line
        """, [[str(f) for f in files]]).df()


LANDED_COLUMNS = ["event_ts", "day", "service", "operation", "status_code", "outcome", "latency_ms", "source",
                  "region", "is_probe", "sample_rate", "version", "trace_id", "file_sha256", "line"]
ROW_EVIDENCE = ("landing_path", "line", "service", "event_ts")


def landed_events_valid(context: dg.AssetCheckExecutionContext, slm: SlmResource, frame: pd.DataFrame) -> dg.AssetCheckResult:
    """Suite `landed_events` (error, blocking): schema, required fields, value ranges, and every
    event inside the day partition it is stored in."""
    if frame.empty:
        return _result(context, slm, "landed_events_valid", True, ERROR, [], {"rows": 0})
    checked = frame[LANDED_COLUMNS + ["event_day", "landing_path"]]
    outcome = validate_frame(checked, "landed_events", complete=True, home=slm.settings().home)
    return _result(context, slm, "landed_events_valid", outcome.success, ERROR,
                   _failed(outcome, checked, ROW_EVIDENCE), {"rows": len(frame)})


def landed_event_times(context: dg.AssetCheckExecutionContext, slm: SlmResource, frame: pd.DataFrame) -> dg.AssetCheckResult:
    """Suite `landed_event_times` (error): events of a delivery whose path names a day
    (dt=YYYY-MM-DD, YYYY/MM/DD, ...) lie within that day, give or take an hour; a file from a host
    with a skewed clock fails. It does not stop the run; it blocks the period's snapshot."""
    if frame.empty:
        return _result(context, slm, "landed_event_times", True, ERROR, [], {"rows": 0})
    outcome = validate_frame(frame, "landed_event_times", complete=True, home=slm.settings().home)
    return _result(context, slm, "landed_event_times", outcome.success, ERROR,
                   _failed(outcome, frame, ROW_EVIDENCE + ("minutes_outside_delivery_day",)),
                   {"rows": len(frame), "rows_with_delivery_day": int(frame["minutes_outside_delivery_day"].notna().sum())})


def landed_event_duplicates(context: dg.AssetCheckExecutionContext, slm: SlmResource, frame: pd.DataFrame) -> dg.AssetCheckResult:
    """Suite `landed_event_duplicates` (warn): the share of events repeating another's trace_id."""
    if frame.empty:
        return _result(context, slm, "landed_event_duplicates", True, WARN, [], {"rows": 0})
    outcome = validate_frame(frame[["trace_id"]], "landed_event_duplicates", home=slm.settings().home)
    repeated = frame["trace_id"].dropna()
    repeated = repeated[repeated.duplicated(keep=False)]
    return _result(context, slm, "landed_event_duplicates", outcome.success, WARN, _failed(outcome), {
        "rows": len(frame), "rows_with_trace_id": int(frame["trace_id"].notna().sum()),
        "rows_sharing_a_trace_id": len(repeated),
        "duplicated_trace_ids": dg.MetadataValue.json(sorted(repeated.unique().tolist())[:SAMPLE]),
    })


def freshness_frame(frame: pd.DataFrame, window: tuple[dt.date, dt.date] | None, now: dt.datetime) -> pd.DataFrame:
    """One row: the newest landed event of the window and its lag behind the window's end (or now,
    when the window reaches into the future)."""
    if frame.empty:
        return frame
    newest = pd.Timestamp(frame["event_ts"].max())
    end = pd.Timestamp(window[1]) if window else newest
    reference = min(end, pd.Timestamp(now.replace(tzinfo=None)))
    by_service = frame.groupby("service")["event_ts"].max().sort_index()
    return pd.DataFrame([{
        "newest_event_ts": newest,
        "reference_ts": reference,
        "lag_minutes": max(0.0, (reference - newest).total_seconds() / 60),
        "newest_by_service": {k: pd.Timestamp(v).isoformat() for k, v in by_service.items()},
    }])


def telemetry_fresh(context: dg.AssetCheckExecutionContext, slm: SlmResource, events: pd.DataFrame) -> dg.AssetCheckResult:
    """Suite `telemetry_freshness` (warn): the newest landed event is recent at the window's end."""
    frame = freshness_frame(events, run_window(context), dt.datetime.now(dt.timezone.utc))
    if frame.empty:
        return _result(context, slm, "telemetry_fresh", False, WARN,
                       [{"expectation": "events landed", "observed": "none"}], {"rows": 0})
    outcome = validate_frame(frame[["lag_minutes"]], "telemetry_freshness", home=slm.settings().home)
    row = frame.iloc[0]
    return _result(context, slm, "telemetry_fresh", outcome.success, WARN, _failed(outcome), {
        "newest_event": row["newest_event_ts"].isoformat(), "lag_minutes": round(float(row["lag_minutes"]), 1),
        "newest_by_service": dg.MetadataValue.json(row["newest_by_service"]),
    })


# --- marts ----------------------------------------------------------------------------------------------


def mart_frame(warehouse: Path, sql: str, params: list) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params).df()


def _window_params(window: tuple[dt.date, dt.date] | None) -> tuple[str, list]:
    return ("where day >= ? and day < ?", list(window)) if window else ("", [])


def telemetry_complete(context: dg.AssetCheckExecutionContext, slm: SlmResource) -> dg.AssetCheckResult:
    """Suite `telemetry_completeness` (warn): no telemetry gap in the window; lists the gaps."""
    window = run_window(context)
    where, params = ("where gap_start < ? and gap_end > ?", [window[1], window[0]]) if window else ("", [])
    frame = mart_frame(slm.settings().warehouse, f"""
        select service, source, gap_start, gap_end, gap_minutes, expected_records, expected_by
        from marts.fct_telemetry_gaps {where} order by service, source, gap_start""", params)
    outcome = validate_frame(frame, "telemetry_completeness", home=slm.settings().home)
    gaps = json.loads(frame.to_json(orient="records", date_format="iso"))
    return _result(context, slm, "telemetry_complete", outcome.success, WARN, _failed(outcome), {
        "gaps": len(frame), "gap_minutes": int(frame["gap_minutes"].sum()) if len(frame) else 0,
        "services_with_gaps": ", ".join(sorted(set(frame["service"]))) or "none",
        "gap_list": dg.MetadataValue.json(gaps[:50]),
    })


def telemetry_volume(context: dg.AssetCheckExecutionContext, slm: SlmResource) -> dg.AssetCheckResult:
    """Suite `telemetry_volume` (warn): each source's daily records within half and twice the
    median of the same weekday in the previous weeks."""
    where, params = _window_params(run_window(context))
    frame = mart_frame(slm.settings().warehouse, f"""
        select service, source, day, records, baseline_records, baseline_weeks, volume_ratio
        from marts.fct_telemetry_volume {where} order by service, source, day""", params)
    outcome = validate_frame(frame, "telemetry_volume", complete=True, home=slm.settings().home)
    return _result(context, slm, "telemetry_volume", outcome.success, WARN,
                   _failed(outcome, frame, ("service", "source", "day", "records", "baseline_records", "volume_ratio")),
                   {"days_checked": len(frame), "days_with_baseline": int(frame["volume_ratio"].notna().sum())})


def sli_daily_valid(context: dg.AssetCheckExecutionContext, slm: SlmResource) -> dg.AssetCheckResult:
    """Suite `fct_sli_daily` (error): ratios in [0, 1] and good never above total."""
    where, params = _window_params(run_window(context))
    frame = mart_frame(slm.settings().warehouse, f"""
        select slo_name, day, round(good_events, 6) as good_events, round(total_events, 6) as total_events,
               round(sli, 9) as sli, round(sli_adjusted, 9) as sli_adjusted, round(coverage, 9) as coverage
        from marts.fct_sli_daily {where} order by slo_name, day""", params)
    outcome = validate_frame(frame, "fct_sli_daily", complete=True, home=slm.settings().home)
    return _result(context, slm, "sli_daily_valid", outcome.success, ERROR,
                   _failed(outcome, frame, ("slo_name", "day", "good_events", "total_events")), {"rows": len(frame)})


# --- the Dagster checks: one step reads the landed events once for four checks, one step reads the
# marts for three (each step is a process of its own under `dagster dev`) ------------------------------

LANDED = dg.AssetKey("landed_events")
CHECK_ASSETS = {
    "landed_events_valid": LANDED, "landed_event_times": LANDED, "landed_event_duplicates": LANDED,
    "telemetry_fresh": LANDED,
    "telemetry_complete": dg.AssetKey(["marts", "fct_telemetry_gaps"]),
    "telemetry_volume": dg.AssetKey(["marts", "fct_telemetry_volume"]),
    "sli_daily_valid": dg.AssetKey(["marts", "fct_sli_daily"]),
}
LANDED_CHECKS = (landed_events_valid, landed_event_times, landed_event_duplicates, telemetry_fresh)
MART_CHECKS = (telemetry_complete, telemetry_volume, sli_daily_valid)


def _spec(check, **kwargs) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(check.__name__, asset=CHECK_ASSETS[check.__name__],
                             description=(check.__doc__ or "").strip(), **kwargs)


@dg.multi_asset_check(
    specs=[_spec(c, blocking=c is landed_events_valid) for c in LANDED_CHECKS],
    name="landed_events_checks",
)
def landed_events_checks(context: dg.AssetCheckExecutionContext, slm: SlmResource):
    """The checks of the landed events of the run's days (read once)."""
    frame = landed_events_frame(Lake(slm.settings().lake), run_window(context))
    for check in LANDED_CHECKS:
        yield check(context, slm, frame)


@dg.multi_asset_check(specs=[_spec(c) for c in MART_CHECKS], name="mart_checks", pool="warehouse")
def mart_checks(context: dg.AssetCheckExecutionContext, slm: SlmResource):
    """The checks of the marts for the run's days."""
    for check in MART_CHECKS:
        yield check(context, slm)


QUALITY_CHECKS = [landed_events_checks, mart_checks]
