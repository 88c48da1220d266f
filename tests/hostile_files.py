"""A generator of hostile landing files (issue 16): for each landing format, its records with
every canonical field given hostile values, and each file written in every damaging way a careless
exporter or an attacker manages (endings, byte order marks, NULs, bad UTF-8, an over-long line,
gzip, a gzip cut short, nothing at all, documents of the wrong shape).

Each case knows how many records it feeds (None where damage makes that unknowable), so a test
can hold ingest to rows read = records fed = landed + quarantined, file by file.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.core.events import CANONICAL_FIELDS

RECORD_LIMIT = 4096  # SLM_MAX_RECORD_BYTES the harness runs with, so an over-long line stays small


@dataclass(frozen=True)
class HostileFile:
    rel: str          # its path below the landing folder
    data: bytes
    fed: int | None   # records it holds; None where damage makes that unknowable


GOOD = {"timestamp": "2026-10-05T10:00:00Z", "service": "web", "operation": "GET /", "status_code": 200,
        "latency_ms": 12.5, "source": "server", "region": "eu", "is_probe": False, "sample_rate": 1,
        "version": "v1", "trace_id": "abc"}
VALUES: tuple[Any, ...] = (
    None, "", " ", "x" * 3000, -1, 0, 1e308, -1e308, "NaN", "infinity", "-infinity", 1e-300, 2**70, True,
    [], {}, {"a": [1]}, "\x00", "\u202e\U0001F600", "'; drop table x; --", "=cmd|'/c calc'!A1", "<script>",
    "2026-02-30T00:00:00Z", "10000-01-01T00:00:00Z", "1989-12-31T23:59:59Z", 253402300800000, -62135596800001,
    "0x10", "1e999", "200 OK", "é", "\ufeff",
)


def records() -> list[dict]:
    """The good record, then every field of it removed, then given each hostile value."""
    out = [dict(GOOD)]
    for field in CANONICAL_FIELDS:
        out.append({k: v for k, v in GOOD.items() if k != field})
        out += [{**GOOD, field: value} for value in VALUES]
    return out


def _text(value: Any) -> str:
    return "" if value is None else json.dumps(value) if isinstance(value, (list, dict, bool)) else str(value)


# Each line format: its lines (each one record) from the records above.
def jsonl_lines() -> list[str]:
    odd = ["not json", "[1, 2]", "{", '"a string"', "null", "{" * 10_000 + "}" * 10_000]
    return [json.dumps(r) for r in records()] + odd


def csv_lines() -> list[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CANONICAL_FIELDS)
    for r in records():
        # a value holding a line ending would make one record span lines: left to the CSV module's tests
        writer.writerow([_text(r.get(f)).replace("\n", " ").replace("\r", " ") for f in CANONICAL_FIELDS])
    writer.writerow(["2026-10-05T10:00:00Z", "web"])  # too few fields
    return buf.getvalue().splitlines()


ACCESS = '10.0.0.1 - - [{time}] "{request}" {status} {size} "-" "curl/8"{rest}'


def access_lines() -> list[str]:
    lines = [ACCESS.format(time="05/Oct/2026:10:00:00 +0000", request="GET /a HTTP/1.1", status=200, size=12, rest="")]
    for time in ("05/Oct/2026:10:00:00 +0000", "31/Feb/2026:10:00:00 +0000", "05/Oct/10000:10:00:00 +0000",
                 "05/Oct/1989:10:00:00 +0000", "yesterday"):
        for request, status, rest in (("GET /a HTTP/1.1", 200, ' rt="0.1"'), ("", 503, ""), ("GET", 999, ""),
                                      ("GET /\x00 HTTP/1.1", 200, ' rt="1.2.3"'), ("x" * 3000, 200, " 0.5"),
                                      ("GET /a HTTP/1.1", 200, " request_time=-1")):
            lines.append(ACCESS.format(time=time, request=request, status=status, size=12, rest=rest))
    return lines + ["not a log line", '10.0.0.1 - - [05/Oct/2026:10:00:00 +0000] "GET / HTTP/1.1" 200']


ALB = ('{proto} 2026-10-05T10:00:00.000000Z app/lb/1 10.0.0.1:1 10.0.0.2:80 {times} {elb} 200 10 20 '
       '"GET https://x:443/a HTTP/1.1" "curl" - - arn "Root=1-abc" "-" "-" 0 2026-10-05T10:00:00.000000Z "forward"')


def alb_lines() -> list[str]:
    lines = []
    for proto in ("https", "h2", "gopher"):
        for times in ("0.001 0.002 0.000", "-1 -1 -1", "x y z", "1e308 1e308 1e308"):
            for elb in ("200", "502", "-", "99999"):
                lines.append(ALB.format(proto=proto, times=times, elb=elb))
    return lines + ["https 2026-10-05T10:00:00Z too short"]


LINE_FORMATS: dict[str, tuple[str, Callable[[], list[str]], int]] = {
    # name: (file suffix, lines, header lines that are no record)
    "jsonl": (".jsonl", jsonl_lines, 0),
    "csv": (".csv", csv_lines, 1),
    "access_log": (".log", access_lines, 0),
    "alb": (".log", alb_lines, 0),
}


def _damaged(lines: list[str], header: int, k: int) -> Iterator[tuple[str, bytes, int | None]]:
    """(how, bytes, records) for every way the same lines are written badly (`k`, the format's
    number, keeps the formats' empty files apart: the same bytes land once)."""
    n = len(lines) - header
    body = "\n".join(lines) + "\n"
    yield "plain", body.encode(), n
    yield "crlf", body.replace("\n", "\r\n").encode(), n
    yield "lone-cr", body.replace("\n", "\r").encode(), n
    yield "bom", b"\xef\xbb\xbf" + body.encode(), n
    yield "no-final-newline", body.rstrip("\n").encode(), n
    yield "blank-lines", "\n\n".join(lines[:header] + [line + "\n" for line in lines[header:]]).encode(), n
    yield "nul", body.replace("e", "e\x00", 3).encode(), n
    yield "bad-utf8", body.encode().replace(b"e", b"e\xff\xc3", 5), n
    long_line = "{" + "x" * (RECORD_LIMIT * 3) + "}"
    yield "over-long-line", (body + long_line + "\n" + lines[-1] + "\n").encode(), n + 2
    yield "over-long-last-line", (body + long_line).encode(), n + 1
    yield "gzip", gzip.compress(body.encode()), n
    whole = gzip.compress(body.encode() * 20)
    yield "gzip-cut-short", whole[: len(whole) // 2], None
    yield "empty", b"\n" * k, 0
    yield "binary", bytes([k]) + bytes(range(256)) * 8, None


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def parquet_files() -> Iterator[HostileFile]:
    rows = records()
    columns = {f: pa.array([_text(r.get(f)) if f in r else None for r in rows], pa.string()) for f in CANONICAL_FIELDS}
    yield HostileFile("web/parquet-plain.parquet", _parquet(pa.table(columns)), len(rows))
    bad_utf8 = pa.array([b"web", b"w\xe9b", b"\xff"], pa.binary())
    raw = pa.Array.from_buffers(pa.string(), 3, bad_utf8.buffers())  # strings no reader validated
    yield HostileFile("web/parquet-bad-utf8.parquet", _parquet(pa.table({
        "timestamp": ["2026-10-05T10:00:00Z"] * 3, "service": raw, "status_code": [200, 200, 503]})), 3)
    yield HostileFile("web/parquet-lists.parquet", _parquet(pa.table({
        "timestamp": ["2026-10-05T10:00:00Z"] * 2, "service": ["web", "web"], "region": [[1], None]})), 2)
    yield HostileFile("web/parquet-typed.parquet", _parquet(pa.table({
        "timestamp": pa.array([0, 1790812800000, 2**62], pa.timestamp("ms")), "service": ["web"] * 3,
        "status_code": pa.array([200.5, 503, -1], pa.float64()), "is_probe": [True, None, False]})), 3)
    yield HostileFile("web/parquet-long-value.parquet", _parquet(pa.table({
        "timestamp": ["2026-10-05T10:00:00Z"] * 2, "service": ["web", "w" * (RECORD_LIMIT + 1)],
        "status_code": [200, 200]})), 2)
    yield HostileFile("web/parquet-empty.parquet", _parquet(pa.table({"timestamp": pa.array([], pa.string())})), 0)
    whole = _parquet(pa.table(columns))
    yield HostileFile("web/parquet-cut-short.parquet", whole[: len(whole) // 2], None)


def _span(i: int, **extra) -> dict:
    start = 1790812800 * 10**9 + i * 10**9
    return {"kind": 2, "name": "GET /", "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 10**6),
            "attributes": [{"key": "http.response.status_code", "value": {"intValue": "200"}}], **extra}


def otlp_files() -> Iterator[HostileFile]:
    spans = [_span(0), _span(1, startTimeUnixNano="soon"), _span(2, endTimeUnixNano="0"), 5, "x", None,
             _span(3, attributes={"not": "a list"}), _span(4, attributes=[{"key": "http.response.status_code"}]),
             _span(5, startTimeUnixNano=str(2**80)), _span(6, kind="server")]
    resource = {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
                "scopeSpans": [{"spans": spans}]}
    doc = json.dumps({"resourceSpans": [resource]})
    fed = len(spans) - 1  # the span of kind "server" (not 2 nor SPAN_KIND_SERVER) is no request served
    yield HostileFile("otlp/spans.json", doc.encode(), fed)
    yield HostileFile("otlp/spans-gz.json.gz", gzip.compress(doc.encode()), fed)
    yield HostileFile("otlp/not-a-list.json", b'{"resourceSpans": {"a": 1}}', 1)
    yield HostileFile("otlp/deep.json", b'{"resourceSpans": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", 1)
    yield HostileFile("otlp/cut-short.json", doc.encode()[: len(doc) // 2], 1)


def prometheus_files() -> Iterator[HostileFile]:
    t = 1790812800
    series = [{"metric": {"code": "200", "job": "api"}, "values": [[t, "1"], [t + 60, "11"], ["soon", "12"],
                                                                   [t + 180, "1e308"], [t + 240, "nan"], "x"]},
              "not an object", {"metric": {}, "values": "no"}]
    doc = json.dumps({"status": "success", "data": {"resultType": "matrix", "result": series}})
    # a Prometheus export's records follow its counter increases: not fed one to one
    yield HostileFile("metrics/prom.json", doc.encode(), None)
    yield HostileFile("metrics/prom-cut.json", doc.encode()[:60], 1)


def hostile_files() -> Iterator[HostileFile]:
    for k, (fmt, (suffix, lines, header)) in enumerate(LINE_FORMATS.items()):
        folder = "web" if fmt in ("jsonl", "csv") else fmt.replace("_", "-")
        for how, data, fed in _damaged(lines(), header, k):
            gz = how.startswith("gzip")
            yield HostileFile(f"{folder}/{fmt}-{how}{suffix}{'.gz' if gz else ''}", data, fed)
    # a file name that is not UTF-8 (surrogate-escaped here, as the file system hands it over)
    yield HostileFile("web/caf\udce9.jsonl", (json.dumps(GOOD) + "\n").encode(), 1)
    yield from parquet_files()
    yield from otlp_files()
    yield from prometheus_files()
