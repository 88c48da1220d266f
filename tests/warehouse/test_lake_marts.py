"""What `warehouse.lake_marts` undoes of Spark's way of storing a mart, without Spark: a table
partitioned by day keeps the day column in its folder names (last, and typed by the folder) and
writes no file at all when empty; a timestamp is stored as an instant. The mart's YAML, which
lists every column of a partitioned mart with its type, must agree with the DuckDB build."""

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.warehouse.lake_marts import _empty_table, _select_list, mart_files
from pipelines.warehouse.project import marts


def _described(con, relation: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"describe {relation}").fetchall()]


@pytest.fixture(scope="module")
def duckdb_build(scenario_run):
    settings, outcome, _ = scenario_run
    assert outcome.success
    return settings


def test_every_partitioned_mart_documents_its_columns_in_the_duckdb_order_and_types(duckdb_build):
    partitioned = [m for m in marts() if m.incremental]
    assert {m.name for m in partitioned} == {"fct_burn_rate", "fct_sli_by_version"}
    with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as con:
        for m in partitioned:
            built = _described(con, f"marts.{m.name}")
            # an empty mart made from the YAML alone has exactly the DuckDB build's columns
            con.execute(f"create temp table empty_{m.name} as {_empty_table(m)}")
            assert _described(con, f"empty_{m.name}") == built, m.name
            assert con.execute(f"select count(*) from empty_{m.name}").fetchone()[0] == 0


def test_a_spark_style_partitioned_mart_is_read_back_in_order_with_naive_timestamps(duckdb_build, tmp_path):
    """fct_burn_rate as Spark writes it: one folder per bucket_date, the column itself not in the
    files, evaluated_at stored as an instant (UTC-adjusted)."""
    m = next(m for m in marts() if m.name == "fct_burn_rate")
    with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as con:
        rows = con.execute("select * from marts.fct_burn_rate order by burn_rate_id limit 40").to_arrow_table()
        built = _described(con, "marts.fct_burn_rate")
    assert rows.num_rows == 40
    tables = tmp_path / "tables"
    for day in sorted(set(rows["bucket_date"].to_pylist())):
        part = rows.filter(pa.compute.equal(rows["bucket_date"], pa.scalar(day, pa.date32()))).drop_columns(["bucket_date"])
        idx = part.schema.get_field_index("evaluated_at")
        part = part.set_column(idx, pa.field("evaluated_at", pa.timestamp("us", tz="UTC")),
                               part["evaluated_at"].cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC")))
        folder = tables / "marts.db" / "fct_burn_rate" / f"bucket_date={day.isoformat()}"
        folder.mkdir(parents=True)
        pq.write_table(part, folder / "part-00000.parquet")
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        source = f"read_parquet('{mart_files(str(tables), 'fct_burn_rate')}', hive_partitioning = true)"
        stored = _described(con, f"(select * from {source})")
        assert stored[-1][0] == "bucket_date" and dict(stored)["evaluated_at"] == "TIMESTAMP WITH TIME ZONE"
        con.execute(f"create table copied as select {_select_list(con, source, m)} from {source}")
        assert _described(con, "copied") == built
        back = con.execute("select * from copied order by burn_rate_id").to_arrow_table()
    assert back.equals(rows)
    assert isinstance(back["evaluated_at"][0].as_py(), dt.datetime) and back["evaluated_at"][0].as_py().tzinfo is None
