"""Marts that Spark built, brought into the warehouse file (issue 18).

On the Spark engine the marts are Parquet tables on the lake (`<tables>/marts.db/<mart>`), which
Spark, Trino or Athena read where they are. Everything downstream of dbt (checks, the BI release,
snapshots, reports, `slm gate`) reads `marts.*` of warehouse.duckdb, so after a Spark build each
mart is copied there whole: the same rows, columns and types as a DuckDB build, and therefore the
same BI release and the same snapshot hashes whichever engine built them.

What Spark stores differently, and how it is undone here:
- a timestamp is an instant (Parquet `isAdjustedToUTC`): read back as naive UTC, the warehouse's
  one time convention;
- a table partitioned by day (an incremental mart) holds its day column last, in the folder
  names, and holds no file at all when empty: such a mart documents every column, with its
  `data_type`, in its YAML, and that order and those types are used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import duckdb

from ..core.sql import sql_string
from ..settings import Settings, engine_config
from .project import Mart, ProjectError, marts

Printer = Callable[[str], None]


def _mart_folder(tables: str, mart: str) -> Path:
    """Where Spark keeps one mart's table: `<tables>/marts.db/<mart>` (with its day folders, if any)."""
    return Path(tables) / "marts.db" / mart


def mart_files(tables: str, mart: str) -> str:
    """The Parquet files of one mart table written by Spark, as a DuckDB glob."""
    return f"{_mart_folder(tables, mart)}/**/*.parquet"


def _has_files(tables: str, mart: str) -> bool:
    return any(_mart_folder(tables, mart).rglob("*.parquet"))


def _select_list(con: duckdb.DuckDBPyConnection, source: str, m: Mart) -> str:
    """The mart's columns in its documented order when its YAML lists them all, else as stored;
    instants become naive UTC timestamps."""
    types = {row[0]: row[1] for row in con.execute(f"describe select * from {source}").fetchall()}
    documented = [name for name, _ in m.columns]
    if set(documented) == set(types):
        order = documented
    elif m.incremental:
        raise ProjectError(f"mart {m.name} is partitioned by day on Spark, so its YAML must document every "
                           f"column in order: it documents {documented}, Spark built {sorted(types)}")
    else:
        order = list(types)
    return ", ".join(f'cast("{c}" as timestamp) as "{c}"' if types[c] == "TIMESTAMP WITH TIME ZONE" else f'"{c}"'
                     for c in order)


def _empty_table(m: Mart) -> str:
    """A mart with no rows: Spark wrote no file for a partitioned one, so its YAML gives the columns."""
    if not m.columns or not all(t for _, t in m.columns):
        raise ProjectError(f"mart {m.name} has no rows on the lake and its YAML does not give every column's "
                           f"data_type, so its columns are unknown")
    return "select " + ", ".join(f'cast(null as {t}) as "{c}"' for c, t in m.columns) + " where false"


def copy_marts_from_lake(settings: Settings, out: Printer = print) -> list[str]:
    """Replace every mart of warehouse.duckdb with the one Spark wrote; returns the marts copied."""
    tables = str(settings.spark_tables)
    copied = []
    with duckdb.connect(str(settings.warehouse), config=engine_config()) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("begin")  # all marts or none: readers never see one build's marts beside another's
        con.execute("create schema if not exists marts")
        for m in marts():
            if _has_files(tables, m.name):
                source = f"read_parquet({sql_string(mart_files(tables, m.name))}, hive_partitioning = true)"
                select = f"select {_select_list(con, source, m)} from {source}"
            else:
                select = _empty_table(m)
            con.execute(f"create or replace table marts.{m.name} as {select}")
            copied.append(m.name)
        con.execute("commit")
    out(f"copied {len(copied)} marts from the Spark tables in {tables} into {settings.warehouse.name}")
    return copied
