"""Marts for BI tools: after every successful run, a release of every mart as Parquet (one folder
per mart, `period=YYYY-MM` partitions where it has a date) and as a read-only DuckDB file.

BI tools never open the warehouse dbt writes to. Each release is built aside under
`exports/releases/<id>/` and becomes current by swapping one symlink (`exports/current`), an
atomic rename: a reader connected to `exports/current/slm.duckdb` keeps the release it opened
(and its open file survives the old release's removal), the next connection sees the new one, and
nobody ever meets a lock. A run that fails never reaches this step, so the last release stays.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path
from typing import Callable

import duckdb

from ..settings import Settings
from ..warehouse.project import marts as project_marts

DOCS_FILES = ("index.html", "manifest.json", "catalog.json")  # a static site: open index.html
KEEP_RELEASES = 3  # the current one and two before it, for readers still on them


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def publish_marts(settings: Settings, docs: Callable[[Path], None] | None = None) -> dict:
    """Build a release from the warehouse's marts and make it current; returns what was published.
    `docs(folder)` writes the dbt docs site into the release before it is swapped in."""
    root = settings.exports
    release_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]
    staging = root / "releases" / f".{release_id}"
    staging.mkdir(parents=True)
    rows: dict[str, int] = {}
    period_columns = {m.name: m.period_column for m in project_marts()}
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
                period = period_columns.get(mart)  # the column that places a row in a month (dbt meta)
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
    link = settings.exports / "current"
    return os.readlink(link).split("/")[-1] if link.is_symlink() else None
