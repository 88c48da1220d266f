"""Marts for BI tools: after every successful run, a release of every mart as Parquet (one folder
per mart, `period=YYYY-MM` partitions where it has a date) and as a read-only DuckDB file.

BI tools never open the warehouse dbt writes to. Each release is built aside under
`exports/releases/<id>/` and becomes current by swapping one symlink (`exports/current`), an
atomic rename: a reader connected to `exports/current/slm.duckdb` keeps the release it opened
(and its open file survives the old release's removal), the next connection sees the new one, and
nobody ever meets a lock. A run that fails never reaches this step, so the last release stays.
"""

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path
from typing import Callable

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from .partitions import daily_partitions
from .policies import DAILY_FRESHNESS, retry_if_transient
from .resources import SlmResource
from .settings import Settings

# The column that places a mart's row in a month, first match wins; marts without one are a single file.
PERIOD_COLUMNS = ("day", "as_of", "period_start", "evaluated_at", "gap_start", "started_at")
DOCS_FILES = ("index.html", "manifest.json", "catalog.json")  # a static site: open index.html
KEEP_RELEASES = 3  # the current one and two before it, for readers still on them


def exports_root(settings: Settings) -> Path:
    return settings.home / "exports"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def publish_marts(settings: Settings, docs: Callable[[Path], None] | None = None) -> dict:
    """Build a release from the warehouse's marts and make it current; returns what was published.
    `docs(folder)` writes the dbt docs site into the release before it is swapped in."""
    root = exports_root(settings)
    release_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]
    staging = root / "releases" / f".{release_id}"
    staging.mkdir(parents=True)
    rows: dict[str, int] = {}
    try:
        with duckdb.connect(str(staging / "slm.duckdb")) as con:
            con.execute(f"attach {_quote(settings.warehouse)} as warehouse (read_only)")
            marts = [r[0] for r in con.execute(
                "select table_name from information_schema.tables where table_catalog = 'warehouse' "
                "and table_schema = 'marts' order by table_name").fetchall()]
            con.execute("create schema marts")
            for mart in marts:
                con.execute(f"create table marts.{mart} as select * from warehouse.marts.{mart}")
                rows[mart] = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
                columns = {r[0]: r[1] for r in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_catalog = 'slm' and table_schema = 'marts' and table_name = ?", [mart]).fetchall()}
                period = next((c for c in PERIOD_COLUMNS if c in columns), None)
                folder = staging / mart
                folder.mkdir()
                if period and rows[mart]:
                    con.execute(f"copy (select *, strftime({period}, '%Y-%m') as period from marts.{mart} order by all) "
                                f"to {_quote(folder)} (format parquet, compression zstd, partition_by (period))")
                else:
                    con.execute(f"copy (select * from marts.{mart} order by all) to {_quote(folder / 'data.parquet')} "
                                f"(format parquet, compression zstd)")
            con.execute("detach warehouse")
            con.execute("checkpoint")
        if docs:
            docs(staging / "docs")
        release = root / "releases" / release_id
        staging.rename(release)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    link = root / f".current-{release_id}"
    link.symlink_to(Path("releases") / release_id)
    os.replace(link, root / "current")  # the swap: one rename
    _drop_old_releases(root, keep=release_id)
    return {"release": release_id, "path": str(root / "current"), "rows": rows}


def _drop_old_releases(root: Path, keep: str) -> None:
    releases = sorted(p for p in (root / "releases").iterdir() if not p.name.startswith("."))
    for old in [p for p in releases if p.name != keep][:-(KEEP_RELEASES - 1) or None]:
        shutil.rmtree(old, ignore_errors=True)


def current_release(settings: Settings) -> str | None:
    link = exports_root(settings) / "current"
    return os.readlink(link).split("/")[-1] if link.is_symlink() else None


@dg.asset(
    deps=[dg.AssetKey(["marts", "fct_sli_daily"]), dg.AssetKey(["marts", "fct_error_budget"]),
          dg.AssetKey(["marts", "fct_sla_compliance"]), dg.AssetKey(["marts", "fct_sla_exposure"]),
          dg.AssetKey(["marts", "fct_burn_rate"]), dg.AssetKey(["marts", "fct_telemetry_gaps"])],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"duckdb", "parquet"},
    group_name="bi",
    pool="warehouse",
    freshness_policy=DAILY_FRESHNESS,
)
def published_marts(context: dg.AssetExecutionContext, slm: SlmResource, dbt: DbtCliResource) -> dg.MaterializeResult:
    """Every mart as Parquet and a read-only DuckDB file for BI tools, plus the dbt docs site
    (lineage down to the exposures), swapped in atomically."""
    settings = slm.settings()

    def dbt_docs(folder: Path) -> None:
        target = settings.home / "dbt" / "docs"
        dbt.cli(["docs", "generate"], target_path=target, raise_on_error=True).wait()
        folder.mkdir()
        for name in DOCS_FILES:
            shutil.copy(target / name, folder / name)

    try:
        published = publish_marts(settings, docs=dbt_docs)
    except Exception as exc:
        retry_if_transient(context, exc)
        raise
    context.log.info(f"published {len(published['rows'])} marts as release {published['release']} ({published['path']})")
    return dg.MaterializeResult(metadata={
        "release": published["release"],
        "path": published["path"],
        "rows": dg.MetadataValue.json(published["rows"]),
    })
