"""Hostile and unusual input (issue 16): one bad record never stops its file, one bad file never
stops the others, and every record read is landed or quarantined with its reason."""

import datetime as dt
import json

import duckdb
import pytest

from pipelines.ingest import Lake, land
from pipelines.settings import TIMESTAMPS_AHEAD_ENV, TIMESTAMPS_FROM_ENV, plausible_timestamps

GOOD = {"timestamp": "2026-10-05T10:00:00Z", "service": "web", "status_code": 200}


def lines(*records) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"


def quarantined(lake: Lake) -> dict[tuple[str, int], str]:
    with duckdb.connect() as con:
        return {(f, n): r for f, n, r in con.execute(
            f"select file, line, reason from read_parquet('{lake.quarantine}/*.parquet')").fetchall()}


def span(start_ns, **extra):
    return {"kind": 2, "name": "GET /", "startTimeUnixNano": str(start_ns), "endTimeUnixNano": str(start_ns + 10**6),
            "attributes": [{"key": "http.response.status_code", "value": {"intValue": "200"}}], **extra}


def otlp(*resource_spans) -> str:
    return json.dumps({"resourceSpans": list(resource_spans)})


def resource(*spans):
    return {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
            "scopeSpans": [{"spans": list(spans)}]}


def prometheus(*series) -> str:
    return json.dumps({"status": "success", "data": {"resultType": "matrix", "result": list(series)}})


T0 = int(dt.datetime(2026, 10, 5, 10, tzinfo=dt.timezone.utc).timestamp())
NS = T0 * 10**9


@pytest.fixture
def landed(tmp_path):
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    (landing / "web" / "times.jsonl").write_text(lines(
        GOOD,                                               # 1 landed
        dict(GOOD, timestamp="infinity"),                   # 2
        dict(GOOD, timestamp="-infinity"),                  # 3
        dict(GOOD, timestamp=253402300800000),              # 4 epoch ms in year 10000
        dict(GOOD, timestamp=-62135596800001),              # 5 epoch ms before year 1
        dict(GOOD, timestamp=99999999999999999999999),      # 6 beyond any integer type
        dict(GOOD, timestamp="1989-12-31T23:59:59Z"),       # 7 before the plausible range
        dict(GOOD, timestamp="1990-01-01T00:00:00Z"),       # 8 landed: the range's first instant
        dict(GOOD, timestamp="10000-01-01T00:00:00Z"),      # 9
        dict(GOOD, sample_rate=1e-300),                     # 10 would overflow every sum of its day
        dict(GOOD, sample_rate=1e-9),                       # 11 landed: a billion requests
        dict(GOOD, latency_ms=1e308),                       # 12
        dict(GOOD, latency_ms="NaN"),                       # 13
        "[" * 100_000 + "]" * 100_000,                      # 14 100 k deep
        GOOD,                                               # 15 landed: the file goes on
    ))
    (landing / "otlp").mkdir()
    (landing / "otlp" / "not-a-list.json").write_text(json.dumps({"resourceSpans": {"a": 1}}))
    (landing / "otlp" / "shapes.json").write_text(otlp(
        resource(span(NS), 5, span(NS + 10**9)),            # spans 1 and 3 land, 2 is not an object
        "not an object",                                    # one quarantined entry
        {"resource": {"attributes": "x"}, "scopeSpans": []},
        resource(span(NS, attributes={"not": "a list"})),
    ))
    (landing / "otlp" / "deep.json").write_text('{"resourceSpans": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (landing / "metrics").mkdir()
    (landing / "metrics" / "prom.json").write_text(prometheus(
        "not an object",
        {"metric": {"code": "200", "job": "api"}, "values": [[T0, "1"], [T0 + 60, "11"], ["soon", "12"],
                                                              [T0 + 180, "1e308"], [T0 + 240, "1e308"],
                                                              [T0 + 300, "inf"], "x", [T0 + 420, "2e308"]]},
    ))
    lake = Lake(tmp_path / "lake")
    return lake, {e.path: e for e in land(lake, str(landing)).landed}


def test_every_file_lands_and_every_record_is_accounted_for(landed):
    lake, entries = landed
    assert set(entries) == {"web/times.jsonl", "otlp/not-a-list.json", "otlp/shapes.json", "otlp/deep.json",
                            "metrics/prom.json"}
    for e in entries.values():
        assert e.rows_read == e.rows_landed + e.rows_quarantined, e.path
    assert (entries["web/times.jsonl"].rows_landed, entries["web/times.jsonl"].rows_quarantined) == (4, 11)
    assert (entries["otlp/shapes.json"].rows_landed, entries["otlp/shapes.json"].rows_quarantined) == (2, 4)
    # prometheus: 1 -> 11 is 10 requests (lands); the bad timestamp, 1e308 (as an increase of about
    # 1e308 requests), inf, "x" and a non-object series are quarantined; 1e308 -> 1e308 is no increase;
    # 1e308 -> 2e308 (inf) is not finite
    assert entries["metrics/prom.json"].rows_landed == 1


def test_each_refusal_names_its_field(landed):
    lake, _ = landed
    reasons = quarantined(lake)
    times = {n: r for (f, n), r in reasons.items() if f == "web/times.jsonl"}
    for n in (2, 3, 4, 5, 6, 7, 9):
        assert "is outside the plausible range 1990-01-01T00:00:00Z .. " in times[n], (n, times[n])
    assert times[10] == "sample_rate: 1e-300 is outside [1e-09, 1]"
    assert times[12] == "latency_ms: 1e308 is outside [0, 1000000000.0]"
    assert times[13].startswith("latency_ms: NaN is outside")
    assert times[14] == "a JSON line must be an object"
    otlp = {(f, n): r for (f, n), r in reasons.items() if f.startswith("otlp/")}
    assert otlp[("otlp/not-a-list.json", 1)] == "resourceSpans must be a list"
    assert otlp[("otlp/shapes.json", 2)] == "a span must be an object"
    assert "nested too deeply" in otlp[("otlp/deep.json", 1)]
    prom = [r for (f, n), r in sorted(reasons.items()) if f == "metrics/prom.json"]
    assert prom[0] == "a series must be an object with a list of values"
    assert any("sample: ['soon', '12'] is not a [unix seconds, number] pair" in r for r in prom)
    assert "sample_rate: 1e-308 is outside [1e-09, 1]" in prom  # an increase of 1e308 requests
    assert prom.count("value: 'inf' is not a finite number") == 1 and len(prom) == 6


def test_the_plausible_range_is_a_setting(monkeypatch):
    now = dt.datetime(2026, 11, 30, 12)
    assert plausible_timestamps(now) == (dt.datetime(1990, 1, 1), dt.datetime(2026, 12, 1, 12))
    monkeypatch.setenv(TIMESTAMPS_FROM_ENV, "2010-06-01")
    monkeypatch.setenv(TIMESTAMPS_AHEAD_ENV, "0")
    assert plausible_timestamps(now) == (dt.datetime(2010, 6, 1), now)
    monkeypatch.setenv(TIMESTAMPS_AHEAD_ENV, "a week")
    with pytest.raises(ValueError, match="SLM_TIMESTAMPS_AHEAD_DAYS must be a whole number of days, got 'a week'"):
        plausible_timestamps(now)


@pytest.mark.parametrize("name, body", [
    ("excel.csv", "timestamp,service,status_code\r\n2026-10-05T10:00:00Z,web,200\r\n2026-10-05T10:01:00Z,web,503\r\n"),
    ("events.jsonl", lines(GOOD, dict(GOOD, status_code=503))),
])
@pytest.mark.parametrize("gz", [False, True])
def test_a_byte_order_mark_is_read_not_misdetected(tmp_path, name, body, gz):
    import gzip

    landing = tmp_path / "landing" / "web"
    landing.mkdir(parents=True)
    data = b"\xef\xbb\xbf" + body.encode()
    (landing / (name + (".gz" if gz else ""))).write_bytes(gzip.compress(data) if gz else data)
    [entry] = land(Lake(tmp_path / "lake"), str(tmp_path / "landing")).landed
    assert entry.format == name.rsplit(".", 1)[1] + (".gz" if gz else "")
    assert (entry.rows_read, entry.rows_landed, entry.rows_quarantined) == (2, 2, 0)


def test_links_out_of_the_landing_zone_pipes_and_hidden_files_are_skipped_and_listed(tmp_path):
    import os

    secret = tmp_path / "secret.jsonl"
    secret.write_text(lines(dict(GOOD, service="stolen")))
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    (landing / "web" / "a.jsonl").write_text(lines(GOOD))
    (landing / "web" / "leak.jsonl").symlink_to(secret)                      # out of the zone
    (landing / "web" / "again.jsonl").symlink_to(landing / "web" / "a.jsonl")  # inside: same bytes
    (landing / "web" / "folder").symlink_to(tmp_path, target_is_directory=True)
    (landing / "web" / ".partial.jsonl").write_text(lines(GOOD))
    (landing / ".cache").mkdir()
    (landing / ".cache" / "x.jsonl").write_text(lines(GOOD))
    os.mkfifo(landing / "web" / "pipe.jsonl")                                # reading it would block
    name = os.fsdecode(b"caf\xe9.jsonl")                                      # not UTF-8
    (landing / "web" / name).write_text(lines(dict(GOOD, status_code=503)))
    lake = Lake(tmp_path / "lake")
    report = land(lake, str(landing))
    assert sorted(e.path for e in report.landed) == ["web/a.jsonl", "web/caf\\xe9.jsonl"]
    assert report.already_landed == 1  # again.jsonl: the bytes of a.jsonl
    assert report.skipped == [
        (".cache", "hidden"),
        ("web/.partial.jsonl", "hidden"),
        ("web/folder", "symbolic link to outside the landing folder: not followed"),
        ("web/leak.jsonl", "symbolic link to outside the landing folder: not followed"),
        ("web/pipe.jsonl", "not a regular file (a pipe, socket or device)"),
    ]
    with duckdb.connect() as con:
        services = con.execute(f"select distinct service from read_parquet('{lake.files}/*.parquet')").fetchall()
    assert services == [("web",)]  # nothing of the linked secret was read


def test_records_over_the_limit_are_quarantined_unread_and_their_file_goes_on(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    monkeypatch.setenv("SLM_MAX_RECORD_BYTES", "1000")
    monkeypatch.setenv("SLM_MAX_DOCUMENT_BYTES", "2000")
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    (landing / "web" / "long.jsonl").write_text(lines(GOOD, dict(GOOD, version="x" * 5000), " " * 3000, GOOD))
    (landing / "web" / "last.jsonl").write_text(lines(GOOD) + json.dumps(dict(GOOD, version="é" * 600)))  # no ending
    (landing / "web" / "long.csv").write_text(
        "timestamp,service,status_code\n2026-10-05T10:00:00Z,web,200\n2026-10-05T10:00:00Z,web," + "9" * 3000
        + "\r\n2026-10-05T10:01:00Z,web,503\n")
    pq.write_table(pa.table({"timestamp": ["2026-10-05T10:00:00Z"] * 3, "service": ["web"] * 3,
                             "status_code": [200, 200, 503], "version": ["a", "v" * 1001, "b"]}),
                   landing / "web" / "long.parquet")
    (landing / "logs").mkdir()
    access = '10.0.0.1 - - [05/Oct/2026:10:00:00 +0000] "GET /{} HTTP/1.1" 200 12 "-" "curl"\n'
    (landing / "logs" / "access.log").write_text(access.format("a") + access.format("b" * 2000) + access.format("c"))
    (landing / "otlp").mkdir()
    (landing / "otlp" / "big.json").write_text(otlp(resource(*[span(NS + i * 10**9) for i in range(20)])))
    lake = Lake(tmp_path / "lake")
    entries = {e.path: e for e in land(lake, str(landing)).landed}
    counts = {p: (e.rows_read, e.rows_landed, e.rows_quarantined) for p, e in entries.items()}
    assert counts == {"web/long.jsonl": (4, 2, 2), "web/last.jsonl": (2, 1, 1), "web/long.csv": (3, 2, 1),
                      "web/long.parquet": (3, 2, 1), "logs/access.log": (3, 2, 1), "otlp/big.json": (1, 0, 1)}
    too_long = "record longer than 1,000 bytes (SLM_MAX_RECORD_BYTES): not read"
    assert {k: v for k, v in quarantined(lake).items()} == {
        ("web/long.jsonl", 2): too_long, ("web/long.jsonl", 3): too_long,  # blank, but not read
        ("web/last.jsonl", 2): too_long,                                   # 1,200 bytes in 600 characters
        ("web/long.csv", 3): too_long, ("web/long.parquet", 2): "version: " + too_long,
        ("logs/access.log", 2): too_long,
        ("otlp/big.json", 1): "document larger than 2,000 bytes (SLM_MAX_DOCUMENT_BYTES): not read",
    }


# The peak is VmHWM, this process's own high-water mark: ru_maxrss survives exec, so a child of a
# large pytest process would report the parent's size.
BOMB_CHECK = """
import json, re, sys
from pathlib import Path
from pipelines.ingest import Lake, land
report = land(Lake(sys.argv[1]), sys.argv[2], workers=1)
peak_kib = int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
print(json.dumps({"rss_mib": peak_kib / 1024, "files": {e.path: [e.rows_read, e.rows_quarantined] for e in report.landed}}))
"""


def test_a_gzip_bomb_is_read_past_in_bounded_memory(tmp_path):
    """1 GiB of NULs in 4.7 MB (one endless line) took 3.2 GiB to land; now the reader's block. A
    JSON document (parsed whole) is refused past its 64 MiB limit, unread."""
    import subprocess
    import sys
    import zlib

    landing = tmp_path / "landing" / "web"
    landing.mkdir(parents=True)
    nuls = zlib.compressobj(1, zlib.DEFLATED, 31)
    body = b"".join(nuls.compress(bytes(2**20)) for _ in range(1024))
    for name, tail in (("bomb.jsonl.gz", b"\n"), ("bomb.csv.gz", b"\r\n")):
        end = nuls.copy()
        (landing / name).write_bytes(body + end.compress(tail) + end.flush())
    spaces = zlib.compressobj(1, zlib.DEFLATED, 31)
    (landing / "spans.json.gz").write_bytes(spaces.compress(b'{"resourceSpans": [') + b"".join(  # 2 x the limit
        spaces.compress(b" " * 2**20) for _ in range(128)) + spaces.flush())
    done = subprocess.run([sys.executable, "-c", BOMB_CHECK, str(tmp_path / "lake"), str(tmp_path / "landing")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["files"] == {"web/bomb.jsonl.gz": [1, 1], "web/bomb.csv.gz": [1, 1], "web/spans.json.gz": [1, 1]}
    assert result["rss_mib"] < 512, result
