"""A Parquet file landed by DuckDB alone gives exactly the rows the exact (Arrow) reader gives, and
DuckDB lands only files it judges clean whole, of column types whose values it reads the same;
anything else (a refused row, another type, a damaged file) is left to the exact reader."""

import datetime as dt
import importlib
import random

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.ingest.formats.parquet_batches import engine_read
from pipelines.ingest.land import land_file
from pipelines.ingest import Lake

from engine_landing import SHA, both_ways

T0 = dt.datetime(2026, 10, 5, 10, 0, 0, 123456)
# per field: column types and the values each may take (None: null); every value is one the
# rules accept, so a file of them is clean and the engine must take it
TYPED = {
    "timestamp": [(pa.timestamp("us"), [T0, T0 + dt.timedelta(hours=3), None]),
                  (pa.timestamp("ns", tz="UTC"), [T0, T0 + dt.timedelta(microseconds=1)]),
                  (pa.timestamp("ms", tz="UTC"), [T0.replace(microsecond=123000)]),
                  (pa.timestamp("us", tz="+00:00"), [T0]),
                  (pa.timestamp("s"), [T0.replace(microsecond=0)]),
                  (pa.string(), ["2026-10-05T10:00:00Z", "2026-10-05T12:00:00.5+02:00", " 2026-10-05T10:00:00Z "]),
                  (pa.int64(), [1791194400000, 1791194400123])],
    "service": [(pa.string(), ["web", " api ", "é\n\"q", "\u2028"]), (pa.large_string(), ["web"]),
                (pa.dictionary(pa.int32(), pa.string()), ["web", "api"])],
    "operation": [(pa.string(), ["GET /", "", None])],
    "status_code": [(pa.int32(), [200, 503]), (pa.int16(), [200]), (pa.float64(), [200.0, 2e2, 429.0]),
                    (pa.string(), ["503", "200"]), (pa.uint16(), [200])],
    "outcome": [(pa.string(), ["ok", "error", "timeout"])],
    "latency_ms": [(pa.float64(), [12.5, 1e-7, 0.0, 1e9, 0.1, None]), (pa.float32(), [12.5, 0.1, 3.4028234e5]),
                   (pa.int64(), [7, 0]), (pa.string(), ["7", "1e-7"])],
    "source": [(pa.string(), ["server", "", None, "probe"])],
    "is_probe": [(pa.bool_(), [True, False, None]), (pa.int8(), [0, 1]), (pa.string(), ["true", "TRUE"])],
    "sample_rate": [(pa.float64(), [1.0, 0.5, 1e-9, 0.1]), (pa.float32(), [0.5, 0.1]), (pa.string(), ["0.1"])],
    "version": [(pa.string(), ["v1", None])],
    "trace_id": [(pa.string(), ["t1", "", None])],
    "customer": [(pa.string(), ["acme", "  acme  ", None])],
}


def clean_table(rng: random.Random, rows: int) -> pa.Table:
    columns = {}
    for name, choices in TYPED.items():
        if name not in ("timestamp", "service") and rng.random() < 0.3:
            continue  # an absent column
        kind, values = rng.choice(choices)
        columns[name] = pa.array([rng.choice(values) for _ in range(rows)],
                                 kind.value_type if pa.types.is_dictionary(kind) else kind)
        if pa.types.is_dictionary(kind):
            columns[name] = columns[name].dictionary_encode()
    if "status_code" not in columns and "outcome" not in columns:
        columns["outcome"] = pa.array(["ok"] * rows)
    columns["timestamp"] = pa.array([v if v is not None else T0 for v in columns["timestamp"].to_pylist()],
                                    columns["timestamp"].type)
    columns["service"] = pa.array([v or "web" for v in columns["service"].to_pylist()], columns["service"].type)
    return pa.table(columns)


@pytest.mark.parametrize("seed", range(3))
def test_the_engine_lands_clean_parquet_as_the_exact_reader_does(tmp_path, seed):
    rng = random.Random(seed)
    compared = 0
    for i in range(30):
        table = clean_table(rng, rng.randint(1, 80))
        path = tmp_path / f"f{i}.parquet"
        pq.write_table(table, path, row_group_size=rng.choice([7, 1000]))
        engine, exact = both_ways(path, "parquet")
        assert exact[0] == len(exact[1]) and not exact[2], (table.schema, exact[2])  # clean, as meant
        assert engine is not None, table.schema
        assert engine == exact, table.schema
        compared += len(exact[1])
    assert compared > 500


REFUSED = {  # a column of three values, the middle one refused by the rules or the reader
    "an implausible timestamp": ("timestamp", pa.timestamp("us"), [T0, dt.datetime(1989, 12, 31), T0]),
    "a status code out of range": ("status_code", pa.int32(), [200, 700, 200]),
    "a float status code": ("status_code", pa.float64(), [200.0, 200.5, 200.0]),
    "a negative latency": ("latency_ms", pa.float64(), [1.5, -1.0, 1.5]),
    "no number": ("latency_ms", pa.string(), ["1.5", "x", "1.5"]),
    "a NaN latency": ("latency_ms", pa.float64(), [1.5, float("nan"), 1.5]),
    "a service of blanks": ("service", pa.string(), ["web", "  ", "web"]),
    "a value over the record limit": ("trace_id", pa.string(), ["t", "t" * 70_000, "t"]),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_file_with_a_refused_row_is_left_to_the_exact_reader(tmp_path, case, monkeypatch):
    monkeypatch.setenv("SLM_MAX_RECORD_BYTES", "65536")
    field, kind, values = REFUSED[case]
    columns = {"timestamp": pa.array([T0] * 3, pa.timestamp("us")), "service": pa.array(["web"] * 3),
               "status_code": pa.array([200] * 3, pa.int32()), field: pa.array(values, kind)}
    path = tmp_path / "f.parquet"
    pq.write_table(pa.table(columns), path)
    engine, exact = both_ways(path, "parquet")
    assert engine is None
    assert exact[0] == 3 and [r["line"] for r in exact[1]] == [1, 3] and [r["line"] for r in exact[2]] == [2]


@pytest.mark.parametrize("case, table", [
    ("a zone other than UTC", pa.table({"timestamp": pa.array([T0], pa.timestamp("us", tz="Europe/Paris")),
                                        "service": ["web"], "status_code": [200]})),
    ("a date for a timestamp", pa.table({"timestamp": pa.array([T0.date()], pa.date32()),
                                         "service": ["web"], "status_code": [200]})),
    ("a number for a name", pa.table({"timestamp": ["2026-10-05T10:00:00Z"], "service": [7], "status_code": [200]})),
    ("a list", pa.table({"timestamp": ["2026-10-05T10:00:00Z"], "service": ["web"], "status_code": [[200]]})),
    ("names equal but for case", pa.table({"timestamp": ["2026-10-05T10:00:00Z"], "service": ["web"],
                                           "Service": ["other"], "status_code": [200]})),
])
def test_other_column_types_are_read_exactly(tmp_path, case, table):
    path = tmp_path / "f.parquet"
    pq.write_table(table, path)
    assert engine_read(path) is None
    engine, exact = both_ways(path, "parquet")
    assert engine is None and exact[0] == 1


def test_bytes_that_are_not_utf8_are_left_to_the_exact_reader(tmp_path):
    bad = pa.array([b"web", b"w\xffb", b"api"], pa.binary())
    service = pa.Array.from_buffers(pa.string(), 3, bad.buffers())  # strings no writer validated
    path = tmp_path / "f.parquet"
    pq.write_table(pa.table({"timestamp": ["2026-10-05T10:00:00Z"] * 3, "service": service,
                             "status_code": [200, 200, 200]}), path)
    assert engine_read(path) is not None  # the types qualify; DuckDB itself refuses the bytes
    engine, exact = both_ways(path, "parquet")
    assert engine is None
    assert [r["line"] for r in exact[1]] == [1, 3] and exact[2][0]["reason"] == "service: not valid UTF-8"


def test_a_damaged_file_is_left_to_the_exact_reader(tmp_path):
    path = tmp_path / "f.parquet"
    pq.write_table(pa.table({"timestamp": ["2026-10-05T10:00:00Z"] * 1000, "service": ["web"] * 1000}), path)
    data = path.read_bytes()
    path.write_bytes(data[:100] + bytes(200) + data[300:])
    engine, exact = both_ways(path, "parquet")
    assert engine is None and exact[0] == len(exact[1]) + len(exact[2]) >= 1


def test_a_path_duckdb_would_take_for_a_pattern_is_read_exactly(tmp_path):
    row = {"timestamp": ["2026-10-05T10:00:00Z"], "status_code": [200]}
    pq.write_table(pa.table({**row, "service": ["wrong"]}), tmp_path / "a1.parquet")
    path = tmp_path / "a[1].parquet"
    pq.write_table(pa.table({**row, "service": ["right"]}), path)
    assert engine_read(path) is None
    quoted = tmp_path / "it's.parquet"  # a quote is no pattern: the engine reads it
    pq.write_table(pa.table({**row, "service": ["quoted"]}), quoted)
    engine, exact = both_ways(quoted, "parquet")
    assert engine == exact and [r["service"] for r in engine[1]] == ["quoted"]


def test_a_file_of_many_row_groups_lands_in_row_order(tmp_path):
    """DuckDB reads row groups on several threads; the landed rows keep the file's order and
    numbers (no sort: insertion order is kept)."""
    n = 300_000
    start = dt.datetime(2026, 10, 5)
    table = pa.table({
        "timestamp": pa.array([start + dt.timedelta(seconds=i % 86_400) for i in range(n)], pa.timestamp("us")),
        "service": pa.array(["web"] * n).dictionary_encode(),
        "status_code": pa.array([503 if i % 1000 == 0 else 200 for i in range(n)], pa.int32()),
        "trace_id": [f"t{i}" for i in range(n)],
    })
    path = tmp_path / "big.parquet"
    pq.write_table(table, path, row_group_size=10_000)
    assert engine_read(path) is not None
    lake = Lake(tmp_path / "lake")
    entry = land_file(lake, path, "web/big.parquet", SHA, None, share=2)
    assert (entry.rows_read, entry.rows_landed, entry.rows_quarantined) == (n, n, 0)
    landed = pq.read_table(lake.files / f"{SHA}.parquet", columns=["line", "trace_id", "status_code", "event_ts"])
    assert landed["line"].to_pylist() == list(range(1, n + 1))
    assert landed["trace_id"].to_pylist() == [f"t{i}" for i in range(n)]
    assert landed["status_code"].to_pylist().count(503) == n // 1000
    assert landed["event_ts"].to_pylist()[86_401] == start + dt.timedelta(seconds=1)


def test_landing_takes_the_engine_for_a_clean_file(tmp_path, monkeypatch):
    """The engine is the way a clean file lands: with the exact reader broken, it still lands."""
    path = tmp_path / "f.parquet"
    pq.write_table(pa.table({"timestamp": pa.array([T0] * 5, pa.timestamp("us")), "service": ["web"] * 5,
                             "status_code": pa.array([200, 503, 200, 200, 200], pa.int32())}), path)

    def broken(*args, **kwargs):
        raise AssertionError("the exact reader was used")
    monkeypatch.setattr(importlib.import_module("pipelines.ingest.land"), "_read_exactly", broken)
    entry = land_file(Lake(tmp_path / "lake"), path, "web/f.parquet", SHA, None)
    assert (entry.rows_read, entry.rows_landed, entry.rows_quarantined) == (5, 5, 0)
    with duckdb.connect() as con:
        assert con.execute(f"select count(*) filter (where status_code = 503), min(line), max(line) "
                           f"from '{tmp_path}/lake/files/{SHA}.parquet'").fetchone() == (1, 1, 5)
