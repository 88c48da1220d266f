"""`slm`'s Dagster instance writes its SQLite event log through one kept connection per shard, an
asset's days of a run in one batch (pipelines/orchestration/event_log.py): the same events on disk
as Dagster's own storage writes one at a time, read back, and written beside, by an instance that
knows nothing of it."""

import sqlite3

import dagster as dg
import pytest
from dagster._serdes import deserialize_value

from pipelines.cli.runner import instance_for
from pipelines.orchestration.event_log import _ShardEngines, keep_shard_engines
from pipelines.settings import DAGSTER_RANGE_EVENTS, Settings

DAYS = dg.DailyPartitionsDefinition(start_date="2026-10-01")
SPECS = [dg.AssetSpec(f"model_{i}") for i in range(3)]


@dg.multi_asset(specs=SPECS, partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run(),
                check_specs=[dg.AssetCheckSpec("counted", asset=SPECS[0].key)])
def models(context: dg.AssetExecutionContext):
    for spec in SPECS:
        yield dg.MaterializeResult(asset_key=spec.key, metadata={"days": len(context.partition_keys)},
                                   data_version=dg.DataVersion(f"v{len(context.partition_keys)}"))  # an indexed tag
    yield dg.AssetCheckResult(asset_key=SPECS[0].key, check_name="counted", passed=len(context.partition_keys) > 2)


def run_over(instance: dg.DagsterInstance, first: str, last: str) -> str:
    job = dg.Definitions(assets=[models], jobs=[dg.define_asset_job("build", partitions_def=DAYS)]) \
        .resolve_job_def("build")
    result = job.execute_in_process(instance=instance, tags={"dagster/asset_partition_range_start": first,
                                                             "dagster/asset_partition_range_end": last})
    assert result.success
    return result.run_id


def test_events_written_through_kept_engines_read_back_as_dagsters_own(tmp_path):
    settings = Settings.from_env(home=tmp_path / "home")
    instance = instance_for(settings, out=lambda line: None)
    storage = instance.event_log_storage
    assert storage._connect.__self__.__class__ is _ShardEngines  # this process writes through kept engines
    first = run_over(instance, "2026-10-01", "2026-10-04")
    second = run_over(instance, "2026-10-05", "2026-10-06")
    kept = storage._connect.__self__.engines
    assert {"index", first, second} <= set(kept)  # one engine per shard, kept across writes
    engine = kept[second]
    with storage.run_connection(second):
        pass
    assert kept[second] is engine
    # another instance over the same home, with Dagster's storage as it comes, reads it all
    fresh = dg.DagsterInstance.from_config(str(settings.dagster_home))
    assert not isinstance(fresh.event_log_storage._connect.__self__, _ShardEngines)  # Dagster's own
    for spec in SPECS:
        records = fresh.fetch_materializations(spec.key, limit=100).records
        assert sorted(r.partition_key for r in records) == [f"2026-10-0{d}" for d in range(1, 7)]
        assert sorted((r.run_id, r.partition_key) for r in records if r.run_id == second) == [
            (second, "2026-10-05"), (second, "2026-10-06")]
    assert len(fresh.all_logs(first)) == len(instance.all_logs(first)) > 12
    # Dagster's own storage writes to the same files while this one keeps its connections open
    third = run_over(fresh, "2026-10-07", "2026-10-07")
    fourth = run_over(instance, "2026-10-08", "2026-10-08")
    for reader in (fresh, instance):
        records = reader.fetch_materializations(SPECS[0].key, limit=100).records
        assert sorted((r.partition_key, r.run_id) for r in records)[-2:] == [("2026-10-07", third), ("2026-10-08", fourth)]
    fresh.dispose()


def test_one_connection_per_shard_synced_normally_and_closed_with_the_instance(tmp_path):
    settings = Settings.from_env(home=tmp_path / "home")
    asked = []
    with instance_for(settings, out=lambda line: None) as instance:
        storage = instance.event_log_storage
        ask = storage.has_table.has_table
        storage.has_table.has_table = lambda name: asked.append(name) or ask(name)
        run = run_over(instance, "2026-10-01", "2026-10-03")
        connections = []  # the objects themselves: a closed connection's id could be reused
        for _ in range(3):
            with storage.run_connection(run) as conn:
                connections.append(conn.connection.dbapi_connection)
                assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL
                assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
        assert all(c is connections[0] for c in connections)
        run_over(instance, "2026-10-04", "2026-10-05")
        # 3 assets x 5 days materialized, each asking for the tags table, and the check's days:
        # each table asked of SQLite once
        assert sorted(asked) == ["asset_check_executions", "asset_event_tags"]
        shards = list(settings.dagster_home.rglob("*.db"))
        assert any(p.with_name(p.name + "-wal").exists() for p in shards)  # open while the instance lives
    assert storage._connect.__self__.engines == {}
    assert not [p for p in settings.dagster_home.rglob("*-wal")]  # closed and checkpointed


def test_only_the_latest_shards_engines_are_kept(tmp_path):
    instance = instance_for(Settings.from_env(home=tmp_path / "home"), out=lambda line: None)
    engines = instance.event_log_storage._connect.__self__
    opened = []
    for i in range(_ShardEngines.KEEP + 5):
        with instance.event_log_storage.run_connection(f"run-{i}") as conn:
            opened.append(conn.connection.dbapi_connection)
    assert list(engines.engines) == [f"run-{i}" for i in range(5, _ShardEngines.KEEP + 5)]
    for evicted in opened[:5]:  # an evicted shard's connection is closed, not left to the collector
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            evicted.execute("select 1")
    assert opened[-1].execute("select 1").fetchone() == (1,)
    instance.dispose()


def test_another_storage_is_left_as_it_is():
    class Elsewhere:  # Postgres in Kubernetes, say
        pass
    assert keep_shard_engines(Elsewhere()) is False


def stored(home) -> dict:
    """What a home's shards hold, without the ids and times that differ between writes."""
    runs = []
    for shard in (home / "history" / "runs").glob("*.db"):
        with sqlite3.connect(shard) as db:
            if shard.name != "index.db":
                runs.append(db.execute("select dagster_event_type, asset_key, partition from event_logs "
                                       "where asset_key is not null order by id").fetchall())
    with sqlite3.connect(home / "history" / "runs" / "index.db") as db:
        events = db.execute("select dagster_event_type, asset_key, partition from event_logs order by id").fetchall()
        tags = db.execute("select asset_key, key, value from asset_event_tags order by id").fetchall()
        latest = {key: deserialize_value(record, dg.EventLogRecord) for key, record in db.execute(
            "select asset_key, last_materialization from asset_keys where last_materialization is not null")}
        checks = [(key, name, day, status, deserialize_value(event, dg.EventLogEntry).dagster_event.event_type_value)
                  for key, name, day, status, event in db.execute(
                      "select asset_key, check_name, partition, execution_status, evaluation_event "
                      "from asset_check_executions order by id")]
    return {"events": events, "tags": tags, "runs": sorted(runs, key=len), "checks": checks,
            "latest": {k: (r.partition_key, r.event_log_entry.dagster_event.step_materialization_data
                           .materialization.metadata["days"].value) for k, r in latest.items()}}


def test_a_runs_days_written_as_slm_writes_them_store_what_dagster_stores_one_by_one(tmp_path, monkeypatch):
    batches, homes = [], {}
    monkeypatch.setenv("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")  # as `slm run` has it
    for side in ("slm", "dagster"):
        settings = Settings.from_env(home=tmp_path / side)
        instance = instance_for(settings, out=lambda line: None)
        if side == "slm":
            monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", DAGSTER_RANGE_EVENTS["DAGSTER_EVENT_BATCH_SIZE"])
            store = instance.event_log_storage.store_event_batch
            instance.event_log_storage.store_event_batch = lambda events: batches.append(
                [e.dagster_event_type.value for e in events]) or store(events)
        else:  # Dagster's own storage, an event at a time
            monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE")
            instance.dispose()
            instance = dg.DagsterInstance.from_config(str(settings.dagster_home))
        with instance:
            run_over(instance, "2026-10-01", "2026-10-04")
            run_over(instance, "2026-10-05", "2026-10-06")
        homes[side] = stored(settings.dagster_home)
    # each asset's days of a run arrive as one batch
    assert [len(b) for b in batches if b[0] == "ASSET_MATERIALIZATION"] == [4, 4, 4, 2, 2, 2]
    assert homes["slm"] == homes["dagster"]
    kinds = [kind for kind, _, _ in homes["slm"]["events"]]
    assert kinds.count("ASSET_MATERIALIZATION") == 3 * 6 and kinds.count("ASSET_MATERIALIZATION_PLANNED") == 3 * 2
    assert [len(run) for run in homes["slm"]["runs"]] == [3 * 2 + 3, 3 * 4 + 3]  # and each run's shard
    assert [t for t in homes["slm"]["tags"] if t[0] == '["model_0"]'] == \
        [('["model_0"]', "dagster/data_version", "v4")] * 4 + [('["model_0"]', "dagster/data_version", "v2")] * 2
    assert homes["slm"]["latest"] == {f'["model_{i}"]': ("2026-10-06", 2) for i in range(3)}
    # a planned check is a row per day; a run over a range judges it once, in a row of its own
    # (Dagster's way: the 4-day run passed, the 2-day one failed)
    days = [(day, status) for _, _, day, status, _ in homes["slm"]["checks"]]
    assert days == [(f"2026-10-0{d}", "PLANNED") for d in range(1, 5)] + [(None, "SUCCEEDED")] + \
        [(f"2026-10-0{d}", "PLANNED") for d in (5, 6)] + [(None, "FAILED")]
