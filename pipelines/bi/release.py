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
import re
import shutil
import uuid
from pathlib import Path
from typing import Callable

import duckdb

from ..core.storage import remove_abandoned
from ..core.sql import sql_string
from ..settings import Settings, engine_config
from ..warehouse.project import marts as project_marts
from .fingerprints import UNDATED, Fingerprint, day_key, fingerprint, read_fingerprints, write_fingerprints

DOCS_FILES = ("index.html", "manifest.json", "catalog.json")  # a static site: open index.html
KEEP_RELEASES = 3  # the current one and two before it, for readers still on them


def publish_marts(settings: Settings, docs: Callable[[Path], None] | None = None) -> dict:
    """Build a release from the warehouse's marts and make it current; returns what was published.
    The days of a mart that did not change since the current release are taken from it (see
    fingerprints.py). `docs(folder)` writes the dbt docs site into the release before it is
    swapped in."""
    root = settings.exports
    release_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]
    (root / "releases").mkdir(parents=True, exist_ok=True)
    remove_abandoned([*(root / "releases").glob(".*"), *root.glob(".current-*")], _staging_owner)
    staging = root / "releases" / f".{release_id}.{os.getpid()}"  # the writer's pid: see _staging_owner
    staging.mkdir()
    previous = _current(root)
    before = read_fingerprints(previous) if previous and (previous / "slm.duckdb").exists() else {}
    if before:
        shutil.copyfile(previous / "slm.duckdb", staging / "slm.duckdb")
    rows: dict[str, int] = {}
    prints: dict[str, Fingerprint] = {}
    period_columns = {m.name: m.period_column for m in project_marts()}
    try:
        with duckdb.connect(str(staging / "slm.duckdb"), config=engine_config()) as con:
            con.execute(f"attach {sql_string(settings.warehouse)} as warehouse (read_only)")
            marts = _marts(con, "warehouse")
            con.execute("create schema if not exists marts")
            held = set(_marts(con, _database(con)))
            for gone in held - set(marts):
                con.execute(f"drop table marts.{gone}")
            for mart in marts:
                period = period_columns.get(mart)
                prints[mart] = fingerprint(con, f"warehouse.marts.{mart}", period)
                changed = prints[mart].changed_days(before.get(mart)) if mart in held else None
                if changed is not None:
                    # the days that changed, and those kept before and gone now, are replaced
                    changed |= set(before[mart].days) - set(prints[mart].days)
                    changed |= _link_days(previous / mart, staging / mart, set(prints[mart].days) - changed)
                _publish_table(con, mart, period, changed)
                rows[mart] = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
                _publish_parquet(con, mart, period, changed, staging / mart, rows[mart])
            con.execute("detach warehouse")
            con.execute("checkpoint")
        write_fingerprints(staging, prints)
        if docs:
            docs(staging / "docs")
        release = root / "releases" / release_id
        staging.rename(release)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    link = root / f".current-{release_id}.{os.getpid()}"
    link.symlink_to(Path("releases") / release_id)
    os.replace(link, root / "current")  # the swap: one rename
    _drop_old_releases(root, keep=release_id)
    return {"release": release_id, "path": str(root / "current"), "rows": rows}


def _staging_owner(path: Path) -> int | None:
    """The pid of the run that was building a release aside (or swapping it in)."""
    m = re.match(r"^\.(?:current-)?[^.]+\.(\d+)$", path.name)
    return int(m.group(1)) if m else None


def _marts(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = 'marts' "
        "order by table_name", [database]).fetchall()]


def _database(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def _current(root: Path) -> Path | None:
    link = root / "current"
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def _publish_table(con: duckdb.DuckDBPyConnection, mart: str, period: str | None, changed: set[str] | None) -> None:
    """The mart's rows into the release's DuckDB file: whole, or only the changed days."""
    if changed is None:
        con.execute(f"create or replace table marts.{mart} as select * from warehouse.marts.{mart}")
    elif changed:
        days = sorted(changed)
        con.execute(f"delete from marts.{mart} where list_contains(?, {day_key(period)})", [days])
        con.execute(f"insert into marts.{mart} select * from warehouse.marts.{mart} "
                    f"where list_contains(?, {day_key(period)})", [days])


def _publish_parquet(con: duckdb.DuckDBPyConnection, mart: str, period: str | None, changed: set[str] | None,
                     folder: Path, rows: int) -> None:
    """The mart as Parquet: one file per day of its period column under `period=YYYY-MM/` (only
    the changed days are written; the others were linked from the previous release), or one
    `data.parquet`."""
    folder.mkdir(exist_ok=True)
    if not period or not rows:
        con.execute(f"copy (select * from marts.{mart} order by all) to {sql_string(folder / 'data.parquet')} "
                    f"(format parquet, compression zstd)")
        return
    where = "true" if changed is None else f"list_contains(?, {day_key(period)})"
    if changed is not None and not changed:
        return
    scratch = folder / ".days"
    con.execute(f"copy (select *, {day_key(period)} as slm_day from marts.{mart} where {where} order by all) "
                f"to {sql_string(scratch)} (format parquet, compression zstd, partition_by (slm_day))",
                [] if changed is None else [sorted(changed)])
    for day_folder in sorted(scratch.iterdir()):
        day = day_folder.name.split("=", 1)[1]
        month = folder / f"period={day[:7] if day != UNDATED else 'NULL'}"
        month.mkdir(exist_ok=True)
        for i, part in enumerate(sorted(day_folder.iterdir())):
            part.rename(month / (f"{day}.parquet" if i == 0 else f"{day}-{i}.parquet"))
    shutil.rmtree(scratch)


def _link_days(before: Path, folder: Path, days: set[str]) -> set[str]:
    """Hard-link each unchanged day's Parquet files from the previous release; returns the days
    whose files are missing there (to be written again)."""
    missing = set()
    for day in days:
        month = f"period={day[:7] if day != UNDATED else 'NULL'}"
        parts = sorted((before / month).glob(f"{day}*.parquet"))
        if not parts:
            missing.add(day)
            continue
        (folder / month).mkdir(parents=True, exist_ok=True)
        for part in parts:
            try:
                os.link(part, folder / month / part.name)
            except OSError:
                shutil.copy2(part, folder / month / part.name)
    return missing


def _drop_old_releases(root: Path, keep: str) -> None:
    releases = sorted(p for p in (root / "releases").iterdir() if not p.name.startswith("."))
    for old in [p for p in releases if p.name != keep][:-(KEEP_RELEASES - 1) or None]:
        shutil.rmtree(old, ignore_errors=True)


def current_release(settings: Settings) -> str | None:
    link = settings.exports / "current"
    return os.readlink(link).split("/")[-1] if link.is_symlink() else None
