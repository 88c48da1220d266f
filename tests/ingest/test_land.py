import datetime as dt
import gzip
import importlib
import json
import zlib
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.ingest import IngestError, Lake, detect_format, land, landed_days, write_day_partition
from pipelines.core.hashing import sha256_file

GOOD = {"timestamp": "2026-10-05T10:00:00Z", "service": "web", "status_code": 200, "latency_ms": 12.5}


def jsonl(*records) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"


def rows(lake: Lake, sql: str):
    with duckdb.connect() as con:
        return con.execute(sql.replace("FILES", f"read_parquet('{lake.files}/*.parquet')")
                           .replace("QUARANTINE", f"read_parquet('{lake.quarantine}/*.parquet')")).fetchall()


def test_every_record_is_landed_or_quarantined_with_its_line_and_reason(tmp_path):
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    (landing / "web" / "events.jsonl").write_text(jsonl(
        GOOD,                                                               # 1 landed
        dict(GOOD, timestamp="2026-10-05T12:00:00+02:00"),                  # 2 landed, 10:00 UTC
        dict(GOOD, timestamp=1791194400000),                                # 3 landed, epoch ms
        "",                                                                 # 4 blank: not a record
        '{"timestamp": "2026-10-05T10:00:00Z", "service": "web"',           # 5 not JSON
        dict(GOOD, service=None),                                           # 6 no service
        dict(GOOD, latency_ms=-1),                                          # 7 negative latency
        dict(GOOD, status_code=700),                                        # 8 status out of range
        dict(GOOD, status_code=200.5),                                      # 9 not an integer
        dict(GOOD, sample_rate=0),                                          # 10 sample rate
        {"timestamp": "2026-10-05T10:00:00Z", "service": "web", "outcome": "maybe"},  # 11 outcome
        {"timestamp": "2026-10-05T10:00:00Z", "service": "web"},            # 12 neither status nor outcome
        dict(GOOD, timestamp="last tuesday"),                               # 13 bad time
        "[1, 2, 3]",                                                        # 14 not an object
    ))
    lake = Lake(tmp_path / "lake")
    [entry] = land(lake, str(landing)).landed
    # 13 records (the blank line is not one) = 3 landed + 10 quarantined
    assert (entry.rows_read, entry.rows_landed, entry.rows_quarantined) == (13, 3, 10)
    assert entry.path == "web/events.jsonl" and entry.file_sha256 == sha256_file(landing / "web" / "events.jsonl")
    assert rows(lake, "select line, reason from QUARANTINE order by line") == [
        (5, "not valid JSON"),
        (6, "missing field service"),
        (7, "latency_ms: -1 is negative"),
        (8, "status_code: 700 is outside 100-599"),
        (9, "status_code: 200.5 is not an integer"),
        (10, "sample_rate: 0 is outside [1e-09, 1]"),
        (11, "outcome: maybe is not ok, error or timeout"),
        (12, "needs status_code or outcome"),
        (13, "timestamp: last tuesday is neither RFC 3339 nor epoch milliseconds"),
        (14, "a JSON line must be an object"),
    ]
    # all three landed records are 2026-10-05 10:00 UTC; defaults applied
    assert rows(lake, "select line, event_ts, source, is_probe, sample_rate from FILES order by line") == [
        (n, dt.datetime(2026, 10, 5, 10, 0), "server", False, 1.0) for n in (1, 2, 3)]


def test_csv_parquet_and_gzip_land_the_same_records(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    header = "timestamp,service,status_code,latency_ms,is_probe,sample_rate\n"
    (landing / "a.csv").write_text(header + "2026-10-05T10:00:00Z,web,200,5,false,0.5\n"
                                   "2026-10-05T10:00:01Z,web,503,7\n")  # 2: four fields, header has six
    pq.write_table(pa.table({
        "timestamp": pa.array([dt.datetime(2026, 10, 5, 10, 0, 2)], pa.timestamp("ms")),
        "service": ["web"], "status_code": [500], "latency_ms": [3.0],
    }), landing / "b.parquet")
    with gzip.open(landing / "c.jsonl.gz", "wt") as f:
        f.write(jsonl(dict(GOOD, timestamp="2026-10-05T10:00:03Z")))
    lake = Lake(tmp_path / "lake")
    report = land(lake, str(landing))
    counts = {e.path: (e.format, e.rows_read, e.rows_landed, e.rows_quarantined) for e in report.landed}
    assert counts == {
        "a.csv": ("csv", 2, 1, 1),
        "b.parquet": ("parquet", 1, 1, 0),
        "c.jsonl.gz": ("jsonl.gz", 1, 1, 0),
    }
    assert rows(lake, "select reason, line from QUARANTINE") == [("expected 6 fields as in the header, got 4", 3)]
    assert rows(lake, "select status_code, sample_rate, event_ts from FILES order by event_ts") == [
        (200, 0.5, dt.datetime(2026, 10, 5, 10, 0, 0)),
        (500, 1.0, dt.datetime(2026, 10, 5, 10, 0, 2)),
        (200, 1.0, dt.datetime(2026, 10, 5, 10, 0, 3)),
    ]


def test_format_is_recognised_by_content_when_the_name_says_nothing(tmp_path):
    (tmp_path / "events").write_text(jsonl(GOOD))
    with gzip.open(tmp_path / "blob", "wt") as f:
        f.write(jsonl(GOOD))
    (tmp_path / "table").write_text("timestamp,service,status_code\n2026-10-05T10:00:00Z,web,200\n")
    (tmp_path / "noise").write_text("hello\nworld\n")
    assert [detect_format(tmp_path / n) for n in ("events", "blob", "table", "noise")] == [
        "jsonl", "jsonl.gz", "csv", "unknown"]


def test_an_unrecognised_file_is_quarantined_line_by_line(tmp_path):
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "notes.txt").write_text("hello\nworld\n")
    lake = Lake(tmp_path / "lake")
    [entry] = land(lake, str(tmp_path / "landing")).landed
    assert (entry.rows_read, entry.rows_landed, entry.rows_quarantined) == (2, 0, 2)
    assert rows(lake, "select line, reason, raw from QUARANTINE order by line") == [
        (1, "unrecognised file format", "hello"), (2, "unrecognised file format", "world")]


def test_redelivery_lands_nothing_and_a_changed_file_supersedes(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "day.jsonl").write_text(jsonl(GOOD, dict(GOOD, status_code=503)))
    lake = Lake(tmp_path / "lake")
    first = land(lake, str(landing))
    assert len(first.landed) == 1
    # the same bytes again, even under another name, land nothing
    (landing / "copy.jsonl").write_bytes((landing / "day.jsonl").read_bytes())
    again = land(lake, str(landing))
    assert (len(again.landed), again.already_landed) == (0, 2)
    # the same name with new content is a correction: landed, and it supersedes the old version
    (landing / "day.jsonl").write_text(jsonl(GOOD))
    corrected = land(lake, str(landing))
    [entry] = corrected.landed
    assert entry.supersedes == first.landed[0].file_sha256
    assert len(lake.ledger()) == 2  # nothing is forgotten
    assert write_day_partition(lake, "2026-10-05") == 1  # only the correction counts


def test_publishing_a_day_is_deterministic_and_holds_only_that_day(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "two-days.jsonl").write_text(jsonl(
        dict(GOOD, timestamp="2026-10-05T23:59:59.999Z"),
        dict(GOOD, timestamp="2026-10-06T00:00:00Z"),
        dict(GOOD, timestamp="2026-10-06T00:00:00.001Z"),
    ))
    lake = Lake(tmp_path / "lake")
    land(lake, str(landing))
    assert landed_days(lake) == ["2026-10-05", "2026-10-06"]
    assert write_day_partition(lake, "2026-10-05") == 1  # half-open days: midnight belongs to the 6th
    assert write_day_partition(lake, "2026-10-06") == 2
    digest = sha256_file(lake.partition_path("2026-10-06"))
    assert write_day_partition(lake, "2026-10-06") == 2
    assert sha256_file(lake.partition_path("2026-10-06")) == digest
    # a day without telemetry still gets a (typed, empty) partition
    assert write_day_partition(lake, "2026-10-07") == 0
    assert "event_ts" in pq.read_schema(lake.partition_path("2026-10-07")).names
    assert not list(lake.events.rglob("*.tmp"))


def test_missing_landing_is_an_error_naming_it(tmp_path):
    with pytest.raises(IngestError, match="does-not-exist"):
        land(Lake(tmp_path / "lake"), str(tmp_path / "does-not-exist"))


def test_a_damaged_file_keeps_what_was_readable_and_quarantines_the_rest(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    whole = gzip.compress(jsonl(*[dict(GOOD, latency_ms=float(i)) for i in range(2000)]).encode())
    (landing / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])  # a transfer cut in half
    (landing / "corrupt.parquet").write_bytes(b"PAR1" + b"\x00" * 64)
    lake = Lake(tmp_path / "lake")
    entries = {e.path: e for e in land(lake, str(landing)).landed}
    cut, corrupt = entries["cut.jsonl.gz"], entries["corrupt.parquet"]
    assert cut.rows_read == cut.rows_landed + cut.rows_quarantined
    # what gzip can still decompress holds this many complete lines; what landed is a prefix of them
    complete_lines = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(whole[: len(whole) // 2]).count(b"\n")
    assert 0 < cut.rows_landed <= complete_lines < 2000
    landed_latencies = [r[0] for r in rows(lake, f"select latency_ms from FILES where file_sha256 = '{cut.file_sha256}' order by line")]
    assert landed_latencies == [float(i) for i in range(cut.rows_landed)]
    assert (corrupt.rows_read, corrupt.rows_landed, corrupt.rows_quarantined) == (1, 0, 1)
    reasons = dict(rows(lake, "select file, reason from QUARANTINE where reason like 'file unreadable%'"))
    assert reasons["corrupt.parquet"].startswith("file unreadable after line 0: ")
    assert reasons["cut.jsonl.gz"].startswith("file unreadable after line ")


def test_files_landed_in_parallel_give_the_lake_they_give_one_by_one(tmp_path):
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    for day in range(1, 6):
        records = [dict(GOOD, timestamp=f"2026-10-0{day}T{h:02d}:00:00Z", latency_ms=float(h)) for h in range(24)]
        records[day] = dict(GOOD, latency_ms=-1)  # one bad record per file, on line day + 1
        (landing / "web" / f"day-{day}.jsonl").write_text(jsonl(*records))
    (landing / "web" / "resent-day-1.jsonl").write_bytes((landing / "web" / "day-1.jsonl").read_bytes())
    seen = []
    one_by_one = land(Lake(tmp_path / "serial"), str(landing), workers=1)
    parallel = land(Lake(tmp_path / "parallel"), str(landing), workers=2, parallel_bytes=0,
                    progress=lambda i, n, rel: seen.append((i, n)))
    assert seen == [(i, 6) for i in range(1, 7)]
    for report in (one_by_one, parallel):
        # the copy has the bytes of day-1 (listed before it): already landed, in parallel too
        assert [e.path for e in report.landed] == [f"web/day-{d}.jsonl" for d in range(1, 6)]
        assert report.already_landed == 1
        assert [(e.rows_read, e.rows_landed, e.rows_quarantined) for e in report.landed] == [(24, 23, 1)] * 5
    # byte for byte the same landed and quarantined files, under the same content hashes
    for folder in ("files", "quarantine"):
        serial_files = {p.name: sha256_file(p) for p in (tmp_path / "serial" / folder).iterdir()}
        assert serial_files == {p.name: sha256_file(p) for p in (tmp_path / "parallel" / folder).iterdir()}
        assert len(serial_files) == 5
    assert [r[0] for r in rows(Lake(tmp_path / "parallel"), "select line from QUARANTINE order by line")] == [2, 3, 4, 5, 6]
    # and a second run over the same landing lands nothing
    again = land(Lake(tmp_path / "parallel"), str(landing), workers=2, parallel_bytes=0)
    assert (again.landed, again.already_landed) == ([], 6)


def test_a_file_already_in_partition_order_is_its_days_partition(tmp_path):
    """A file of one day whose events are in time order is linked as the day's partition (no
    second write); a file out of order, or a day of two files, is rebuilt sorted by event time,
    file and line. Either way the partition holds the rows the rebuild gives, in its order."""
    def event(minute, second=0):
        return dict(GOOD, timestamp=f"2026-10-05T10:{minute:02d}:{second:02d}Z", latency_ms=minute)
    landing = tmp_path / "landing" / "web"
    landing.mkdir(parents=True)
    (landing / "in-order.jsonl").write_text(jsonl(event(1), event(2), event(2), event(5), "not json", event(7)))
    (landing / "late.jsonl").write_text(jsonl(dict(GOOD, timestamp="2026-10-06T00:00:00Z"),
                                              dict(GOOD, timestamp="2026-10-06T00:00:00Z", latency_ms=1)))
    (landing / "shuffled.jsonl").write_text(jsonl(dict(GOOD, timestamp="2026-10-07T10:05:00Z"),
                                                  dict(GOOD, timestamp="2026-10-07T10:01:00Z")))
    lake = Lake(tmp_path / "lake")
    entries = {e.path: e for e in land(lake, str(tmp_path / "landing")).landed}

    def order(day):
        return rows(lake, f"select latency_ms, line from read_parquet('{lake.partition_path(day)}')")

    def same_file(day, name):
        return lake.partition_path(day).stat().st_ino == (lake.files / f"{entries[name].file_sha256}.parquet").stat().st_ino

    assert write_day_partition(lake, "2026-10-05") == 5
    assert same_file("2026-10-05", "web/in-order.jsonl")  # the landed file itself
    assert order("2026-10-05") == [(1, 1), (2, 2), (2, 3), (5, 4), (7, 6)]  # the bad line 5 quarantined
    assert write_day_partition(lake, "2026-10-06") == 2 and same_file("2026-10-06", "web/late.jsonl")
    assert write_day_partition(lake, "2026-10-07") == 2 and not same_file("2026-10-07", "web/shuffled.jsonl")
    assert order("2026-10-07") == [(12.5, 2), (12.5, 1)]  # 10:01 (line 2) before 10:05 (line 1)
    # a second file on the 5th: the day is rebuilt from both, sorted, and the landed file is untouched
    landed_bytes = (lake.files / f"{entries['web/in-order.jsonl'].file_sha256}.parquet").read_bytes()
    (landing / "more.jsonl").write_text(jsonl(event(3)))
    land(lake, str(tmp_path / "landing"))
    assert write_day_partition(lake, "2026-10-05") == 6 and not same_file("2026-10-05", "web/in-order.jsonl")
    assert [m for m, _ in order("2026-10-05")] == [1, 2, 2, 3, 5, 7]
    assert (lake.files / f"{entries['web/in-order.jsonl'].file_sha256}.parquet").read_bytes() == landed_bytes


@pytest.mark.parametrize("minutes, group_rows, linked", [([1, 2, 3, 3, 4, 5], 2, True), ([1, 2, 3, 2, 4, 5], 2, False),
                                                          ([1, 2, 4, 3, 4, 5], 3, False)])
def test_time_order_is_checked_across_row_groups(tmp_path, minutes, group_rows, linked):
    """Row groups of two rows: [1, 2 | 3, 2 | ...] is out of order inside a group, [1, 2, 4 | 3]
    only across the boundary; either is rebuilt sorted."""
    from pipelines.core.events import LANDED_SCHEMA
    from pipelines.ingest.lake import _linked

    n = len(minutes)
    table = pa.table({f.name: pa.nulls(n, f.type) for f in LANDED_SCHEMA}, schema=LANDED_SCHEMA).set_column(
        0, "event_ts", pa.array([dt.datetime(2026, 10, 5, 10, m) for m in minutes], pa.timestamp("us"))).set_column(
        LANDED_SCHEMA.get_field_index("line"), "line", pa.array(range(1, n + 1), pa.int64()))
    source = tmp_path / "landed.parquet"
    pq.write_table(table, source, row_group_size=group_rows)
    assert pq.ParquetFile(source).num_row_groups > 1
    tmp = tmp_path / "partition.tmp"
    tmp.touch()
    assert _linked(source, tmp) is linked
    assert (tmp.exists() and tmp.stat().st_ino == source.stat().st_ino) is linked


def test_files_landing_at_once_share_duckdbs_memory_limit(tmp_path, monkeypatch):
    """Two files landing at once each get half of SLM_DUCKDB_MEMORY_LIMIT, so together they stay
    within it; one at a time, each gets all of it. (Threads stand in for the spawned processes,
    which a test cannot watch; each still lands its file for real.)"""
    module = importlib.import_module("pipelines.ingest.land")
    monkeypatch.setenv("SLM_DUCKDB_MEMORY_LIMIT", "1GiB")
    limits = []
    real = module.engine_config

    def watched(share=1):
        limits.append(real(share)["memory_limit"])
        return real(share)
    monkeypatch.setattr(module, "engine_config", watched)
    monkeypatch.setattr(module, "ProcessPoolExecutor", lambda n, mp_context: ThreadPoolExecutor(n))
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    for day in range(1, 4):
        (landing / "web" / f"day-{day}.jsonl").write_text(jsonl(dict(GOOD, timestamp=f"2026-10-0{day}T10:00:00Z")))
    at_once = land(Lake(tmp_path / "at-once"), str(landing), workers=2, parallel_bytes=0)
    assert limits == [f"{2**30 // 2}B"] * 3 and len(at_once.landed) == 3
    limits.clear()
    one_by_one = land(Lake(tmp_path / "one-by-one"), str(landing), workers=2)  # too few bytes for a pool
    assert limits == ["1GiB"] * 3 and len(one_by_one.landed) == 3
