"""Landing a file both ways, for the tests that hold the engine's reader to the exact one: DuckDB
alone (land_in_engine) and the exact reader (Python and Arrow), each given the same file."""

import datetime as dt

import duckdb

from pipelines.ingest.land import _read_exactly
from pipelines.ingest.land_in_engine import landed_in_engine

PLAUSIBLE = (dt.datetime(1990, 1, 1), dt.datetime(2027, 1, 1))
SHA, REL = "f" * 64, "web/events.jsonl"


def lines_of(steps) -> tuple[int, list, list]:
    read, landed, bad = 0, [], []
    for n, good, quarantined in steps:
        read += n
        landed += good.to_pylist()
        bad += quarantined.to_pylist()
    return read, landed, bad


def both_ways(path, fmt="jsonl"):
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        engine = landed_in_engine(con, path, fmt, SHA, REL, PLAUSIBLE)
        engine = None if engine is None else lines_of(engine)
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        exact = lines_of(_read_exactly(con, path, fmt, REL, SHA, PLAUSIBLE))
    return engine, exact
