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
