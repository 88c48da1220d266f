"""Dagster's SQLite event log, writing through one database engine per shard (issue 15).

A 30-day run records about 2,400 events (a materialization per dbt model and day, the checks),
each written to the run's shard and the cross-run index. Dagster's `SqliteEventLogStorage`
creates a new SQLAlchemy engine for every connection, so every statement is compiled again:
2,100 partitioned materializations took 18.4 s. Keeping each shard's engine (still without a
connection pool: each write opens and closes its own SQLite connection, as before, so other
processes see the same files the same way) keeps SQLAlchemy's compiled statements: 13.1 s.
The files on disk are Dagster's own, written as before: only this process's writes change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Iterator

from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool


def keep_shard_engines(storage) -> bool:
    """Make a SQLite event log storage keep the engines of its index and its latest run shards;
    True when it did (any other storage, Postgres in Kubernetes, is left as it is). An engine
    without a pool holds no connection and no file open, only its dialect and compiled
    statements: dropping one, or its shard's file, changes nothing but the next compile."""
    if type(storage) is not SqliteEventLogStorage:
        return False
    storage._connect = _ShardEngines(storage).connect
    return True


class _ShardEngines:
    KEEP = 16  # a process reading many runs' shards keeps the engines of the latest few

    def __init__(self, storage: SqliteEventLogStorage):
        self.storage = storage
        self.engines: OrderedDict[str, Engine] = OrderedDict()
        self.lock = threading.Lock()

    def engine(self, shard: str) -> Engine:
        with self.lock:
            engine = self.engines.pop(shard, None) or create_engine(
                self.storage.conn_string_for_shard(shard), poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            self.engines[shard] = engine  # the latest used last
            while len(self.engines) > self.KEEP:
                self.engines.popitem(last=False)
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
