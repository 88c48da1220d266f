"""Marts published for BI tools (issue 8): Parquet per mart and a read-only DuckDB file swapped in
atomically, read the way Superset and Metabase read it (SQLAlchemy + duckdb-engine), during a run."""

import json
import threading
import time

import duckdb
import pyarrow.dataset as ds
import pytest
import sqlalchemy as sa

from pipelines.bi.release import KEEP_RELEASES, current_release, publish_marts
from pipelines.cli.runner import run_pipeline
from pipelines.warehouse.project import built_nodes, project_fingerprint


@pytest.fixture
def home(scenario_copy):
    return scenario_copy


def engine(settings):
    return sa.create_engine(f"duckdb:///{settings.home / 'exports' / 'current' / 'slm.duckdb'}",
                            connect_args={"read_only": True}, poolclass=sa.pool.NullPool)


def test_every_mart_is_published_as_parquet_and_duckdb_matching_the_warehouse(home):
    current = home.home / "exports" / "current"
    assert current.is_symlink() and current_release(home)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        marts = dict(con.execute("select table_name, estimated_size from duckdb_tables() where schema_name = 'marts'").fetchall())
        counts = {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in marts}
        sli = con.execute("select sum(good_events), sum(total_events) from marts.fct_sli_daily").fetchone()
    assert "fct_sla_exposure" in counts and counts["fct_sli_daily"] > 0
    with engine(home).connect() as bi:
        published = {m: bi.execute(sa.text(f"select count(*) from marts.{m}")).scalar() for m in counts}
        assert published == counts
        assert tuple(bi.execute(sa.text("select sum(good_events), sum(total_events) from marts.fct_sli_daily")).one()) == sli
    for mart, n in counts.items():
        assert ds.dataset(current / mart, format="parquet", partitioning="hive").count_rows() == n, mart
    # marts with a date are split by month, the rest are one file
    assert sorted(p.name for p in (current / "fct_sli_daily").iterdir()) == ["period=2026-10"]
    assert [p.name for p in (current / "dim_contracts").iterdir()] == ["data.parquet"]
    # the dbt docs site, with the exposures that name the report and the BI marts
    assert (current / "docs" / "index.html").stat().st_size > 0
    manifest = (current / "docs" / "manifest.json").read_text()
    assert "exposure.slm_warehouse.sla_report" in manifest and "exposure.slm_warehouse.bi_marts" in manifest
    # the site's manifest is a build's (every model and test compiled, as the site shows them; the
    # home's first, which generated the site), not compiled a second time by `dbt docs generate`
    site = json.loads(manifest)
    nodes = [n for n in site["nodes"].values() if n["resource_type"] in ("model", "test")]
    assert len(nodes) == built_nodes() and all(n["compiled_code"] for n in nodes)
    builds = sorted(home.dbt_runs.glob("*/run_results.json"), key=lambda p: p.stat().st_mtime)
    assert site["metadata"]["invocation_id"] == json.loads(builds[0].read_text())["metadata"]["invocation_id"]
    kept = json.loads(home.dbt_parse_cache.with_name("manifest.json").read_text())  # the latest build's, kept
    assert kept["metadata"]["invocation_id"] == json.loads(builds[-1].read_text())["metadata"]["invocation_id"]
    assert home.dbt_parse_cache.with_name("manifest.sha256").read_text() == project_fingerprint()


def test_a_bi_reader_never_meets_a_lock_during_a_run_and_a_failed_run_keeps_the_release(home, monkeypatch):
    monkeypatch.setenv("SLM_RETRY_DELAY_SECONDS", "0.5")
    before = current_release(home)
    expected = None
    with engine(home).connect() as bi:
        expected = tuple(bi.execute(sa.text("select count(*), sum(total_events) from marts.fct_sli_daily")).one())
    results, errors, stop = [], [], threading.Event()

    def reader():
        bi_engine = engine(home)
        while not stop.is_set():
            try:
                with bi_engine.connect() as bi:  # a new connection each time, as a dashboard refresh does
                    results.append(tuple(bi.execute(sa.text(
                        "select count(*), sum(total_events) from marts.fct_sli_daily")).one()))
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                errors.append(repr(exc))
            time.sleep(0.05)

    docs_built = (home.dbt_docs / "catalog.json").stat().st_mtime_ns
    thread = threading.Thread(target=reader)
    thread.start()
    try:
        outcome = run_pipeline(home, out=lambda line: None)
    finally:
        stop.set()
        thread.join()
    assert outcome.success
    assert errors == [] and len(results) > 20
    assert set(results) == {expected}  # the same data: every read saw complete, equal figures
    assert current_release(home) != before  # a new release was swapped in during the run
    # the dbt project did not change, so its docs site was not generated again: the release has
    # the same site, copied from the one generated by the scenario's run
    assert (home.dbt_docs / "catalog.json").stat().st_mtime_ns == docs_built
    release_docs = home.exports / "current" / "docs"
    assert (release_docs / "catalog.json").read_bytes() == (home.dbt_docs / "catalog.json").read_bytes()
    assert (home.dbt_docs / "project.sha256").read_text() == project_fingerprint()

    # a run that fails (the warehouse is held by another writer throughout, past both retries)
    # publishes nothing: the release stays
    published = current_release(home)
    lines = []
    with duckdb.connect(str(home.warehouse)):  # a write lock dbt cannot get
        failed = run_pipeline(home, out=lines.append)
    assert not failed.success and "warehouse_models" in failed.failed_steps
    assert sum("transient failure, retry" in line for line in lines) == 2  # SLM_RETRIES defaults to 2
    assert current_release(home) == published
    with engine(home).connect() as bi:
        assert tuple(bi.execute(sa.text("select count(*), sum(total_events) from marts.fct_sli_daily")).one()) == expected


def test_a_transient_lock_is_retried_and_the_run_succeeds(home, monkeypatch):
    monkeypatch.setenv("SLM_RETRY_DELAY_SECONDS", "0.5")
    before = current_release(home)
    holder = duckdb.connect(str(home.warehouse))  # another process's writer, for a moment
    lines = []

    def out(line):
        lines.append(line)
        if "transient failure, retry 1 of 2" in line:
            holder.close()  # the other writer finishes before the retry

    try:
        outcome = run_pipeline(home, out=out)
    finally:
        holder.close()
    assert outcome.success, lines
    retried = [line for line in lines if "transient failure" in line]
    assert len(retried) == 1 and "warehouse_models" in retried[0] and "lock" in retried[0].lower()
    assert current_release(home) != before


def test_each_publish_swaps_in_a_new_release_and_keeps_the_two_before_it(home):
    releases = home.home / "exports" / "releases"
    made = [publish_marts(home)["release"] for _ in range(4)]
    assert current_release(home) == made[-1]
    assert sorted(p.name for p in releases.iterdir()) == sorted(made[-KEEP_RELEASES:]) and KEEP_RELEASES == 3
    # the alert episodes have a date too: split by month like the other dated marts
    assert [p.name for p in (home.home / "exports" / "current" / "fct_alert_episodes").iterdir()] != ["data.parquet"]


def table_print(con, table):
    return con.execute(f"select count(*), sum(hash(t)::hugeint) from {table} as t").fetchone()


def test_a_release_rewrites_only_the_days_that_changed_and_still_equals_the_warehouse(home):
    first = home.home / "exports" / "releases" / publish_marts(home)["release"]
    again = home.home / "exports" / "releases" / publish_marts(home)["release"]
    files = lambda release: {p.relative_to(release): p.stat().st_ino for p in release.glob("fct_sli_daily/*/*.parquet")}
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        days = con.execute("select count(distinct day) from marts.fct_sli_daily").fetchone()[0]
    # nothing changed: every day's Parquet file is the previous release's, linked
    assert days == 12 and len(files(first)) == days and files(again) == files(first)
    # one day of one mart changes in the warehouse (a late correction), one mart changes its
    # columns, one mart goes
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("update marts.fct_sli_daily set good_events = good_events - 1 where day = '2026-10-27'")
        con.execute("alter table marts.fct_telemetry_gaps add column note varchar")
        con.execute("drop table marts.fct_sli_by_version")
        expected = {m: table_print(con, f"marts.{m}") for m in ("fct_sli_daily", "fct_telemetry_gaps", "fct_burn_rate")}
    third = home.home / "exports" / "releases" / publish_marts(home)["release"]
    changed = {p for p, ino in files(third).items() if files(again).get(p) != ino}
    assert changed == {first.joinpath("fct_sli_daily/period=2026-10/2026-10-27.parquet").relative_to(first)}
    with duckdb.connect(str(third / "slm.duckdb"), read_only=True) as con:
        assert {m: table_print(con, f"marts.{m}") for m in expected} == expected
        assert "fct_sli_by_version" not in {r[0] for r in con.execute("show tables").fetchall()}
        assert "note" in {r[0] for r in con.execute("describe marts.fct_telemetry_gaps").fetchall()}
        for mart in expected:  # the Parquet files hold the same rows as the tables (Parquet has no HUGEINT)
            typed = ", ".join(f"cast({c} as {kind}) as {c}" for c, kind, *_ in con.execute(f"describe marts.{mart}").fetchall())
            parquet = con.execute(f"select count(*), sum(hash(t)::hugeint) from (select {typed} from "
                                  f"read_parquet('{third / mart}/*/*.parquet', hive_partitioning = true)) as t").fetchone()
            assert parquet == expected[mart], mart
    assert not (third / "fct_sli_by_version").exists()
