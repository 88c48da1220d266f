"""Runs the pipeline for the command line: the same Dagster job the schedule runs, in process.

The run is recorded in the Dagster instance under $SLM_HOME/dagster, so `dagster dev` with
DAGSTER_HOME pointing there shows the CLI's runs next to its own.
"""

import datetime as dt
import logging
import re
import shutil
import sys
from dataclasses import dataclass, field
from typing import Callable

import dagster as dg

from ..catalog import CatalogError, require_catalog
from ..core.periods import PeriodError, parse_day
from ..ingest import land, landed_days
from ..ingest.remote_lake import writing
from ..orchestration.event_log import keep_shard_engines
from ..orchestration.partitions import range_tags
from ..orchestration.recovery import process_tags, reap_dead_runs
from ..quality.results import CheckVerdict, is_dbt_test
from ..settings import Settings, project_dir
from ..warehouse.project import parse_ahead, prepare_manifest

INFRA_DIR = project_dir() / "infra"

Printer = Callable[[str], None]


class PipelineError(Exception):
    pass


@dataclass
class RunResult:
    success: bool
    start: str
    end: str
    run_id: str
    checks: list[CheckVerdict] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # step -> why it failed


# dagster-dbt's notes about its own mechanics; dbt's output itself is shown as it comes.
_CHATTER = ("Finished", "Copying `", "A dbt subsetted execution", "Running dbt command")


class _ProgressHandler(logging.Handler):
    """Prints the assets' own messages and step outcomes; Dagster's framework chatter is dropped."""

    def __init__(self, out: Printer):
        super().__init__(logging.INFO)
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", {}) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        if event is None:
            message = meta.get("orig_message", record.getMessage())
            if record.levelno >= logging.INFO and step and not message.startswith(_CHATTER):
                self.out(f"  {step}: {message}")
            return
        kind = event.event_type_value
        if kind == "STEP_FAILURE":
            self.out(f"  {step}: FAILED")

        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            verdict = "passed" if data.passed else f"FAILED ({data.severity.value.lower()})"
            if not is_dbt_test(data.check_name) or not data.passed:
                self.out(f"  check {data.asset_key.to_user_string()}/{data.check_name}: {verdict}")


def _progress_logger(out: Printer) -> dg.LoggerDefinition:
    @dg.logger(description="Concise progress lines for the slm command line")
    def progress(_init_context):
        log = logging.getLogger(f"slm.progress.{id(out)}")
        log.setLevel(logging.INFO)
        log.handlers = [_ProgressHandler(out)]
        log.propagate = False
        return log

    return progress


def instance_for(settings: Settings, out: Printer = print) -> dg.DagsterInstance:
    """The home's Dagster instance, with the runs of killed processes failed and their slots freed;
    its event log keeps a connection per shard (`orchestration.event_log`) until the instance is
    disposed (`with instance_for(...) as instance`)."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(INFRA_DIR / "dagster.yaml", home / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(home))
    keep_shard_engines(instance.event_log_storage)
    reap_dead_runs(instance, out)
    return instance


def _landing_progress(out: Printer) -> Callable[[int, int, str], None]:
    tty = sys.stdout.isatty()

    def report(i: int, n: int, rel: str) -> None:
        if tty:
            end = "\n" if i == n else ""
            print(f"\r  landing files {i}/{n} ({100 * i // n} %)", end=end, flush=True)
        elif i == n or i % max(1, n // 10) == 0:
            out(f"  landing files {i}/{n}")

    return report


def _parse_day(value: str | None, what: str) -> dt.date | None:
    try:
        return parse_day(value, f"--{what}")
    except PeriodError as exc:
        raise PipelineError(str(exc)) from None


def run_pipeline(settings: Settings, start: str | None = None, end: str | None = None,
                 out: Printer = print, full_refresh: bool = False) -> RunResult:
    """Catalog -> ingest -> dbt -> checks for the days [start, end] (both inclusive); a full
    refresh covers every landed day and rebuilds the incremental models from the lake."""
    if full_refresh and (start or end):
        raise PipelineError("--full-refresh rebuilds every landed day: leave out --start and --end")
    settings.export()
    try:
        require_catalog(settings.catalog)
    except CatalogError as exc:
        for p in exc.problems:
            out(f"  {p}")
        raise PipelineError(f"catalog {settings.catalog} has {len(exc.problems)} problem(s); fix them first") from None
    first, last = _parse_day(start, "start"), _parse_day(end, "end")
    if first and last and last < first:
        raise PipelineError(f"--end {end} is before --start {start}")

    with parse_ahead(settings.dbt_parse_cache):
        result, first, last = _land_and_compute(settings, first, last, out, full_refresh)
    checks = [
        CheckVerdict(c.asset_key.to_user_string(), c.check_name, c.passed, c.severity.value,
                     {k: v.value for k, v in c.metadata.items()})
        for c in result.get_asset_check_evaluations()
    ]
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return RunResult(result.success, first.isoformat(), last.isoformat(), result.run_id, checks,
                     [e.step_key for e in failures], {e.step_key: _failure_message(e) for e in failures})


def _land_and_compute(settings: Settings, first: dt.date | None, last: dt.date | None, out: Printer,
                      full_refresh: bool) -> tuple[dg.ExecuteInProcessResult, dt.date, dt.date]:
    """Land what is new, then run the Dagster job over [first, last] (default: the landed days)."""
    out(f"Landing {settings.landing}")
    with writing(settings, "slm run", progress=lambda line: out(f"  {line}")) as lake:
        report = land(lake, settings.landing, progress=_landing_progress(out), formats=settings.formats)
    read = sum(e.rows_read for e in report.landed)
    bad = sum(e.rows_quarantined for e in report.landed)
    out(f"  {len(report.landed)} new file(s), {read} records read, {read - bad} landed, {bad} quarantined; "
        f"{report.already_landed} file(s) landed before")
    for rel, why in report.skipped[:20]:
        out(f"  skipped {rel}: {why}")
    if len(report.skipped) > 20:
        out(f"  ... and {len(report.skipped) - 20} more skipped")
    if report.abandoned:
        out(f"  removed {report.abandoned} temporary file(s) left in the lake by a killed run")
    days = landed_days(lake)
    if not days:
        raise PipelineError(f"no telemetry landed from {settings.landing} (see lake/quarantine for what was "
                            f"refused): nothing to compute")
    first = first or dt.date.fromisoformat(days[0])
    last = last or dt.date.fromisoformat(days[-1])

    prepare_manifest()
    from ..definitions import build_definitions  # only now: importing it needs the dbt manifest

    job = build_definitions(settings).resolve_job_def("slm_daily")
    how = ", full refresh" if full_refresh else ""
    out(f"Computing {first} .. {last} ({(last - first).days + 1} day(s){how}) with Dagster job slm_daily")
    with instance_for(settings, out) as instance:
        result = job.with_logger_defs({"progress": _progress_logger(out)}).execute_in_process(
            instance=instance,
            tags={**range_tags(first, last, full_refresh), **process_tags()},
            run_config={"loggers": {"progress": {}}},
            raise_on_error=False,
        )
    return result, first, last


def _failure_message(event) -> str:
    """The sentence that says why a step failed: the innermost cause's last line, without the
    exception's class ("pipelines.audit.stores.base.SnapshotError: ...")."""
    error = event.event_specific_data.error if event and event.event_specific_data else None
    while error is not None and error.cause is not None:
        error = error.cause
    message = (error.message if error else None) or (event.message if event else None) or "failed"
    last = message.strip().splitlines()[-1] if message.strip() else "failed"
    return re.sub(r"^[\w.]+(Error|Exception): ", "", last)


def run_snapshot(settings: Settings, period: str = "", contract: str = "", override_reason: str = "",
                 restate_reason: str = "", out: Printer = print) -> dict:
    """Materialize the audit_snapshot asset; returns its metadata."""
    settings.export()
    prepare_manifest()
    from ..definitions import build_definitions

    job = build_definitions(settings).resolve_job_def("slm_snapshot").with_logger_defs({"progress": _progress_logger(lambda _line: None)})
    with instance_for(settings, out) as instance:
        result = job.execute_in_process(
            instance=instance,
            tags=process_tags(),
            run_config={"ops": {"audit_snapshot": {"config": {"period": period, "contract": contract,
                                                              "override_reason": override_reason,
                                                              "restate_reason": restate_reason}}},
                        "loggers": {"progress": {}}},
            raise_on_error=False,
        )
    if not result.success:
        failure = next((e for e in result.all_events if e.event_type_value == "STEP_FAILURE"), None)
        raise PipelineError(_failure_message(failure) if failure else "snapshot run failed")
    mats = result.asset_materializations_for_node("audit_snapshot")
    return {k: v.value for k, v in mats[-1].metadata.items()}
