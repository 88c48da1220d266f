"""A JSON lines file landed by DuckDB alone gives exactly the rows the exact reader gives: the same
landed records, the same quarantined lines with the same numbers, reasons and raw text; and DuckDB
is used only for files whose every line is one JSON object as it stands."""

import gzip
import json
import random

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.ingest import Lake, land
from pipelines.ingest.formats.lines import plain_line_count
from pipelines.ingest.land import land_file
from pipelines.ingest.land_in_engine import landed_in_engine

from engine_landing import PLAUSIBLE, REL, SHA, both_ways, lines_of


# values each field may take: good ones, and every kind the rules refuse or the readers write oddly
VALUES = {
    "timestamp": ["2026-10-05T10:00:00Z", "2026-10-05T12:00:00.5+02:00", 1791194400000, 1791194400000.0, 1.7e12,
                  "last tuesday", 99999999999999999999, "1989-12-31T23:59:59Z", None, "  2026-10-05T10:00:00Z "],
    "service": ["web", " api ", "", "é\n\"q", 7, 1e-7, {"n": [1, {"x": 2}]}, None, "\u2028", "\x7f"],
    "operation": ["GET /", "", None, 12345678901234567890.5],
    "status_code": [200, "503", 200.0, 2e2, 200.5, 700, -1, None, True, [1, 2]],
    "outcome": ["ok", "error", "maybe", None],
    "latency_ms": [12.5, "7", -1, 1e-7, 1e400, "NaN", "x", None, 0, 1e9 + 1],
    "source": ["server", "", None, "probe"],
    "is_probe": [True, False, "true", "TRUE", "yes", None, 1],
    "sample_rate": [1, 0.5, 0, 1e-10, "0.1", None],
    "trace_id": ["t1", "", None, 42],
    "customer": ["acme", "  acme  ", "c" * 201, None],
}
# lines that are no record the engine may read: the exact reader must say which and why
DISRUPTIONS = ["", "   ", '{"timestamp": "x"', "[1, 2]", "5", ' {"service": "web"}', '{"service": "web"} ',
               '{"service": "a", "service": "b"}', "{'service': 'web'}", '{"a":1}{"b":2}']


def record(rng: random.Random) -> str:
    fields = {k: rng.choice(v) for k, v in VALUES.items() if rng.random() < 0.8}
    if rng.random() < 0.1:
        fields["Service"] = "shouting"  # another key, not the canonical one
    if rng.random() < 0.1:
        fields["extra"] = {"deep": [1, None]}
    text = json.dumps(fields, ensure_ascii=rng.random() < 0.5, separators=rng.choice([(",", ":"), (", ", ": ")]))
    return text.replace("Infinity", "1e400")


@pytest.mark.parametrize("seed", range(4))
def test_the_engine_lands_what_the_exact_reader_lands(tmp_path, seed):
    rng = random.Random(seed)
    taken = declined = compared = 0
    for i in range(40):
        lines = [record(rng) for _ in range(rng.randint(1, 60))]
        disrupted = rng.random() < 0.3
        if disrupted:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(DISRUPTIONS))
        data = ("\n".join(lines) + ("\n" if rng.random() < 0.7 else "")).encode()
        gz = rng.random() < 0.3
        path = tmp_path / f"f{i}.jsonl{'.gz' if gz else ''}"
        cut = rng.randrange(len(data) + 1)  # gzip of several members (concatenated files), cut anywhere
        path.write_bytes((gzip.compress(data[:cut]) + gzip.compress(data[cut:]) if rng.random() < 0.5
                          else gzip.compress(data)) if gz else data)
        engine, exact = both_ways(path, "jsonl.gz" if gz else "jsonl")
        if disrupted:
            declined += engine is None
        else:
            assert engine is not None, data  # every line one JSON object: the engine reads it
        if engine is not None:
            taken += 1
            assert engine == exact, data
            compared += len(exact[1]) + len(exact[2])
        assert exact[0] == len(exact[1]) + len(exact[2])
    assert taken > 20 and declined > 3 and compared > 500  # both ways were exercised on real rows


def test_a_quarantined_line_keeps_its_number_and_text(tmp_path):
    good = {"timestamp": "2026-10-05T10:00:00Z", "service": "web", "status_code": 200, "latency_ms": 12.5}
    lines = [json.dumps(good), json.dumps(dict(good, status_code=700)), json.dumps(good),
             '{"timestamp":"2026-10-05T10:00:00Z",  "service":"web","latency_ms":-1, "status_code":200}']
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines))
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        read, landed, bad = lines_of(landed_in_engine(con, path, "jsonl", SHA, REL, PLAUSIBLE))
    assert read == 4 and [r["line"] for r in landed] == [1, 3]
    assert [(r["line"], r["reason"], r["raw"]) for r in bad] == [
        (2, "status_code: 700 is outside 100-599", lines[1]), (4, "latency_ms: -1 is negative", lines[3])]


@pytest.mark.parametrize("data, count", [
    (b'{"a":1}\n{"b":2}\n', 2),
    (b'{"a":1}\n{"b":2}', 2),                # the last line without its ending
    (b'{"a":1}\n\n{"b":2}\n', None),         # a blank line
    (b'{"a":1}\r\n{"b":2}\r\n', None),       # \r\n endings: only the exact reader cuts them
    (b'\xef\xbb\xbf{"a":1}\n', None),        # a byte order mark
    (b'{"a":"\xff"}\n', None),               # not UTF-8
    (b'{"a":1}\n [1]\n', None),
    (b'{"a":1} \n', None),
    (b'', None),
    (b'{"a":"' + b"x" * 40 + b'"}\n', None),  # over the record limit of 32 bytes
])
def test_plain_lines_are_counted_anything_else_is_left_to_the_exact_reader(tmp_path, data, count):
    path = tmp_path / "f"
    path.write_bytes(data)
    for block in (3, 8, 1 << 20):  # block edges anywhere
        assert plain_line_count(path, False, b"{", b"}", limit=32, block_bytes=block) == count


def test_a_path_duckdb_would_take_for_a_pattern_is_read_exactly(tmp_path):
    """`a[1].jsonl` is a glob to DuckDB that matches `a1.jsonl`: never hand it such a path."""
    record = '{"timestamp":"2026-10-05T10:00:00Z","service":"%s","status_code":200}\n'
    (tmp_path / "a1.jsonl").write_text(record % "wrong" * 3)
    path = tmp_path / "a[1].jsonl"
    path.write_text(record % "right")
    engine, exact = both_ways(path)
    assert engine is None and [r["service"] for r in exact[1]] == ["right"]


def test_a_run_lands_a_plain_file_and_a_disrupted_one_with_the_same_figures(tmp_path):
    """Through `land`: the same records, one file with a blank line (exact reader), one without."""
    good = '{"timestamp":"2026-10-05T10:%02d:00Z","service":"web","status_code":%d,"latency_ms":%d}'
    body = [good % (i, 200 if i % 7 else 503, i) for i in range(60)] + ['{"timestamp":"x","service":"web"}']
    landing = tmp_path / "landing" / "web"
    landing.mkdir(parents=True)
    (landing / "plain.jsonl").write_text("\n".join(body) + "\n")
    (landing / "blank.jsonl").write_text("\n".join(body[:30] + [""] + body[30:]) + "\n")
    lake = Lake(tmp_path / "lake")
    entries = {e.path: e for e in land(lake, str(tmp_path / "landing")).landed}
    for name in ("plain", "blank"):
        e = entries[f"web/{name}.jsonl"]
        assert (e.rows_read, e.rows_landed, e.rows_quarantined) == (61, 60, 1)
    with duckdb.connect() as con:
        def one(name):
            sha = entries[f"web/{name}.jsonl"].file_sha256
            landed = con.execute(f"select line, status_code, latency_ms from '{lake.files}/{sha}.parquet' order by line").fetchall()
            bad = con.execute(f"select line, reason, raw from '{lake.quarantine}/{sha}.parquet'").fetchall()
            return landed, bad
        plain, blank = one("plain"), one("blank")
    # 60 good lines, every 7th a 503 (i = 0, 7, ..., 56: 9 of them); the bad one is line 61 / 62
    assert sum(status == 503 for _, status, _ in plain[0]) == 9
    assert [line for line, *_ in plain[0]] == list(range(1, 61))
    assert [line for line, *_ in blank[0]] == list(range(1, 31)) + list(range(32, 62))
    assert plain[1] == [(61, "timestamp: x is neither RFC 3339 nor epoch milliseconds", body[-1])]
    assert blank[1] == [(62, "timestamp: x is neither RFC 3339 nor epoch milliseconds", body[-1])]
    assert [r[1:] for r in plain[0]] == [r[1:] for r in blank[0]]
    engine_plain, _ = both_ways(landing / "plain.jsonl")
    engine_blank, _ = both_ways(landing / "blank.jsonl")
    assert engine_plain is not None and engine_blank is None  # the two ways were both taken


def test_a_file_read_in_parallel_lands_in_line_order(tmp_path):
    """40 MB: DuckDB reads it in several buffers on several threads; the landed Parquet still holds
    the records in line order (no sort: insertion order is kept), numbered 1..n."""
    n = 250_000
    line = '{"timestamp":"2026-10-05T%02d:%02d:%02dZ","service":"web","status_code":%d,"latency_ms":%d,"trace_id":"%s"}\n'
    path = tmp_path / "web" / "big.jsonl"
    path.parent.mkdir()
    with open(path, "w") as f:
        for i in range(n):
            f.write(line % (i // 3600 % 24, i // 60 % 60, i % 60, 503 if i % 1000 == 0 else 200, i % 97, "t" * 60 + str(i)))
    assert path.stat().st_size > 40e6
    lake = Lake(tmp_path / "lake")
    entry = land_file(lake, path, "web/big.jsonl", SHA, None, share=2)
    assert (entry.rows_read, entry.rows_landed, entry.rows_quarantined) == (n, n, 0)
    table = pq.read_table(lake.files / f"{SHA}.parquet", columns=["line", "trace_id", "status_code"])
    assert table["line"].to_pylist() == list(range(1, n + 1))
    assert table["trace_id"].to_pylist() == ["t" * 60 + str(i) for i in range(n)]
    assert table["status_code"].to_pylist().count(503) == n // 1000  # i = 0, 1000, ..., 249000
