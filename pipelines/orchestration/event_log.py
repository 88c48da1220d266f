"""Dagster's SQLite event log, written through one kept connection per shard, a run's days of
an asset in one write (issue 15).

A run records an event per dbt model and day of its window (a 78-day run of the suite's review
scenario: 5,700 materializations), each written to the run's shard and the cross-run index.
Dagster's `SqliteEventLogStorage` makes a new SQLAlchemy engine and SQLite connection for every
write and, before storing an event's tags, asks a new engine whether the tags table exists; each
close of a database's last connection checkpoints its write-ahead log, and each commit syncs it
to disk. Per materialization that was 24 ms: 140 s of that run's 218 s. This process now keeps,
per shard, one engine and one open connection (statements compiled once, no checkpoint per
write), remembers tables it has seen, and commits with `synchronous=NORMAL`, SQLite's setting
for a write-ahead log: a commit survives the process being killed, and only a power cut or an
operating system crash can roll back the last commits, never corrupt the file. The event log is
the orchestrator's record, not the audit record (snapshots are written and synced elsewhere).

Dagster hands an asset's materializations of a run's days to the storage as one batch when
`DAGSTER_EVENT_BATCH_SIZE` is set (`settings.DAGSTER_RANGE_EVENTS`); SQLite's storage then stored
them one by one, so this one writes a batch as dagster-postgres does: one transaction per shard,
the asset's latest-materialization row once. A planned check is serialised once, not once per
day. Every day keeps its own event and rows. 2,340 materializations (benchmarks/event_log.py):
80.4 s as Dagster writes them by default, 2.6 s here.

The files on disk are Dagster's own: another process (the Dagster UI, `dagster` commands) reads
and writes them as it always does.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from functools import partial
from typing import Iterator

from dagster._core.events import DagsterEventType
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable, SqlEventLogStorageTable
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import serialize_value
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool


def keep_shard_engines(storage) -> bool:
    """Make a SQLite event log storage keep the engines and connections of its index and its
    latest run shards; True when it did (any other storage, Postgres in Kubernetes, is left as it
    is). An idle kept connection holds no lock: between writes, other processes read and write
    the shard as before."""
    if type(storage) is not SqliteEventLogStorage:
        return False
    engines = _ShardEngines(storage)
    storage._connect = engines.connect
    storage.has_table = _TablesSeen(storage.has_table)
    dispose = storage.dispose

    def dispose_all() -> None:  # the instance's end closes the kept connections
        dispose()
        engines.dispose()

    storage.dispose = dispose_all
    storage.store_event_batch = partial(_store_batch, storage)
    storage._store_asset_check_evaluation_planned = partial(_store_check_plan, storage)
    return True


def _store_batch(storage: SqliteEventLogStorage, events) -> None:
    """`store_event_batch` for SQLite, as dagster-postgres has it: the materializations of one
    asset over a run's days (a batch when `DAGSTER_EVENT_BATCH_SIZE` is set) written in one
    transaction per shard, the asset's latest-materialization row once for the batch (the last
    event's, as writing them one by one leaves it). Any other batch is stored event by event."""
    kinds = {e.dagster_event_type for e in events}
    if kinds not in ({DagsterEventType.ASSET_MATERIALIZATION}, {DagsterEventType.ASSET_OBSERVATION}) \
            or len({e.run_id for e in events}) != 1 or not all(e.dagster_event.asset_key for e in events):
        for e in events:
            storage.store_event(e)
        return
    rows = [storage._event_to_row(e) for e in events]
    with storage.run_connection(events[0].run_id) as conn:
        conn.execute(SqlEventLogStorageTable.insert(), rows)
    with storage.index_transaction() as conn:
        inserted = conn.execute(SqlEventLogStorageTable.insert().returning(
            SqlEventLogStorageTable.c.id, sort_by_parameter_order=True), rows)
        ids = [row[0] for row in inserted]
        storage._store_asset_event_tags(conn, events, ids)
        storage._store_asset_event(conn, events[-1], ids[-1])


def _store_check_plan(storage: SqliteEventLogStorage, entry, event_id: int | None) -> None:
    """Dagster's `_store_asset_check_evaluation_planned` (1.13), with the planned event serialised
    once instead of once per day of the run: the same row per check and day (a 78-day run's 125
    checks were 9,750 serialisations, 11 s)."""
    planned = entry.dagster_event.event_specific_data
    days = planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
    row = dict(asset_key=planned.asset_key.to_string(), check_name=planned.check_name, run_id=entry.run_id,
               execution_status=AssetCheckExecutionRecordStatus.PLANNED.value,
               evaluation_event=serialize_value(entry),
               evaluation_event_timestamp=storage._event_insert_timestamp(entry),
               evaluation_event_storage_id=event_id)
    with storage.index_connection() as conn:
        conn.execute(AssetCheckExecutionsTable.insert(), [{**row, "partition": day} for day in days])


class _TablesSeen:
    """`has_table`, asked once per asset event, answered from memory once a table is there
    (tables are added by Dagster's migrations, never dropped while a process writes)."""

    def __init__(self, has_table):
        self.has_table = has_table
        self.seen: set[str] = set()

    def __call__(self, table_name: str) -> bool:
        if table_name not in self.seen and self.has_table(table_name):
            self.seen.add(table_name)
        return table_name in self.seen


def _sync_normal(connection, _record) -> None:
    connection.execute("PRAGMA synchronous=NORMAL")


class _ShardEngines:
    KEEP = 16  # a process reading many runs' shards keeps the engines of the latest few

    def __init__(self, storage: SqliteEventLogStorage):
        self.storage = storage
        self.engines: OrderedDict[str, Engine] = OrderedDict()
        self.lock = threading.Lock()

    def engine(self, shard: str) -> Engine:
        with self.lock:
            engine = self.engines.pop(shard, None) or self._create(shard)
            self.engines[shard] = engine  # the latest used last
            while len(self.engines) > self.KEEP:
                self.engines.popitem(last=False)[1].dispose()  # closes its connection
            return engine

    def dispose(self) -> None:
        with self.lock:
            while self.engines:
                self.engines.popitem()[1].dispose()

    def _create(self, shard: str) -> Engine:
        # one connection at a time: the storage's lock is held while one is in use
        engine = create_engine(self.storage.conn_string_for_shard(shard), poolclass=QueuePool, pool_size=1,
                               max_overflow=1, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _sync_normal)
        return engine

    @contextmanager
    def connect(self, shard: str) -> Iterator[Connection]:
        """What `SqliteEventLogStorage._connect` does, with the shard's engine kept."""
        storage = self.storage
        with storage._db_lock:
            engine = self.engine(shard)
            if shard not in storage._initialized_dbs:
                storage._initdb(engine)
                storage._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn
