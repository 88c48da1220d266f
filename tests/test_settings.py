"""DuckDB's memory limit and spill folder come from settings, reach dbt's profile, and a query
larger than the limit spills instead of failing (issue 15); the engine is chosen the same way (issue 18)."""

import os
import re

import duckdb
import pytest
import yaml

from pipelines.settings import (DAGSTER_RANGE_EVENTS, ENGINE_ENV, ENGINE_MEMORY_ENV, ENGINE_TEMP_ENV, ENGINES,
                                INGEST_WORKERS_ENV, DEFAULT_ENGINE_MEMORY, Settings, engine, engine_config, ingest_workers, tool_environment)
from pipelines.warehouse.project import DBT_PROJECT_DIR


def test_the_engine_settings_default_and_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(ENGINE_MEMORY_ENV, raising=False)
    monkeypatch.delenv(ENGINE_TEMP_ENV, raising=False)
    assert engine_config()["memory_limit"] == "768MiB"
    monkeypatch.setenv(ENGINE_MEMORY_ENV, "300MiB")
    monkeypatch.setenv(ENGINE_TEMP_ENV, str(tmp_path / "spill"))
    assert engine_config() == {"memory_limit": "300MiB", "temp_directory": str(tmp_path / "spill")}
    # dbt runs as a subprocess: it is handed the resolved values, and its profile opens DuckDB with them
    env = tool_environment()
    assert (env[ENGINE_MEMORY_ENV], env[ENGINE_TEMP_ENV]) == ("300MiB", str(tmp_path / "spill"))
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())["slm_warehouse"]["outputs"]["duckdb"]
    assert set(profile["config_options"]) == {"memory_limit", "temp_directory"}
    assert all(name in text for name, text in zip((ENGINE_MEMORY_ENV, ENGINE_TEMP_ENV),
                                                  (profile["config_options"]["memory_limit"],
                                                   profile["config_options"]["temp_directory"])))
    assert f"'{DEFAULT_ENGINE_MEMORY}')" in profile["config_options"]["memory_limit"]  # dbt run by hand: the same default


@pytest.mark.parametrize("limit, share, expected", [
    ("1GiB", 2, "512.0 MiB"), ("1.5 gb", 3, "476.8 MiB"), ("300MiB", 1, "300.0 MiB"), ("90%", 2, None)])
def test_connections_working_at_once_share_the_memory_limit(monkeypatch, limit, share, expected):
    """Two landing workers with 1 GiB each could hold 2 GiB; each gets half. A limit DuckDB refuses
    is passed on as it is, for DuckDB's own error naming it."""
    monkeypatch.setenv(ENGINE_MEMORY_ENV, limit)
    config = engine_config(share)
    if expected is None:
        assert config["memory_limit"] == limit
        with pytest.raises(duckdb.Error, match="memory"):
            duckdb.connect(config=config)
        return
    with duckdb.connect(config=config) as con:  # 1.5 GB / 3 = 500,000,000 bytes = 476.8 MiB
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == expected


def test_a_sort_larger_than_the_limit_spills_to_the_folder(monkeypatch, tmp_path):
    spill = tmp_path / "spill"
    monkeypatch.setenv(ENGINE_MEMORY_ENV, "64MiB")
    monkeypatch.setenv(ENGINE_TEMP_ENV, str(spill))
    with duckdb.connect(config=engine_config()) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "64.0 MiB"
        # about 4 M rows of 32-character strings: several hundred MiB to sort, over 64 MiB
        n = 4_000_000
        con.execute(f"create temp table t as select i, md5(cast(i as varchar)) as s from range({n}) r(i)")
        con.execute("create temp table sorted as select s from t order by s")
        assert con.execute("select count(*) from sorted").fetchone()[0] == n
        assert con.execute("select s from sorted limit 1").fetchone() == con.execute("select min(s) from t").fetchone()
        # what did not fit went to the folder it was given (DuckDB removes it on close)
        assert sum(f.stat().st_size for f in spill.iterdir()) > 64 * 2**20


def test_ingest_workers_default_to_the_cores_and_refuse_nonsense(monkeypatch):
    monkeypatch.delenv(INGEST_WORKERS_ENV, raising=False)
    assert ingest_workers() == (os.cpu_count() or 1)
    monkeypatch.setenv(INGEST_WORKERS_ENV, "3")
    assert ingest_workers() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(INGEST_WORKERS_ENV, bad)
        with pytest.raises(ValueError, match=INGEST_WORKERS_ENV):
            ingest_workers()


def test_exporting_settings_hands_tools_the_engine_limits_and_range_events(monkeypatch, tmp_path):
    for name in (ENGINE_MEMORY_ENV, ENGINE_TEMP_ENV, *DAGSTER_RANGE_EVENTS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ENGINE_MEMORY_ENV, "700MiB")  # a user's own choice is kept
    with Settings.resolve(tmp_path / "home").exported():
        assert os.environ[ENGINE_MEMORY_ENV] == "700MiB"
        assert os.environ[ENGINE_TEMP_ENV] == engine_config()["temp_directory"]
        # Dagster reads this from the environment when it records a run over a range of days
        assert os.environ["DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"] == "true"
        assert int(os.environ["DAGSTER_EVENT_BATCH_SIZE"]) >= 366  # a year's days of an asset in one write


def test_the_engine_is_duckdb_unless_spark_is_asked_for_and_nonsense_is_refused(monkeypatch, tmp_path):
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    monkeypatch.delenv("SLM_SPARK_TABLES", raising=False)
    assert engine() == "duckdb"
    monkeypatch.setenv(ENGINE_ENV, " Spark ")
    assert engine() == "spark"
    # dbt's profile picks its target from the variable: it is handed the resolved name, and the
    # Spark tables and metastore of the home being exported, restored after the block
    assert tool_environment()[ENGINE_ENV] == "spark"
    settings = Settings.resolve(tmp_path / "home")
    with settings.exported():
        assert (os.environ[ENGINE_ENV], os.environ["SLM_SPARK_TABLES"]) == ("spark", str(tmp_path / "home" / "lake" / "tables"))
    assert os.environ[ENGINE_ENV] == " Spark " and "SLM_SPARK_TABLES" not in os.environ
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())["slm_warehouse"]
    assert set(profile["outputs"]) == set(ENGINES) and ENGINE_ENV in profile["target"]
    monkeypatch.setenv(ENGINE_ENV, "snowflake")
    with pytest.raises(ValueError, match="SLM_ENGINE must be one of duckdb, spark, got 'snowflake'"):
        engine()


def test_the_lake_lease_and_landing_steps_follow_the_environment_and_refuse_nonsense(monkeypatch):
    from pipelines.settings import (LAKE_ENV, LAKE_LEASE_ENV, LANDING_STEPS_ENV, executor, lake_lease_minutes,
                                    lake_location, landing_steps)

    for name in (LAKE_ENV, LAKE_LEASE_ENV, LANDING_STEPS_ENV, INGEST_WORKERS_ENV, "SLM_EXECUTOR"):
        monkeypatch.delenv(name, raising=False)
    assert (lake_location(), lake_lease_minutes(), landing_steps(), executor()) == (
        None, 60, os.cpu_count() or 1, "multiprocess")
    monkeypatch.setenv(INGEST_WORKERS_ENV, "3")
    assert landing_steps() == 3  # as many as files read at once, unless told
    monkeypatch.setenv(LANDING_STEPS_ENV, "16")
    monkeypatch.setenv(LAKE_LEASE_ENV, "240")
    monkeypatch.setenv(LAKE_ENV, "s3://acme-slm/lake/")
    monkeypatch.setenv("SLM_EXECUTOR", "K8S")
    assert (lake_location(), lake_lease_minutes(), landing_steps(), executor()) == ("s3://acme-slm/lake/", 240, 16, "k8s")
    for name, bad, message in ((LAKE_ENV, "/mnt/lake", "SLM_LAKE must be s3://bucket[/prefix], got '/mnt/lake'"),
                               (LAKE_ENV, "s3://", "SLM_LAKE must be s3://bucket"),
                               (LAKE_LEASE_ENV, "1h", "SLM_LAKE_LEASE_MINUTES must be a whole number of minutes"),
                               (LANDING_STEPS_ENV, "0", "SLM_LANDING_STEPS must be a whole number of at least 1"),
                               ("SLM_EXECUTOR", "yarn", "SLM_EXECUTOR must be one of multiprocess, k8s, got 'yarn'")):
        monkeypatch.setenv(name, bad)
        with pytest.raises(ValueError, match=re.escape(message)):
            {LAKE_ENV: lake_location, LAKE_LEASE_ENV: lake_lease_minutes, LANDING_STEPS_ENV: landing_steps,
             "SLM_EXECUTOR": executor}[name]()
        monkeypatch.delenv(name)
