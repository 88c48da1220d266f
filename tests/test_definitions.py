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
