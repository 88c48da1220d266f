"""Log and trace adapters on real files (../shared/datasets, used as they are) and on realistic
samples of the formats that have no public dataset here (ALB, Prometheus query_range). Expected
figures are derived in the test from the files' text, not from the adapters."""

import collections
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.ingest import Lake, detect_format, land

SHARED_DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"



def landed_rows(lake: Lake, sha: str):
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(f"select * from '{lake.files / (sha + '.parquet')}' order by line").fetch_df()


def test_apache_combined_log(tmp_path):
    source = SHARED_DATASETS / "apache-combined-2015" / "apache_logs"
    (tmp_path / "landing" / "blog").mkdir(parents=True)
    shutil.copy(source, tmp_path / "landing" / "blog" / "access.log")
    assert detect_format(tmp_path / "landing" / "blog" / "access.log") == "access_log"
    lake = Lake(tmp_path / "lake")
    [entry] = land(lake, str(tmp_path / "landing")).landed
    # expected from the text: the status is the first field after the quoted request
    text = source.read_text(encoding="utf-8", errors="replace").splitlines()
    statuses = collections.Counter(re.search(r'" (\d{3}) ', line).group(1) for line in text)
    assert entry.format == "access_log" and entry.rows_read == len(text) == 10_000
    assert entry.rows_read == entry.rows_landed + entry.rows_quarantined
    df = landed_rows(lake, entry.file_sha256)
    assert collections.Counter(str(s) for s in df["status_code"]) == statuses
    assert set(df["service"]) == {"blog"}  # no service in the format: the folder names it
    # the first line: [17/May/2015:10:05:03 +0000] "GET /presentations/... HTTP/1.1"
    first = df.iloc[0]
    assert first["event_ts"].to_pydatetime() == dt.datetime(2015, 5, 17, 10, 5, 3)
    assert first["operation"] == "GET /presentations/logstash-monitorama-2013/images/kibana-search.png"
    assert entry.days == sorted({f"2015-05-{d}" for d in re.findall(r"\[(\d\d)/May/2015", source.read_text(errors="replace"))})


def test_nginx_request_time_and_offsets(tmp_path):
    source = SHARED_DATASETS / "nginx-request-time" / "test.log"
    (tmp_path / "landing" / "sklik").mkdir(parents=True)
    shutil.copy(source, tmp_path / "landing" / "sklik" / "proxy.log")
    lake = Lake(tmp_path / "lake")
    [entry] = land(lake, str(tmp_path / "landing")).landed
    lines = [l for l in source.read_text().splitlines() if l.strip()]
    assert (entry.rows_read, entry.rows_landed, entry.rows_quarantined) == (len(lines), len(lines), 0)
    df = landed_rows(lake, entry.file_sha256)
    # rt="0.139" is seconds; +0200 local time is two hours ahead of UTC
    expected_ms = [float(re.search(r' rt="([0-9.]+)"', l).group(1)) * 1000 for l in lines]
    assert list(df["latency_ms"]) == pytest.approx(expected_ms)
    m = re.search(r"\[(\d\d)/Apr/2020:(\d\d):(\d\d):(\d\d) \+0200\]", lines[0])
    day, h, mi, s = map(int, m.groups())
    assert df.iloc[0]["event_ts"].to_pydatetime() == dt.datetime(2020, 4, day, h - 2, mi, s)


def test_otlp_json_traces_keep_server_spans(tmp_path):
    source = SHARED_DATASETS / "otlp-examples" / "trace.json"
    (tmp_path / "landing" / "traces").mkdir(parents=True)
    shutil.copy(source, tmp_path / "landing" / "traces" / "trace.json")
    # a second, realistic export: a server span with an HTTP 503, a server span with an error
    # status and no HTTP code, and a client span (not a request this service served)
    doc = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
                              "scopeSpans": [{"spans": [
        {"traceId": "a1", "spanId": "1", "name": "POST /order", "kind": 2, "startTimeUnixNano": "1760000000000000000",
         "endTimeUnixNano": "1760000000250000000",
         "attributes": [{"key": "http.response.status_code", "value": {"intValue": "503"}}]},
        {"traceId": "a2", "spanId": "2", "name": "charge", "kind": "SPAN_KIND_SERVER",
         "startTimeUnixNano": "1760000001000000000", "endTimeUnixNano": "1760000001004000000",
         "status": {"code": 2}},
        {"traceId": "a3", "spanId": "3", "name": "GET /stock", "kind": 3, "startTimeUnixNano": "1760000002000000000",
         "endTimeUnixNano": "1760000002100000000"}]}]}]}
    (tmp_path / "landing" / "traces" / "export.json").write_text(json.dumps(doc))
    assert detect_format(tmp_path / "landing" / "traces" / "export.json") == "otlp"
    lake = Lake(tmp_path / "lake")
    entries = {e.path: e for e in land(lake, str(tmp_path / "landing")).landed}
    spec = landed_rows(lake, entries["traces/trace.json"].file_sha256)
    # the spec's example: one server span of my.service, 1544712660 s to 1544712661 s
    example = json.loads(source.read_text())["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert len(spec) == 1 and spec.iloc[0]["service"] == "my.service"
    assert spec.iloc[0]["latency_ms"] == (int(example["endTimeUnixNano"]) - int(example["startTimeUnixNano"])) / 1e6
    assert spec.iloc[0]["outcome"] == "ok" and spec.iloc[0]["trace_id"] == example["traceId"]
    ours = landed_rows(lake, entries["traces/export.json"].file_sha256)
    assert [(r.operation, None if pd.isna(r.status_code) else int(r.status_code), r.outcome, r.latency_ms)
            for r in ours.itertuples()] == [("POST /order", 503, "ok", 250.0), ("charge", None, "error", 4.0)]
    # the client span is not read as a record: read counts the records that are requests served
    assert entries["traces/export.json"].rows_read == 2


ALB_LINES = [
    # a normal answer: 0.000 + 0.120 + 0.001 s
    'https 2026-10-01T10:00:00.123456Z app/shop-alb/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.120 0.001 '
    '200 200 34 366 "GET https://shop.example.com:443/cart?id=7 HTTP/1.1" "curl/8.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
    'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" '
    '"shop.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678" 0 2026-10-01T10:00:00.002000Z "forward" "-" "-" '
    '"10.0.0.1:80" "200" "-" "-"',
    # the target did not answer: -1 processing times, the ELB answered 502
    'http 2026-10-01T10:00:05.000000Z app/shop-alb/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 -1 -1 -1 '
    '502 - 34 366 "POST http://shop.example.com:80/pay HTTP/1.1" "curl/8.0" - - '
    'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe355" '
    '"-" "-" 0 2026-10-01T10:00:05.000000Z "forward" "-" "-" "10.0.0.1:80" "-" "-" "-"',
    'garbage that is not a log line',
]


def test_alb_access_logs(tmp_path):
    (tmp_path / "landing" / "shop").mkdir(parents=True)
    (tmp_path / "landing" / "shop" / "alb.log").write_text("\n".join(ALB_LINES) + "\n")
    lake = Lake(tmp_path / "lake")
    [entry] = land(lake, str(tmp_path / "landing"), formats={"shop/": "alb"}).landed
    assert (entry.format, entry.rows_read, entry.rows_landed, entry.rows_quarantined) == ("alb", 3, 2, 1)
    df = landed_rows(lake, entry.file_sha256)
    ok, failed = df.iloc[0], df.iloc[1]
    assert (ok["service"], ok["source"], ok["status_code"], ok["operation"]) == ("shop", "loadbalancer", 200, "GET /cart")
    assert ok["latency_ms"] == pytest.approx(121.0)
    assert ok["trace_id"] == "Root=1-58337262-36d228ad5d99923122bbe354"
    assert failed["status_code"] == 502 and pd.isna(failed["latency_ms"])  # unknown
    with duckdb.connect() as con:
        reason = con.execute(f"select reason from '{lake.quarantine / (entry.file_sha256 + '.parquet')}'").fetchone()[0]
    assert reason == "not an ALB access log line"


def test_prometheus_query_range_counters_with_a_reset(tmp_path):
    start = 1759312800  # 2026-10-01T10:00:00Z, 60 s steps
    answer = {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "http_requests_total", "job": "api", "code": "200"},
         "values": [[start, "1000"], [start + 60, "1600"], [start + 120, "40"], [start + 180, "100"]]},
        {"metric": {"__name__": "http_requests_total", "job": "api", "code": "500"},
         "values": [[start, "5"], [start + 60, "5"], [start + 120, "8"], [start + 180, "8"]]},
    ]}}
    (tmp_path / "landing" / "metrics").mkdir(parents=True)
    (tmp_path / "landing" / "metrics" / "range.json").write_text(json.dumps(answer, indent=2))
    assert detect_format(tmp_path / "landing" / "metrics" / "range.json") == "prometheus"
    lake = Lake(tmp_path / "lake")
    [entry] = land(lake, str(tmp_path / "landing")).landed
    df = landed_rows(lake, entry.file_sha256)
    with duckdb.connect() as con:
        con.register("df", df)
        got = con.execute("""select status_code, sum(1 / sample_rate), count(*) from df
                             group by status_code order by status_code""").fetchall()
    # 200s: +600, then a reset to 40 counts 40, then +60 = 700 requests in three records;
    # 500s: +0 (no record), +3, +0 = 3 requests in one record
    assert got == [(200, pytest.approx(700.0), 3), (500, pytest.approx(3.0), 1)]
    assert set(df["service"]) == {"api"}  # the job label names the service


def test_formats_set_per_path_prefix_in_slm_formats(tmp_path, monkeypatch):
    from pipelines.settings import Settings

    monkeypatch.setenv("SLM_FORMATS", "shop/=alb; edge/logs/=access_log")
    settings = Settings.from_env(home=tmp_path / "home", landing=str(tmp_path / "landing"))
    assert settings.formats == {"shop/": "alb", "edge/logs/": "access_log"}
    (tmp_path / "landing" / "shop").mkdir(parents=True)
    (tmp_path / "landing" / "shop" / "alb.txt").write_text("\n".join(ALB_LINES) + "\n")
    [entry] = land(Lake(settings.lake), settings.landing, formats=settings.formats).landed
    assert (entry.format, entry.rows_landed, entry.rows_quarantined) == ("alb", 2, 1)
    monkeypatch.setenv("SLM_FORMATS", "shop/=syslog")
    with pytest.raises(ValueError, match="SLM_FORMATS: 'shop/=syslog' is not prefix=format"):
        Settings.from_env(home=tmp_path / "home")


def test_the_customer_comes_from_the_record_the_header_or_the_span_attribute(tmp_path, monkeypatch):
    """Issue 20: canonical records carry `customer`; an access log records it as the header
    SLM_CUSTOMER_HEADER names, a trace as the attribute SLM_CUSTOMER_ATTRIBUTE names (the span's,
    else its resource's). Blank is no customer; longer than 200 characters is quarantined."""
    monkeypatch.setenv("SLM_CUSTOMER_HEADER", "X-Tenant-Id")
    monkeypatch.setenv("SLM_CUSTOMER_ATTRIBUTE", "tenant.id")
    landing = tmp_path / "landing"
    for folder in ("api", "edge", "traces"):
        (landing / folder).mkdir(parents=True)
    records = [{"timestamp": "2026-10-01T10:00:00Z", "service": "api", "status_code": 200, "customer": c}
               for c in (" acme ", "", "x" * 201)] + [{"timestamp": "2026-10-01T10:00:00Z", "service": "api",
                                                         "status_code": 200}]
    (landing / "api" / "events.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    access = ['10.0.0.1 - - [01/Oct/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl" rt="0.010" '
              'http_x_tenant_id="bolt"',
              '10.0.0.1 - - [01/Oct/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "curl" x-tenant-id=cyan rt=0.2',
              '10.0.0.1 - - [01/Oct/2026:10:00:02 +0000] "GET / HTTP/1.1" 200 5 "-" "curl" x_tenant_id="-"']
    (landing / "edge" / "access.log").write_text("\n".join(access) + "\n")

    def span(n: int, attributes: list) -> dict:
        return {"traceId": f"t{n}", "spanId": str(n), "name": "GET /", "kind": 2, "attributes": attributes,
                "startTimeUnixNano": f"17593128000{n}0000000", "endTimeUnixNano": f"17593128000{n}1000000"}

    tenant = [{"key": "tenant.id", "value": {"stringValue": "zeta"}}]
    doc = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}},
                                                          {"key": "tenant.id", "value": {"stringValue": "from-resource"}}]},
                              "scopeSpans": [{"spans": [span(1, tenant), span(2, [])]}]}]}
    (landing / "traces" / "export.json").write_text(json.dumps(doc))
    lake = Lake(tmp_path / "lake")
    entries = {e.path: e for e in land(lake, str(landing)).landed}

    def customers(path: str) -> list:
        return [None if pd.isna(c) else c for c in landed_rows(lake, entries[path].file_sha256)["customer"]]

    assert customers("api/events.jsonl") == ["acme", None, None]
    assert (entries["api/events.jsonl"].rows_read, entries["api/events.jsonl"].rows_quarantined) == (4, 1)
    [reason] = pd.read_parquet(lake.quarantine)["reason"]
    assert reason == "customer: longer than 200 characters"
    assert customers("edge/access.log") == ["bolt", "cyan", None]
    assert customers("traces/export.json") == ["zeta", "from-resource"]


def test_files_landed_before_the_customer_field_read_on_with_it_null(tmp_path):
    """A lake landed before `customer` existed is read by column name, never rewritten: a day
    rebuilt from an old landed file and a new one has the new file's customers and nulls."""
    from pipelines.core.events import LANDED_SCHEMA
    from pipelines.ingest.lake import landed_columns
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = {"event_ts": dt.datetime(2026, 10, 1, 10), "day": dt.date(2026, 10, 1), "service": "api",
           "status_code": 200, "source": "server", "is_probe": False, "sample_rate": 1.0, "line": 1}
    old_schema = pa.schema([f for f in LANDED_SCHEMA if f.name != "customer"])
    pq.write_table(pa.Table.from_pylist([{**row, "file_sha256": "old"}], schema=old_schema), tmp_path / "old.parquet")
    pq.write_table(pa.Table.from_pylist([{**row, "file_sha256": "new", "customer": "acme"}], schema=LANDED_SCHEMA),
                   tmp_path / "new.parquet")
    files = [str(tmp_path / "old.parquet"), str(tmp_path / "new.parquet")]
    with duckdb.connect() as con:
        got = con.execute(f"select {landed_columns(files)} from read_parquet(?, union_by_name = true) order by file_sha256",
                          [files]).fetchall()
        only_old = con.execute(f"select {landed_columns(files[:1])} from read_parquet(?)", [files[:1]]).description
    assert [(r[-2], r[-3]) for r in got] == [("new", "acme"), ("old", None)]
    assert [d[0] for d in only_old] == list(LANDED_SCHEMA.names)


def test_a_prometheus_label_names_the_customer(tmp_path, monkeypatch):
    monkeypatch.setenv("SLM_CUSTOMER_ATTRIBUTE", "tenant")
    (tmp_path / "landing" / "api").mkdir(parents=True)
    series = [{"metric": {"code": "200", "tenant": "acme"}, "values": [[1759312800, "10"], [1759312860, "25"]]},
              {"metric": {"code": "500"}, "values": [[1759312800, "1"], [1759312860, "3"]]}]
    doc = {"status": "success", "data": {"resultType": "matrix", "result": series}}
    (tmp_path / "landing" / "api" / "requests.json").write_text(json.dumps(doc))
    lake = Lake(tmp_path / "lake")
    [entry] = land(lake, str(tmp_path / "landing")).landed
    rows = landed_rows(lake, entry.file_sha256)
    # each step's increase is one record: 15 requests of acme, 2 without a customer
    assert [(int(r.status_code), round(1 / r.sample_rate), None if pd.isna(r.customer) else r.customer)
            for r in rows.itertuples()] == [(200, 15, "acme"), (500, 2, None)]
