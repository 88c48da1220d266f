import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.settings import Settings


def test_definitions_load_and_every_job_resolves(tmp_path):
    defs = build_definitions(Settings.resolve(tmp_path))
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {"slm_daily", "slm_snapshot"} <= jobs
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"landed_events", "catalog/slos", "marts/fct_sli_daily", "marts/fct_error_budget",
            "marts/fct_sla_compliance", "marts/fct_telemetry_gaps", "audit_snapshot"} <= keys
    # lineage from raw files to marts: the SLI mart reaches back to the landed events
    upstream = graph.get(dg.AssetKey(["staging", "stg_lake__events"])).parent_keys
    assert dg.AssetKey("landed_events") in upstream
    checks = {k.name for k in graph.asset_check_keys}
    assert {"landed_events_valid", "landed_event_times", "landed_event_duplicates", "telemetry_fresh",
            "telemetry_complete", "telemetry_volume", "sli_daily_valid"} <= checks


def test_a_daily_schedule_runs_the_partitioned_job(tmp_path):
    defs = build_definitions(Settings.resolve(tmp_path))
    repo = defs.get_repository_def()
    schedules = {s.job_name: s for s in repo.schedule_defs}
    assert schedules["slm_daily"].cron_schedule == "30 0 * * *"
    assert schedules["slm_snapshot"].cron_schedule == "0 6 2 * *"


def test_marts_and_the_bi_release_must_be_fresh_every_day(tmp_path):
    import datetime as dt

    graph = build_definitions(Settings.resolve(tmp_path)).resolve_asset_graph()
    fresh = {k.to_user_string(): graph.get(k).freshness_policy for k in graph.get_all_asset_keys()
             if graph.get(k).freshness_policy is not None}
    marts = {k.to_user_string() for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    assert set(fresh) == marts | {"published_marts"} and "marts/fct_sla_exposure" in marts
    for policy in fresh.values():  # the schedule runs daily at 00:30: late after 26 h, stale after 30 h
        assert (policy.warn_window.to_timedelta(), policy.fail_window.to_timedelta()) == (
            dt.timedelta(hours=26), dt.timedelta(hours=30))
    # the BI release follows the marts in the daily job
    job = build_definitions(Settings.resolve(tmp_path)).resolve_job_def("slm_daily")
    assert dg.AssetKey("published_marts") in job.asset_layer.executable_asset_keys


def test_only_failures_that_look_transient_are_retried(monkeypatch):
    from pipelines.orchestration.policies import retry_if_transient

    monkeypatch.setenv("SLM_RETRY_DELAY_SECONDS", "4")

    class Context:
        retry_number = 1
        log = type("Log", (), {"warning": staticmethod(lambda message: None)})()

    lock = OSError('IO Error: Could not set lock on file "warehouse.duckdb": Conflicting lock is held')
    try:
        retry_if_transient(Context(), lock)
    except dg.RetryRequested as retry:
        assert (retry.max_retries, retry.seconds_to_wait) == (2, 8)  # 4 s doubled for the 2nd try
    else:
        raise AssertionError("a lock conflict must be retried")
    assert retry_if_transient(Context(), ValueError("Binder Error: column x not found")) is None
    Context.retry_number = 2  # both retries spent
    assert retry_if_transient(Context(), lock) is None


def test_the_module_loads_as_dagster_loads_it(tmp_path):
    """`dagster dev` loads `pipelines.definitions` itself and refuses a module that holds more
    than one Definitions object at its scope (each domain's are reached through its module)."""
    dagster = Path(sys.executable).parent / "dagster"
    done = subprocess.run([str(dagster), "definitions", "validate", "-m", "pipelines.definitions"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**os.environ, "SLM_HOME": str(tmp_path / "home"), "DAGSTER_HOME": str(tmp_path)})
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "All code locations passed validation" in done.stdout + done.stderr
