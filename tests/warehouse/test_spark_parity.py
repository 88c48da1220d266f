"""The same pipeline on Spark (issue 18): `SLM_ENGINE=spark` builds the scenario of the pipeline
tests with dbt-spark on a local pyspark session, and every public mart equals the DuckDB build's
row for row (exact for integers, decimals, strings, dates and times; 1e-12 relative for doubles),
with the same column names, order and types; a snapshot of the same period hashes the same.

One Spark build for the module (about three minutes of the suite: dbt starts one Spark session
and runs the project's 47 models and 71 tests on it)."""

import math
import os
import shutil

import duckdb
import pytest

from pipelines.audit.snapshot import create_snapshot
from pipelines.cli.runner import run_pipeline
from pipelines.settings import ENGINE_ENV, Settings
from pipelines.warehouse.project import marts

pytestmark = pytest.mark.skipif(shutil.which("java") is None,
                                reason="no Java: `make test` installs openjdk-17-jre-headless when it may (root)")


@pytest.fixture(scope="module")
def engines(scenario_run, tmp_path_factory):
    """(the DuckDB home, the Spark home): the scenario built once by each engine, in homes of
    their own (so snapshots taken here touch no other test's)."""
    duck, outcome, _ = scenario_run
    assert outcome.success
    root = tmp_path_factory.mktemp("parity")
    shutil.copytree(duck.home, root / "duckdb", symlinks=True, ignore=shutil.ignore_patterns("dagster", "snapshots"))
    duck_home = Settings.resolve(root / "duckdb", duck.landing, duck.catalog)
    spark_home = Settings.resolve(root / "spark", duck.landing, duck.catalog)
    saved = os.environ.get(ENGINE_ENV)
    os.environ[ENGINE_ENV] = "spark"
    try:
        with spark_home.exported():
            lines = []
            built = run_pipeline(spark_home, out=lines.append)
    finally:
        os.environ.pop(ENGINE_ENV) if saved is None else os.environ.__setitem__(ENGINE_ENV, saved)
    assert built.success, (built.failed_steps, built.failures, lines[-20:])
    assert (built.start, built.end) == (outcome.start, outcome.end)
    return duck_home, spark_home, lines


def _columns(con, db: str, mart: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"describe {db}.marts.{mart}").fetchall()]


def _same(a, b, kind: str) -> bool:
    if a is None or b is None:
        return a is b
    if kind == "DOUBLE":
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    return a == b


def test_spark_wrote_the_marts_as_parquet_tables_on_the_lake(engines):
    _, spark, lines = engines
    assert any("copied 16 marts from the Spark tables" in line for line in lines), lines[-10:]
    for m in marts():
        assert any((spark.spark_tables / "marts.db" / m.name).rglob("*.parquet")), m.name
    # the incremental marts are partitioned by their day, as Spark replaces a run's days
    assert {p.name.split("=")[0] for p in (spark.spark_tables / "marts.db" / "fct_burn_rate").iterdir()
            if p.is_dir()} == {"bucket_date"}
    assert not (spark.home / "warehouse.duckdb.wal").exists()


def test_every_mart_equals_the_duckdb_build_row_for_row(engines):
    duck, spark, _ = engines
    names = [m.name for m in marts()]
    assert len(names) == 16
    with duckdb.connect() as con:
        con.execute(f"attach '{duck.warehouse}' as d (read_only)")
        con.execute(f"attach '{spark.warehouse}' as s (read_only)")
        compared = {}
        for name in names:
            cols = _columns(con, "d", name)
            assert _columns(con, "s", name) == cols, name
            # rows matched by every exact column first, then the doubles
            exact = [f'"{c}"' for c, t in cols if t != "DOUBLE"]
            order = ", ".join(exact + [f'"{c}"' for c, t in cols if t == "DOUBLE"])
            d = con.execute(f"select * from d.marts.{name} order by {order}").fetchall()
            s = con.execute(f"select * from s.marts.{name} order by {order}").fetchall()
            assert len(d) == len(s), (name, len(d), len(s))
            for row_d, row_s in zip(d, s):
                bad = [c for (c, t), a, b in zip(cols, row_d, row_s) if not _same(a, b, t)]
                assert not bad, (name, bad, row_d, row_s)
            compared[name] = len(d)
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
