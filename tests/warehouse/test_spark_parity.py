"""The same pipeline on Spark (issue 18): `SLM_ENGINE=spark` builds the scenario of the pipeline
tests with dbt-spark on a local pyspark session, and every public mart equals the DuckDB build's
row for row (exact for integers, decimals, strings, dates and times; 1e-12 relative for doubles),
with the same column names, order and types; a snapshot of the same period hashes the same.

One Spark build for the module (about 250 s alone, 300 s inside the suite: dbt starts one Spark
session and builds every model and data test on it), then the dbt unit tests tagged `portability`
on a second session (about 40 s)."""

import hashlib
import shutil

import duckdb
import pytest

from conftest import dbt_unit_test_statuses
from pipelines.audit.snapshot import create_snapshot
from pipelines.cli.runner import run_pipeline
from pipelines.ingest import Lake
from pipelines.settings import ENGINE_ENV, LAKE_ENV, Settings, environment_for_tools, tool_environment
from pipelines.warehouse.parity import mart_differences
from pipelines.warehouse.project import marts

pytestmark = pytest.mark.skipif(shutil.which("java") is None,
                                reason="no Java: `make test` installs openjdk-17-jre-headless when it may (root)")


LAKE = "s3://parity-lake/lake"


@pytest.fixture(scope="module")
def engines(scenario_run, tmp_path_factory, s3_server):
    """(the DuckDB home, the Spark home): the scenario built once by each engine, in homes of
    their own (so snapshots taken here touch no other test's). The Spark home's lake of record is
    on S3 (`SLM_LAKE`, the real SeaweedFS server), as a cluster's would be."""
    duck, outcome, _ = scenario_run
    assert outcome.success
    root = tmp_path_factory.mktemp("parity")
    shutil.copytree(duck.home, root / "duckdb", symlinks=True, ignore=shutil.ignore_patterns("dagster", "snapshots"))
    duck_home = Settings.resolve(root / "duckdb", duck.landing, duck.catalog)
    spark_home = Settings.resolve(root / "spark", duck.landing, duck.catalog)
    s3_server.create_bucket(Bucket="parity-lake")
    lines = []
    with environment_for_tools({ENGINE_ENV: "spark", LAKE_ENV: LAKE}), spark_home.exported():
        built = run_pipeline(spark_home, out=lines.append)
    assert built.success, (built.failed_steps, built.failures, lines[-20:])
    assert (built.start, built.end) == (outcome.start, outcome.end)
    return duck_home, spark_home, lines


def _spark_environment(spark_home: Settings) -> dict[str, str]:
    with spark_home.exported():
        return tool_environment(**{ENGINE_ENV: "spark", LAKE_ENV: LAKE})


def _columns(con, db: str, mart: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"describe {db}.marts.{mart}").fetchall()]


def test_spark_wrote_the_marts_as_parquet_tables_on_the_lake(engines):
    _, spark, lines = engines
    assert any("copied 26 marts from the Spark tables" in line for line in lines), lines[-10:]
    for m in marts():
        assert any((spark.spark_tables / "marts.db" / m.name).rglob("*.parquet")), m.name
    # the incremental marts are partitioned by their day, as Spark replaces a run's days
    assert {p.name.split("=")[0] for p in (spark.spark_tables / "marts.db" / "fct_burn_rate").iterdir()
            if p.is_dir()} == {"bucket_date"}
    assert not (spark.home / "warehouse.duckdb.wal").exists()


def test_the_marts_and_the_lake_are_on_s3_for_other_engines_to_read(engines, s3_server, tmp_path):
    """With SLM_LAKE the Spark tables are mirrored onto the lake: every Parquet part of every mart
    on S3 byte for byte, and a mart read back from S3 alone equals the warehouse's copy; the
    landed files, ledger and day partitions are there too."""
    duck, spark, _ = engines
    keys = {}
    for page in s3_server.get_paginator("list_objects_v2").paginate(Bucket="parity-lake", Prefix="lake/"):
        keys.update({o["Key"][len("lake/"):]: o["ETag"].strip('"') for o in page.get("Contents", [])})
    tables = {p.relative_to(spark.lake).as_posix(): p for p in (spark.spark_tables / "marts.db").rglob("*.parquet")}
    assert tables and {k for k in keys if k.startswith("tables/marts.db/") and k.endswith(".parquet")} == set(tables)
    for name, path in tables.items():
        assert keys[name] == hashlib.md5(path.read_bytes()).hexdigest(), name
    landed = Lake(spark.lake).ledger()
    assert len(landed) == 13 and all(f"ledger/{e.file_sha256}.json" in keys and f"files/{e.file_sha256}.parquet"
                                      in keys for e in landed)
    assert {k for k in keys if k.startswith("events/")} == {
        p.relative_to(spark.lake).as_posix() for p in (spark.lake / "events").rglob("events.parquet")}
    # fct_sli_daily as Trino or Athena would see it: only what is on S3
    for name in (k for k in keys if k.startswith("tables/marts.db/fct_sli_daily/") and k.endswith(".parquet")):
        s3_server.download_file("parity-lake", f"lake/{name}", str(tmp_path / name.replace("/", "_")))
    with duckdb.connect() as con:
        con.execute(f"attach '{spark.warehouse}' as s (read_only)")
        con.execute("set TimeZone = 'UTC'")
        columns = _columns(con, "s", "fct_sli_daily")
        typed = ", ".join(f"cast({c} as {t})" for c, t in columns)
        from_s3 = con.execute(f"select {typed} from read_parquet('{tmp_path}/*.parquet') order by all").fetchall()
        assert from_s3 == con.execute(f"select {', '.join(c for c, _ in columns)} from s.marts.fct_sli_daily "
                                      f"order by all").fetchall()
        assert len(from_s3) > 0


def test_every_mart_equals_the_duckdb_build_row_for_row(engines):
    duck, spark, _ = engines
    names = [m.name for m in marts()]
    assert len(names) == 26
    compared, differences = mart_differences(duck.warehouse, spark.warehouse, names)
    assert differences == []
    # the scenario's figures are not empty tables compared with empty tables
    assert compared["fct_sli_daily"] > 0 and compared["fct_burn_rate"] > 0 and compared["fct_sla_compliance"] > 0
    assert compared["fct_error_budget"] > 0 and compared["fct_telemetry_gaps"] > 0


def test_credits_are_exact_decimals_on_both_engines(engines):
    duck, spark, _ = engines
    rows = {}
    for home in (duck, spark):
        with duckdb.connect(str(home.warehouse), read_only=True) as con:
            rows[home.home.name] = con.execute(
                "select contract_name, period_start, credit_amount, typeof(credit_amount) from marts.fct_sla_compliance "
                "order by all").fetchall()
    assert rows["duckdb"] == rows["spark"]
    assert all(r[3].startswith("DECIMAL") for r in rows["spark"])


def test_a_snapshot_of_the_same_period_hashes_the_same_from_either_engine(engines):
    duck, spark, _ = engines
    hashes = {}
    for home in (duck, spark):
        manifest = create_snapshot(home, "2026-10", created_by="parity-test").manifest
        hashes[home.home.name] = {f["path"]: f["sha256"] for f in manifest["files"] if f["kind"] == "mart"}
    assert hashes["duckdb"] == hashes["spark"]
    assert len(hashes["spark"]) >= 8


def test_the_portability_unit_tests_pass_on_spark(engines, tmp_path):
    """A production build runs no dbt unit tests; the ones tagged `portability` (time zones and
    local days, calendar windows, integer division of alert windows, decimal credits) run here on
    the Spark session, against the tables the build left, as they do on DuckDB
    (test_dbt_unit_tests.py)."""
    _, spark, _ = engines
    statuses = dbt_unit_test_statuses(_spark_environment(spark), tmp_path, "test_type:unit,tag:portability")
    assert statuses == {
        "coverage_per_local_day_of_every_zone": "pass",
        "slo_windows_rolling_and_calendar": "pass",
        "slo_days_take_the_version_in_force_and_the_local_day_length": "pass",
        "credit_tiers_cap_minimum_and_pro_rating": "pass",
        "burn_rate_fires_only_when_both_windows_reach_the_threshold": "pass",
        "burn_alerts_are_the_workbook_pairs_or_the_slo_own": "pass",
    }
