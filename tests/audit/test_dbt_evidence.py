"""Which dbt runs a snapshot's evidence names: those whose days touch the period, read from each
run's window.json, or from the `--vars` of runs made before window.json existed."""

import datetime as dt
import json

from pipelines.audit.contents import dbt_evidence
from pipelines.settings import Settings


def write_run(settings: Settings, run_id: str, at: str, window: dict | None, args: dict) -> None:
    folder = settings.dbt_runs / run_id
    folder.mkdir(parents=True)
    results = {"args": args, "metadata": {"invocation_id": run_id, "generated_at": at, "dbt_version": "1.11"},
               "results": [{"unique_id": "model.slm_warehouse.fct_sli_daily", "status": "success"}]}
    (folder / "run_results.json").write_text(json.dumps(results))
    if window is not None:
        (folder / "window.json").write_text(json.dumps(window))


def test_runs_are_named_by_their_days_from_either_record(tmp_path):
    settings = Settings.resolve(tmp_path / "home", str(tmp_path / "landing"), tmp_path / "catalog")
    # October's days are [10-01, 11-01)
    write_run(settings, "in-october", "2026-11-02T00:00:00Z", {"min_date": "2026-10-30", "max_date": "2026-10-31"}, {})
    write_run(settings, "ends-where-october-starts", "2026-11-02T00:01:00Z",
              {"min_date": "2026-09-20", "max_date": "2026-10-01"}, {})
    write_run(settings, "everything", "2026-11-02T00:02:00Z", {}, {"full_refresh": True})
    write_run(settings, "old-vars-in-october", "2026-11-02T00:03:00Z", None,
              {"vars": '{"min_date": "2026-10-31", "max_date": "2026-11-01"}'})
    write_run(settings, "old-vars-in-november", "2026-11-02T00:04:00Z", None,
              {"vars": {"min_date": "2026-11-01", "max_date": "2026-11-02"}})
    # a window file that says nothing usable: the run may have touched any day, so it is named
    write_run(settings, "unreadable-window", "2026-11-02T00:05:00Z", None, {})
    (settings.dbt_runs / "unreadable-window" / "window.json").write_text("[1, 2]")
    evidence = dbt_evidence(settings, dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    assert [(r["dagster_run_id"], r["window"]) for r in evidence["runs"]] == [
        ("in-october", {"min_date": "2026-10-30", "max_date": "2026-10-31"}),
        ("everything", None),
        ("old-vars-in-october", {"min_date": "2026-10-31", "max_date": "2026-11-01"}),
        ("unreadable-window", None),
    ]
